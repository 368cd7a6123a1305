// The payloads of BSM tokens (what each token carries), as filewatcher decodes and encodes them.

// MARK: - Token payloads

/// header32 / header32_ex / header64 / header64_ex.
public struct Header: Hashable, Sendable {
    /// Byte count of the whole record (header through trailer).
    public var size: UInt32
    public var version: UInt8
    /// Event number (e_type).
    public var eventType: UInt16
    /// Event modifier (e_mod).
    public var eventModifier: UInt16
    /// Machine address (the `_ex` forms only; `nil` otherwise).
    public var address: IPAddress?
    /// Seconds since the epoch (32 bits in the 32-bit forms).
    public var seconds: UInt64
    /// Milliseconds (OpenBSM writes them as the 32/64-bit "ms" field).
    public var milliseconds: UInt64
    public init(size: UInt32, version: UInt8 = 11, eventType: UInt16, eventModifier: UInt16 = 0,
                address: IPAddress? = nil, seconds: UInt64, milliseconds: UInt64) {
        self.size = size; self.version = version; self.eventType = eventType; self.eventModifier = eventModifier
        self.address = address; self.seconds = seconds; self.milliseconds = milliseconds
    }
}

public struct Trailer: Hashable, Sendable {
    public var magic: UInt16
    /// Byte count of the whole record; must equal the header's.
    public var count: UInt32
    public init(magic: UInt16 = bsmTrailerMagic, count: UInt32) { self.magic = magic; self.count = count }
}

/// The `file` token (AUT_OTHER_FILE32): written by auditd at the start and end of a trail.
public struct FileToken: Hashable, Sendable {
    public var seconds: UInt32
    public var milliseconds: UInt32
    public var name: BSMBytes
    public init(seconds: UInt32, milliseconds: UInt32, name: BSMBytes) {
        self.seconds = seconds; self.milliseconds = milliseconds; self.name = name
    }
}

/// arg32 / arg64.
public struct Arg: Hashable, Sendable {
    public var number: UInt8  // no
    public var value: UInt64  // val (32 bits for arg32)
    public var text: BSMBytes
    public init(number: UInt8, value: UInt64, text: BSMBytes) { self.number = number; self.value = value; self.text = text }
}

/// arg_uuid / ret_uuid.
public struct UUIDToken: Hashable, Sendable {
    public var number: UInt8
    public var uuid: BSMUUID
    public var text: BSMBytes
    public init(number: UInt8, uuid: BSMUUID, text: BSMBytes) { self.number = number; self.uuid = uuid; self.text = text }
}

/// The `data` token (AUT_DATA, praudit's "arbitrary").
public struct DataToken: Hashable, Sendable {
    /// How to print: AUP_BINARY 0, AUP_OCTAL 1, AUP_DECIMAL 2, AUP_HEX 3, AUP_STRING 4.
    public var howToPrint: UInt8
    /// Basic unit: AUR_BYTE 0, AUR_SHORT 1, AUR_INT32 2, AUR_INT64 3.
    public var basicUnit: UInt8
    public var unitCount: UInt8
    /// unitCount × unit size raw bytes (units big-endian).
    public var bytes: BSMBytes
    public init(howToPrint: UInt8, basicUnit: UInt8, unitCount: UInt8, bytes: BSMBytes) {
        self.howToPrint = howToPrint; self.basicUnit = basicUnit; self.unitCount = unitCount; self.bytes = bytes
    }
    /// Size in bytes of one unit, or nil for an unknown unit type.
    @inlinable public static func unitSize(_ basicUnit: UInt8) -> Int? {
        switch basicUnit {
        case 0: return 1
        case 1: return 2
        case 2: return 4
        case 3: return 8
        default: return nil
        }
    }
}

/// attr (0x31), attr32 (0x3e), attr64 (0x73).
public struct Attr: Hashable, Sendable {
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var fsid: UInt32
    public var nodeid: UInt64
    /// 32 bits in attr/attr32.
    public var device: UInt64
    public init(mode: UInt32, uid: UInt32, gid: UInt32, fsid: UInt32, nodeid: UInt64, device: UInt64) {
        self.mode = mode; self.uid = uid; self.gid = gid; self.fsid = fsid; self.nodeid = nodeid; self.device = device
    }
}

