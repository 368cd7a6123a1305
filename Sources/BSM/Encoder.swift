// Token encoder and record builder. Every number is written big-endian. The byte layout (after
// the 1-byte token id) is in the comment above each token's encoder; it mirrors the decoder.
// Length fields are derived from the payload (a `BSMBytes` longer than 65535 bytes is cut to
// 65535, since the wire length is 16 bits).

extension Array where Element == UInt8 {
    @inlinable @inline(__always) mutating func put8(_ v: UInt8) { append(v) }
    @inlinable @inline(__always) mutating func put16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8)); append(UInt8(truncatingIfNeeded: v))
    }
    @inlinable @inline(__always) mutating func put32(_ v: UInt32) {
        append(UInt8(truncatingIfNeeded: v >> 24)); append(UInt8(truncatingIfNeeded: v >> 16))
        append(UInt8(truncatingIfNeeded: v >> 8)); append(UInt8(truncatingIfNeeded: v))
    }
    @inlinable @inline(__always) mutating func put64(_ v: UInt64) {
        put32(UInt32(truncatingIfNeeded: v >> 32)); put32(UInt32(truncatingIfNeeded: v))
    }
    @inlinable mutating func putBytes(_ b: BSMBytes) {
        append(contentsOf: b.storage[b.lowerBound..<b.upperBound])
    }
    @inlinable mutating func putBytes(_ b: BSMBytes, max: Int) {
        append(contentsOf: b.storage[b.lowerBound..<(b.lowerBound + Swift.min(b.count, max))])
    }
    /// u16 length + bytes.
    @inlinable mutating func putCounted16(_ b: BSMBytes) {
        let n = Swift.min(b.count, 0xffff)
        put16(UInt16(n))
        putBytes(b, max: n)
    }
    /// The address bytes only (4, 16 or none).
    @inlinable mutating func putAddress(_ a: IPAddress) {
        switch a {
        case .v4(let v): put32(v)
        case .v6(let h, let l): put64(h); put64(l)
        case .other: break
        }
    }
}

