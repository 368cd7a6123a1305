// The BSM token model: one case per token type OpenBSM's praudit knows, plus Apple's identity
// token and `unknown` for everything else. Field names follow OpenBSM (libbsm.h / bsm_io.c).
//
// Conventions (important for printers):
// - Every multi-byte number is the big-endian (network order) reading of the wire bytes,
//   including ports and addresses that OpenBSM keeps in network order (`ntohs(port)` here).
// - String fields (`BSMBytes`) are the exact bytes on the wire, including the terminating NUL
//   when the writer put one there (OpenBSM's length fields count it). praudit skips NUL bytes
//   when printing.
// - `BSMBytes` references the decoded buffer (no copy, no allocation per token).

/// A token id byte (the first byte of every token), with OpenBSM's constant names.
public struct TokenID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let invalid = TokenID(0x00)
    public static let otherFile32 = TokenID(0x11)  // AUT_OTHER_FILE32: the `file` token
    public static let oheader = TokenID(0x12)
    public static let trailer = TokenID(0x13)
    public static let header32 = TokenID(0x14)
    public static let header32Ex = TokenID(0x15)
    public static let data = TokenID(0x21)  // AUT_DATA (praudit: "arbitrary")
    public static let ipc = TokenID(0x22)
    public static let path = TokenID(0x23)
    public static let subject32 = TokenID(0x24)
    public static let xatpath = TokenID(0x25)
    public static let process32 = TokenID(0x26)
    public static let return32 = TokenID(0x27)
    public static let text = TokenID(0x28)
    public static let opaque = TokenID(0x29)
    public static let inAddr = TokenID(0x2a)
    public static let ip = TokenID(0x2b)
    public static let iport = TokenID(0x2c)
    public static let arg32 = TokenID(0x2d)
    public static let socket = TokenID(0x2e)
    public static let seq = TokenID(0x2f)
    public static let acl = TokenID(0x30)
    public static let attr = TokenID(0x31)  // AUT_ATTR (Solaris; same layout as attr32)
    public static let ipcPerm = TokenID(0x32)
    public static let label = TokenID(0x33)
    public static let groups = TokenID(0x34)
    public static let ace = TokenID(0x35)
    public static let priv = TokenID(0x38)  // AUT_PRIV: privilege set (privset)
    public static let upriv = TokenID(0x39)
    public static let liaison = TokenID(0x3a)
    public static let newgroups = TokenID(0x3b)
    public static let execArgs = TokenID(0x3c)
    public static let execEnv = TokenID(0x3d)
    public static let attr32 = TokenID(0x3e)
    public static let unauth = TokenID(0x3f)
    public static let cmd = TokenID(0x51)
    public static let exit = TokenID(0x52)
    public static let zonename = TokenID(0x60)
    public static let host = TokenID(0x70)
    public static let arg64 = TokenID(0x71)
    public static let return64 = TokenID(0x72)
    public static let attr64 = TokenID(0x73)
    public static let header64 = TokenID(0x74)
    public static let subject64 = TokenID(0x75)
    public static let process64 = TokenID(0x77)
    public static let otherFile64 = TokenID(0x78)
    public static let header64Ex = TokenID(0x79)
    public static let subject32Ex = TokenID(0x7a)
    public static let process32Ex = TokenID(0x7b)
    public static let subject64Ex = TokenID(0x7c)
    public static let process64Ex = TokenID(0x7d)
    public static let inAddrEx = TokenID(0x7e)
    public static let socketEx = TokenID(0x7f)
    public static let sockInet32 = TokenID(0x80)
    public static let sockInet128 = TokenID(0x81)
    public static let sockUnix = TokenID(0x82)
    public static let argUUID = TokenID(0x84)
    public static let retUUID = TokenID(0x85)
    public static let identity = TokenID(0xed)  // Apple
    public static let krb5Principal = TokenID(0xee)
    public static let certHash = TokenID(0xef)

    /// `true` for the four header token ids that start a record.
    @inlinable public var isHeader: Bool {
        rawValue == 0x14 || rawValue == 0x15 || rawValue == 0x74 || rawValue == 0x79
    }

    public var description: String {
        let hex = Array("0123456789abcdef".utf8)
        return "0x" + String(decoding: [hex[Int(rawValue >> 4)], hex[Int(rawValue & 0xf)]], as: UTF8.self)
    }
}

/// The trailer magic number (AUT_TRAILER_MAGIC).
public let bsmTrailerMagic: UInt16 = 0xb105