public struct ExitToken: Hashable, Sendable {
    public var status: UInt32
    public var ret: UInt32
    public init(status: UInt32, ret: UInt32) { self.status = status; self.ret = ret }
}

/// exec_args / exec_env: `count` NUL-terminated strings stored back to back in `raw`.
public struct ExecStrings: Hashable, Sendable, Sequence {
    public var count: UInt32
    /// All strings with their NUL terminators, exactly as on the wire.
    public var raw: BSMBytes
    public init(count: UInt32, raw: BSMBytes) { self.count = count; self.raw = raw }
    public init(_ strings: [[UInt8]]) {
        var r: [UInt8] = []
        for s in strings { r += s; r.append(0) }
        count = UInt32(strings.count)
        raw = BSMBytes(r)
    }
    /// The strings without their NUL terminators (slices of `raw`, no copy).
    public func makeIterator() -> Iterator { Iterator(raw: raw, position: raw.lowerBound) }
    public struct Iterator: IteratorProtocol {
        let raw: BSMBytes
        var position: Int
        public mutating func next() -> BSMBytes? {
            guard position < raw.upperBound else { return nil }
            var e = position
            while e < raw.upperBound && raw.storage[e] != 0 { e += 1 }
            let s = BSMBytes(unchecked: raw.storage, position, e)
            position = e + 1
            return s
        }
    }
    public var strings: [BSMBytes] { Array(self) }
}

/// newgroups: `count` 32-bit group ids.
public struct GroupList: Hashable, Sendable, RandomAccessCollection {
    /// count × 4 bytes, big-endian.
    public var raw: BSMBytes
    public init(raw: BSMBytes) { self.raw = raw }
    public init(_ groups: [UInt32]) {
        var r: [UInt8] = []
        r.reserveCapacity(groups.count * 4)
        for g in groups { r += [UInt8(g >> 24), UInt8((g >> 16) & 0xff), UInt8((g >> 8) & 0xff), UInt8(g & 0xff)] }
        raw = BSMBytes(r)
    }
    public var startIndex: Int { 0 }
    public var endIndex: Int { raw.count / 4 }
    public subscript(i: Int) -> UInt32 {
        let b = raw.lowerBound + 4 * i
        precondition(i >= 0 && b + 4 <= raw.upperBound)
        let s = raw.storage
        return UInt32(s[b]) << 24 | UInt32(s[b + 1]) << 16 | UInt32(s[b + 2]) << 8 | UInt32(s[b + 3])
    }
}

/// The `ip` token: an IPv4 header (fields in host value of their network-order bytes).
public struct IPHeaderToken: Hashable, Sendable {
    public var version: UInt8
    public var tos: UInt8
    public var length: UInt16
    public var id: UInt16
    public var offset: UInt16
    public var ttl: UInt8
    public var prot: UInt8
    public var checksum: UInt16
    public var source: UInt32
    public var destination: UInt32
    public init(version: UInt8, tos: UInt8, length: UInt16, id: UInt16, offset: UInt16, ttl: UInt8, prot: UInt8,
                checksum: UInt16, source: UInt32, destination: UInt32) {
        self.version = version; self.tos = tos; self.length = length; self.id = id; self.offset = offset
        self.ttl = ttl; self.prot = prot; self.checksum = checksum; self.source = source; self.destination = destination
    }
}

public struct IPCToken: Hashable, Sendable {
    public var type: UInt8
    public var id: UInt32
    public init(type: UInt8, id: UInt32) { self.type = type; self.id = id }
}

public struct IPCPerm: Hashable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var puid: UInt32
    public var pgid: UInt32
    public var mode: UInt32
    public var seq: UInt32
    public var key: UInt32
    public init(uid: UInt32, gid: UInt32, puid: UInt32, pgid: UInt32, mode: UInt32, seq: UInt32, key: UInt32) {
        self.uid = uid; self.gid = gid; self.puid = puid; self.pgid = pgid; self.mode = mode; self.seq = seq; self.key = key
    }
}