extension Token {
    /// Appends the token's wire bytes (id byte first) to `out`.
    public func encode(into out: inout [UInt8]) {
        out.put8(id.rawValue)
        switch self {
        // header32: size u32, version u8, e_type u16, e_mod u16, seconds u32, msec u32
        case .header32(let h):
            out.put32(h.size); out.put8(h.version); out.put16(h.eventType); out.put16(h.eventModifier)
            out.put32(UInt32(truncatingIfNeeded: h.seconds)); out.put32(UInt32(truncatingIfNeeded: h.milliseconds))
        // header32_ex: size u32, version u8, e_type u16, e_mod u16, ad_type u32, address 4/16/0 bytes,
        //              seconds u32, msec u32
        case .header32Ex(let h):
            let a = h.address ?? .v4(0)
            out.put32(h.size); out.put8(h.version); out.put16(h.eventType); out.put16(h.eventModifier)
            out.put32(a.type); out.putAddress(a)
            out.put32(UInt32(truncatingIfNeeded: h.seconds)); out.put32(UInt32(truncatingIfNeeded: h.milliseconds))
        // header64: size u32, version u8, e_type u16, e_mod u16, seconds u64, msec u64
        case .header64(let h):
            out.put32(h.size); out.put8(h.version); out.put16(h.eventType); out.put16(h.eventModifier)
            out.put64(h.seconds); out.put64(h.milliseconds)
        // header64_ex: size u32, version u8, e_type u16, e_mod u16, ad_type u32, address 4/16/0 bytes,
        //              seconds u64, msec u64
        case .header64Ex(let h):
            let a = h.address ?? .v4(0)
            out.put32(h.size); out.put8(h.version); out.put16(h.eventType); out.put16(h.eventModifier)
            out.put32(a.type); out.putAddress(a)
            out.put64(h.seconds); out.put64(h.milliseconds)
        // trailer: magic u16, count u32
        case .trailer(let t):
            out.put16(t.magic); out.put32(t.count)
        // file: seconds u32, msec u32, name length u16, name bytes
        case .file(let f):
            out.put32(f.seconds); out.put32(f.milliseconds); out.putCounted16(f.name)
        // arg32: number u8, value u32, text length u16, text
        case .arg32(let a):
            out.put8(a.number); out.put32(UInt32(truncatingIfNeeded: a.value)); out.putCounted16(a.text)
        // arg64: number u8, value u64, text length u16, text
        case .arg64(let a):
            out.put8(a.number); out.put64(a.value); out.putCounted16(a.text)
        // data: how-to-print u8, basic unit u8, unit count u8, unit count × unit size bytes
        case .data(let d):
            out.put8(d.howToPrint); out.put8(d.basicUnit); out.put8(d.unitCount)
            out.putBytes(d.bytes, max: (DataToken.unitSize(d.basicUnit) ?? 0) * Int(d.unitCount))
        // attr / attr32: mode u32, uid u32, gid u32, fsid u32, nodeid u64, device u32
        case .attr(let a), .attr32(let a):
            out.put32(a.mode); out.put32(a.uid); out.put32(a.gid); out.put32(a.fsid); out.put64(a.nodeid)
            out.put32(UInt32(truncatingIfNeeded: a.device))
        // attr64: mode u32, uid u32, gid u32, fsid u32, nodeid u64, device u64
        case .attr64(let a):
            out.put32(a.mode); out.put32(a.uid); out.put32(a.gid); out.put32(a.fsid); out.put64(a.nodeid)
            out.put64(a.device)
        // exit: status u32, return value u32
        case .exit(let e):
            out.put32(e.status); out.put32(e.ret)
        // exec_args / exec_env: count u32, count NUL-terminated strings
        case .execArgs(let s), .execEnv(let s):
            out.put32(s.count); out.putBytes(s.raw)
        // newgroups: count u16, count × gid u32
        case .newgroups(let g):
            let n = Swift.min(g.count, 0xffff)
            out.put16(UInt16(n)); out.putBytes(g.raw, max: 4 * n)
        // in_addr: IPv4 address 4 bytes
        case .inAddr(let a):
            out.put32(a)
        // in_addr_ex: type u32, address 4/16 bytes
        case .inAddrEx(let a):
            out.put32(a.type); out.putAddress(a)
        // ip: version u8, tos u8, length u16, id u16, offset u16, ttl u8, protocol u8, checksum u16,
        //     source 4 bytes, destination 4 bytes
        case .ip(let ip):
            out.put8(ip.version); out.put8(ip.tos); out.put16(ip.length); out.put16(ip.id); out.put16(ip.offset)
            out.put8(ip.ttl); out.put8(ip.prot); out.put16(ip.checksum); out.put32(ip.source); out.put32(ip.destination)
        // ipc: type u8, id u32
        case .ipc(let i):
            out.put8(i.type); out.put32(i.id)
        // ipc_perm: uid, gid, creator uid, creator gid, mode, seq, key (u32 each)
        case .ipcPerm(let p):
            out.put32(p.uid); out.put32(p.gid); out.put32(p.puid); out.put32(p.pgid); out.put32(p.mode)
            out.put32(p.seq); out.put32(p.key)
        // iport: port u16
        case .iport(let p):
            out.put16(p)
        // opaque / path / xatpath / text / zonename: length u16, bytes
        case .opaque(let b), .path(let b), .xatpath(let b), .text(let b), .zonename(let b):
            out.putCounted16(b)
        // process32 / subject32: auid, euid, egid, ruid, rgid, pid, sid u32, port u32, address 4 bytes
        // process64 / subject64: the same with port u64
        case .process32(let s), .subject32(let s), .process64(let s), .subject64(let s):
            out.put32(s.auid); out.put32(s.euid); out.put32(s.egid); out.put32(s.ruid); out.put32(s.rgid)
            out.put32(s.pid); out.put32(s.sid)
            if case .process64 = self { out.put64(s.port) } else if case .subject64 = self { out.put64(s.port) } else {
                out.put32(UInt32(truncatingIfNeeded: s.port))
            }
            if case .v4(let a) = s.address { out.put32(a) } else { out.put32(0) }
        // process32_ex / subject32_ex: auid, euid, egid, ruid, rgid, pid, sid u32, port u32,
        //     address type u32, address 4/16 bytes
        // process64_ex / subject64_ex: the same with port u64
        case .process32Ex(let s), .subject32Ex(let s), .process64Ex(let s), .subject64Ex(let s):
            out.put32(s.auid); out.put32(s.euid); out.put32(s.egid); out.put32(s.ruid); out.put32(s.rgid)
            out.put32(s.pid); out.put32(s.sid)
            if case .process64Ex = self { out.put64(s.port) } else if case .subject64Ex = self { out.put64(s.port) } else {
                out.put32(UInt32(truncatingIfNeeded: s.port))
            }
            out.put32(s.address.type); out.putAddress(s.address)
        // return32: status u8, value u32
        case .return32(let r):
            out.put8(r.status); out.put32(UInt32(truncatingIfNeeded: r.value))
        // return64: status u8, value u64
        case .return64(let r):
            out.put8(r.status); out.put64(r.value)
        // seq: number u32
        case .seq(let n):
            out.put32(n)
        // socket: type u16, local port u16, local address 4 bytes, remote port u16, remote address 4 bytes
        case .socket(let s):
            out.put16(s.type); out.put16(s.localPort); out.put32(s.localAddress); out.put16(s.remotePort)
            out.put32(s.remoteAddress)
        // socket_ex: domain u16, type u16, address type u16, local port u16, local address 4/16 bytes,
        //     remote port u16, remote address 4/16 bytes
        case .socketEx(let s):
            out.put16(s.domain); out.put16(s.type); out.put16(UInt16(truncatingIfNeeded: s.localAddress.type))
            out.put16(s.localPort); out.putAddress(s.localAddress)
            out.put16(s.remotePort); out.putAddress(s.remoteAddress)
        // sockinet32: family u16, port u16, address 4 bytes
        // sockinet128: family u16, port u16, address 16 bytes
        case .sockInet32(let s), .sockInet128(let s):
            out.put16(s.family); out.put16(s.port); out.putAddress(s.address)
        // sockunix: family u16, path bytes (including its NUL)
        case .sockUnix(let s):
            out.put16(s.family); out.putBytes(s.path, max: 108)
        // upriv: success/failure u8, length u16, privilege bytes
        case .upriv(let u):
            out.put8(u.successOrFailure); out.putCounted16(u.privilege)
        // priv (privset): type length u16, type bytes, privileges length u16, privileges bytes
        case .priv(let p):
            out.putCounted16(p.setType); out.putCounted16(p.privileges)
        // arg_uuid / ret_uuid: number u8, uuid 16 bytes, text length u16, text
        case .argUUID(let u), .retUUID(let u):
            out.put8(u.number); out.put64(u.uuid.high); out.put64(u.uuid.low); out.putCounted16(u.text)
        // identity: signer type u32, signing-id length u16 + bytes, truncated u8, team-id length u16 +
        //     bytes, truncated u8, cdhash length u16 + bytes
        case .identity(let i):
            out.put32(i.signerType); out.putCounted16(i.signingID); out.put8(i.signingIDTruncated)
            out.putCounted16(i.teamID); out.put8(i.teamIDTruncated); out.putCounted16(i.cdHash)
        // unknown: the raw payload
        case .unknown(_, let b):
            out.putBytes(b)
        }
    }