/// Address type values used by the `_ex` tokens (AU_IPv4 / AU_IPv6).
public enum AddressType {
    public static let ipv4: UInt32 = 4
    public static let ipv6: UInt32 = 16
}

/// An immutable byte string that shares its storage with the buffer it was decoded from.
/// Equality and hashing compare contents only.
public struct BSMBytes: Hashable, Sendable, RandomAccessCollection, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let storage: [UInt8]
    public let lowerBound: Int
    public let upperBound: Int

    @inlinable public init(_ bytes: [UInt8]) {
        storage = bytes
        lowerBound = 0
        upperBound = bytes.count
    }
    @inlinable public init<S: Sequence>(_ bytes: S) where S.Element == UInt8 { self.init(Array(bytes)) }
    @inlinable public init(_ string: String) { self.init(Array(string.utf8)) }
    @inlinable public init(stringLiteral value: String) { self.init(Array(value.utf8)) }
    /// A slice of `storage` (no copy). `range` must lie within `storage`.
    @inlinable public init(storage: [UInt8], range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= storage.count)
        self.storage = storage
        lowerBound = range.lowerBound
        upperBound = range.upperBound
    }
    @usableFromInline init(unchecked storage: [UInt8], _ lower: Int, _ upper: Int) {
        self.storage = storage
        lowerBound = lower
        upperBound = upper
    }

    public static let empty = BSMBytes([])

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { upperBound - lowerBound }
    @inlinable public var count: Int { upperBound - lowerBound }
    @inlinable public var isEmpty: Bool { upperBound == lowerBound }
    @inlinable public subscript(i: Int) -> UInt8 {
        precondition(i >= 0 && i < upperBound - lowerBound, "BSMBytes index out of range")
        return storage[lowerBound &+ i]
    }
    /// The range inside `storage`.
    @inlinable public var storageRange: Range<Int> { lowerBound..<upperBound }
    /// A copy as an array.
    @inlinable public var array: [UInt8] { Array(storage[lowerBound..<upperBound]) }
    /// The bytes with trailing NUL bytes removed (the string as the writer meant it).
    @inlinable public var trimmingTrailingNULs: BSMBytes {
        var u = upperBound
        while u > lowerBound && storage[u - 1] == 0 { u -= 1 }
        return BSMBytes(unchecked: storage, lowerBound, u)
    }
    /// Calls `body` with a pointer to the bytes (valid only inside `body`).
    @inlinable public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let r: Result<R, E> = storage.withUnsafeBytes { all in
            let p = UnsafeRawBufferPointer(rebasing: all[lowerBound..<upperBound])
            do throws(E) { return .success(try body(p)) } catch { return .failure(error) }
        }
        return try r.get()
    }

    @inlinable public static func == (a: BSMBytes, b: BSMBytes) -> Bool {
        a.count == b.count && a.storage[a.lowerBound..<a.upperBound].elementsEqual(b.storage[b.lowerBound..<b.upperBound])
    }
    @inlinable public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for i in lowerBound..<upperBound { hasher.combine(storage[i]) }
    }
    /// Lossy UTF-8 text without NUL bytes, for messages and tests.
    public var description: String { String(decoding: self.filter { $0 != 0 }, as: UTF8.self) }
}

/// An IP address as carried by BSM tokens. IPv4 `a.b.c.d` is `a<<24 | b<<16 | c<<8 | d`;
/// IPv6 is its 16 bytes read as two big-endian 64-bit halves.
public enum IPAddress: Hashable, Sendable {
    case v4(UInt32)
    case v6(UInt64, UInt64)
    /// An `_ex` address type other than AU_IPv4/AU_IPv6; no address bytes follow it
    /// (only header32_ex/header64_ex accept this, as praudit does).
    case other(type: UInt32)

    /// The AU_IPv4 (4) / AU_IPv6 (16) type word written before the address in `_ex` tokens.
    @inlinable public var type: UInt32 {
        switch self {
        case .v4: return AddressType.ipv4
        case .v6: return AddressType.ipv6
        case .other(let t): return t
        }
    }
    /// The 16 (IPv6), 4 (IPv4) or 0 address bytes in wire order.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): return [UInt8(a >> 24), UInt8((a >> 16) & 0xff), UInt8((a >> 8) & 0xff), UInt8(a & 0xff)]
        case .v6(let h, let l): return (0..<8).map { UInt8((h >> (56 - 8 * $0)) & 0xff) } + (0..<8).map { UInt8((l >> (56 - 8 * $0)) & 0xff) }
        case .other: return []
        }
    }
}