/// subject32/64(_ex) and process32/64(_ex) share this shape.
public struct Subject: Hashable, Sendable {
    public var auid: UInt32
    public var euid: UInt32
    public var egid: UInt32
    public var ruid: UInt32
    public var rgid: UInt32
    public var pid: UInt32
    public var sid: UInt32
    /// Terminal port (tid.port): 32 bits in the 32-bit forms, 64 bits in the 64-bit forms.
    public var port: UInt64
    /// Terminal machine address (tid.addr): always `.v4` in the non-`_ex` forms.
    public var address: IPAddress
    public init(auid: UInt32, euid: UInt32, egid: UInt32, ruid: UInt32, rgid: UInt32, pid: UInt32, sid: UInt32,
                port: UInt64, address: IPAddress) {
        self.auid = auid; self.euid = euid; self.egid = egid; self.ruid = ruid; self.rgid = rgid
        self.pid = pid; self.sid = sid; self.port = port; self.address = address
    }
}

public struct ReturnToken: Hashable, Sendable {
    /// BSM error number (0 = success).
    public var status: UInt8
    /// Return value (32 bits for return32).
    public var value: UInt64
    public init(status: UInt8, value: UInt64) { self.status = status; self.value = value }
}

/// socket (0x2e): IPv4 only.
public struct SocketToken: Hashable, Sendable {
    public var type: UInt16
    public var localPort: UInt16
    public var localAddress: UInt32
    public var remotePort: UInt16
    public var remoteAddress: UInt32
    public init(type: UInt16, localPort: UInt16, localAddress: UInt32, remotePort: UInt16, remoteAddress: UInt32) {
        self.type = type; self.localPort = localPort; self.localAddress = localAddress
        self.remotePort = remotePort; self.remoteAddress = remoteAddress
    }
}

/// socket_ex (0x7f). Both addresses have the same type (`atype`).
public struct SocketEx: Hashable, Sendable {
    public var domain: UInt16
    public var type: UInt16
    public var localPort: UInt16
    public var localAddress: IPAddress
    public var remotePort: UInt16
    public var remoteAddress: IPAddress
    public init(domain: UInt16, type: UInt16, localPort: UInt16, localAddress: IPAddress, remotePort: UInt16,
                remoteAddress: IPAddress) {
        self.domain = domain; self.type = type; self.localPort = localPort; self.localAddress = localAddress
        self.remotePort = remotePort; self.remoteAddress = remoteAddress
    }
}

/// sockinet32 (0x80, `.v4`) / sockinet128 (0x81, `.v6`).
public struct SockInet: Hashable, Sendable {
    public var family: UInt16
    public var port: UInt16
    public var address: IPAddress
    public init(family: UInt16, port: UInt16, address: IPAddress) { self.family = family; self.port = port; self.address = address }
}

public struct SockUnix: Hashable, Sendable {
    public var family: UInt16
    /// The path bytes up to and including its NUL (at most 108 bytes).
    public var path: BSMBytes
    public init(family: UInt16, path: BSMBytes) { self.family = family; self.path = path }
}

/// upriv (0x39).
public struct UPriv: Hashable, Sendable {
    /// Success or failure flag (sorf).
    public var successOrFailure: UInt8
    public var privilege: BSMBytes
    public init(successOrFailure: UInt8, privilege: BSMBytes) { self.successOrFailure = successOrFailure; self.privilege = privilege }
}

/// priv (0x38, praudit's privset).
public struct PrivSet: Hashable, Sendable {
    public var setType: BSMBytes
    public var privileges: BSMBytes
    public init(setType: BSMBytes, privileges: BSMBytes) { self.setType = setType; self.privileges = privileges }
}

/// Apple's identity token (0xed).
public struct Identity: Hashable, Sendable {
    public var signerType: UInt32
    public var signingID: BSMBytes
    public var signingIDTruncated: UInt8
    public var teamID: BSMBytes
    public var teamIDTruncated: UInt8
    public var cdHash: BSMBytes
    public init(signerType: UInt32, signingID: BSMBytes, signingIDTruncated: UInt8, teamID: BSMBytes,
                teamIDTruncated: UInt8, cdHash: BSMBytes) {
        self.signerType = signerType; self.signingID = signingID; self.signingIDTruncated = signingIDTruncated
        self.teamID = teamID; self.teamIDTruncated = teamIDTruncated; self.cdHash = cdHash
    }
}