    /// The token's wire bytes.
    public var encoded: [UInt8] {
        var o: [UInt8] = []
        encode(into: &o)
        return o
    }
}

/// Which header token a record starts with.
public enum HeaderKind: Sendable, Hashable, CaseIterable {
    case header32, header32Ex, header64, header64Ex

    public var tokenID: TokenID {
        switch self {
        case .header32: return .header32
        case .header32Ex: return .header32Ex
        case .header64: return .header64
        case .header64Ex: return .header64Ex
        }
    }

    func token(_ h: Header) -> Token {
        switch self {
        case .header32: return .header32(h)
        case .header32Ex: return .header32Ex(h)
        case .header64: return .header64(h)
        case .header64Ex: return .header64Ex(h)
        }
    }
}

/// Builds a complete record: header (with the correct byte count) + body tokens + trailer.
public struct RecordBuilder: Sendable {
    public var kind: HeaderKind
    /// The header; its `size` is computed when encoding.
    public var header: Header
    /// Body tokens (without header and trailer).
    public var tokens: [Token]

    public init(kind: HeaderKind = .header32, header: Header, tokens: [Token] = []) {
        self.kind = kind
        self.header = header
        self.tokens = tokens
    }

    public init(kind: HeaderKind = .header32, event: UInt16, modifier: UInt16 = 0, seconds: UInt64, milliseconds: UInt64 = 0,
                version: UInt8 = 11, address: IPAddress? = nil, tokens: [Token] = []) {
        let addr: IPAddress? = (kind == .header32Ex || kind == .header64Ex) ? (address ?? .v4(0)) : nil
        self.init(kind: kind, header: Header(size: 0, version: version, eventType: event, eventModifier: modifier,
                                             address: addr, seconds: seconds, milliseconds: milliseconds),
                  tokens: tokens)
    }

    public mutating func append(_ token: Token) { tokens.append(token) }

    /// Appends the record's bytes to `out`.
    public func encode(into out: inout [UInt8]) {
        let start = out.count
        var h = header
        h.size = 0
        kind.token(h).encode(into: &out)
        for t in tokens { t.encode(into: &out) }
        let size = UInt32(truncatingIfNeeded: out.count - start + bsmTrailerSize)
        Token.trailer(Trailer(count: size)).encode(into: &out)
        // Patch the header's byte count (right after the id byte).
        out[start + 1] = UInt8(truncatingIfNeeded: size >> 24)
        out[start + 2] = UInt8(truncatingIfNeeded: size >> 16)
        out[start + 3] = UInt8(truncatingIfNeeded: size >> 8)
        out[start + 4] = UInt8(truncatingIfNeeded: size)
    }

    /// The record's bytes.
    public var bytes: [UInt8] {
        var o: [UInt8] = []
        encode(into: &o)
        return o
    }

    /// The tokens the record decodes to (header with its byte count, body, trailer).
    public var expectedTokens: [Token] {
        let n = UInt32(bytes.count)
        var h = header
        h.size = n
        return [kind.token(h)] + tokens + [.trailer(Trailer(count: n))]
    }
}