/// A 16-byte UUID in wire (big-endian) order.
public struct BSMUUID: Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64
    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }
    public var bytes: [UInt8] { IPAddress.v6(high, low).bytes }
}

// MARK: - Token

public enum Token: Hashable, Sendable {
    case header32(Header)
    case header32Ex(Header)
    case header64(Header)
    case header64Ex(Header)
    case trailer(Trailer)
    /// AUT_OTHER_FILE32 (0x11).
    case file(FileToken)
    case arg32(Arg)
    case arg64(Arg)
    case data(DataToken)
    /// AUT_ATTR (0x31), attr32 layout.
    case attr(Attr)
    case attr32(Attr)
    case attr64(Attr)
    case exit(ExitToken)
    case execArgs(ExecStrings)
    case execEnv(ExecStrings)
    case newgroups(GroupList)
    /// in_addr: IPv4 address.
    case inAddr(UInt32)
    case inAddrEx(IPAddress)
    case ip(IPHeaderToken)
    case ipc(IPCToken)
    case ipcPerm(IPCPerm)
    /// iport: port number.
    case iport(UInt16)
    case opaque(BSMBytes)
    case path(BSMBytes)
    case process32(Subject)
    case process64(Subject)
    case process32Ex(Subject)
    case process64Ex(Subject)
    case return32(ReturnToken)
    case return64(ReturnToken)
    case seq(UInt32)
    case socket(SocketToken)
    case socketEx(SocketEx)
    case sockInet32(SockInet)
    case sockInet128(SockInet)
    case sockUnix(SockUnix)
    case subject32(Subject)
    case subject64(Subject)
    case subject32Ex(Subject)
    case subject64Ex(Subject)
    case text(BSMBytes)
    case zonename(BSMBytes)
    case upriv(UPriv)
    /// AUT_PRIV (0x38): praudit's privset.
    case priv(PrivSet)
    case argUUID(UUIDToken)
    case retUUID(UUIDToken)
    /// AUT_XATPATH (0x25): u16 length + string, like path.
    case xatpath(BSMBytes)
    case identity(Identity)
    /// A token id this decoder does not parse: `bytes` is everything after the id byte up to the
    /// record's trailer (what praudit prints as `unknown,0x…`).
    case unknown(id: UInt8, bytes: BSMBytes)

    /// The token id byte this token is encoded with.
    @inlinable public var id: TokenID {
        switch self {
        case .header32: return .header32
        case .header32Ex: return .header32Ex
        case .header64: return .header64
        case .header64Ex: return .header64Ex
        case .trailer: return .trailer
        case .file: return .otherFile32
        case .arg32: return .arg32
        case .arg64: return .arg64
        case .data: return .data
        case .attr: return .attr
        case .attr32: return .attr32
        case .attr64: return .attr64
        case .exit: return .exit
        case .execArgs: return .execArgs
        case .execEnv: return .execEnv
        case .newgroups: return .newgroups
        case .inAddr: return .inAddr
        case .inAddrEx: return .inAddrEx
        case .ip: return .ip
        case .ipc: return .ipc
        case .ipcPerm: return .ipcPerm
        case .iport: return .iport
        case .opaque: return .opaque
        case .path: return .path
        case .process32: return .process32
        case .process64: return .process64
        case .process32Ex: return .process32Ex
        case .process64Ex: return .process64Ex
        case .return32: return .return32
        case .return64: return .return64
        case .seq: return .seq
        case .socket: return .socket
        case .socketEx: return .socketEx
        case .sockInet32: return .sockInet32
        case .sockInet128: return .sockInet128
        case .sockUnix: return .sockUnix
        case .subject32: return .subject32
        case .subject64: return .subject64
        case .subject32Ex: return .subject32Ex
        case .subject64Ex: return .subject64Ex
        case .text: return .text
        case .zonename: return .zonename
        case .upriv: return .upriv
        case .priv: return .priv
        case .argUUID: return .argUUID
        case .retUUID: return .retUUID
        case .xatpath: return .xatpath
        case .identity: return .identity
        case .unknown(let id, _): return TokenID(id)
        }
    }

    /// The header payload when this is one of the four header tokens.
    @inlinable public var header: Header? {
        switch self {
        case .header32(let h), .header32Ex(let h), .header64(let h), .header64Ex(let h): return h
        default: return nil
        }
    }
}
