// Typed decoding/framing errors. Every error names the absolute byte offset in the input stream.

public struct DecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Absolute byte offset in the input where the problem was found.
    public var offset: Int
    public var reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public enum Reason: Hashable, Sendable {
        /// A token needs `needed` bytes but only `available` are left in its record (or stream).
        case truncatedToken(id: TokenID, needed: Int, available: Int)
        /// The stream ended inside a record: `needed` bytes announced, `available` present.
        case truncatedRecord(needed: Int, available: Int)
        /// A byte that starts neither a header nor a file token where a record must start.
        case unknownRecordStart(id: UInt8)
        /// Token id no decoder knows, where decoding cannot continue.
        case unknownTokenID(UInt8)
        /// The header's byte count is smaller than a minimal record.
        case recordTooSmall(size: UInt32)
        /// The header's byte count exceeds the reader's cap.
        case recordTooLarge(size: UInt32, limit: Int)
        /// The byte count does not end on a trailer token.
        case missingTrailer(size: UInt32)
        case badTrailerMagic(UInt16)
        /// Header byte count and trailer byte count disagree.
        case byteCountMismatch(header: UInt32, trailer: UInt32)
        /// An `_ex` token's address type is neither AU_IPv4 (4) nor AU_IPv6 (16).
        case badAddressType(id: TokenID, type: UInt32)
        /// A data token's basic-unit byte is not 0...3.
        case badDataUnit(UInt8)
        /// The tokens of a record did not end exactly at its trailer.
        case tokensOverrunTrailer
        /// A record is missing its header token (decoding a record that does not start with one).
        case missingHeader(id: UInt8)
        /// A `file` token that is not plausible (length or name).
        case badFileToken
        /// The byte count runs past the start of a complete valid record at `nextOffset`.
        case overlapsNextRecord(nextOffset: Int)
        /// Bytes skipped while resynchronizing after damage.
        case skippedBytes(count: Int)
        /// A data token's how-to-print byte is not 0...4 (binary, octal, decimal, hex, string).
        case badDataFormat(UInt8)
        /// An exec_args/exec_env token announces more strings than it holds: its count ran into
        /// the tokens after it.
        case execStringsOverrun(id: TokenID, count: UInt32)
        /// A damaged region goes on: no valid record in these bytes either (reported in parts
        /// so that endless garbage is said while it is read).
        case stillDamaged
    }

    public var description: String {
        "offset \(offset): " + reasonText
    }

    public var reasonText: String {
        switch reason {
        case .truncatedToken(let id, let needed, let available):
            return "truncated \(Self.tokenName(id)) token (id \(id)): needs \(needed) bytes, \(available) left"
        case .truncatedRecord(let needed, let available):
            return "truncated record: header announces \(needed) bytes, only \(available) present"
        case .unknownRecordStart(let id):
            return "garbage where a record should start (byte 0x\(hex(id)) is not a header or file token)"
        case .unknownTokenID(let id):
            return "unknown token id 0x\(hex(id))"
        case .recordTooSmall(let size):
            return "record byte count \(size) is too small for a header and a trailer"
        case .recordTooLarge(let size, let limit):
            return "record byte count \(size) exceeds the limit of \(limit) bytes"
        case .missingTrailer(let size):
            return "record byte count \(size) does not end on a trailer token"
        case .badTrailerMagic(let m):
            return "bad trailer magic 0x\(hex(UInt8(m >> 8)))\(hex(UInt8(m & 0xff))) (expected 0xb105)"
        case .byteCountMismatch(let h, let t):
            return "byte count mismatch: header says \(h), trailer says \(t)"
        case .badAddressType(let id, let type):
            return "\(Self.tokenName(id)) token has address type \(type) (expected 4 or 16)"
        case .badDataUnit(let u):
            return "data token has unknown unit type \(u)"
        case .tokensOverrunTrailer:
            return "tokens do not end at the record's trailer"
        case .missingHeader(let id):
            return "record does not start with a header token (id 0x\(hex(id)))"
        case .badFileToken:
            return "implausible file token"
        case .overlapsNextRecord(let next):
            return "record byte count runs past the valid record at offset \(next)"
        case .skippedBytes(let n):
            return "skipped \(n) damaged byte\(n == 1 ? "" : "s") to resynchronize"
        case .badDataFormat(let f):
            return "data token has unknown format \(f) (expected 0 to 4)"
        case .execStringsOverrun(let id, let count):
            return "\(Self.tokenName(id)) token announces \(count) strings but holds fewer (its count runs into the tokens after it)"
        case .stillDamaged:
            return "still no valid record (the damage goes on)"
        }
    }

    static func tokenName(_ id: TokenID) -> String {
        switch id {
        case .header32: return "header32"
        case .header32Ex: return "header32_ex"
        case .header64: return "header64"
        case .header64Ex: return "header64_ex"
        case .trailer: return "trailer"
        case .otherFile32: return "file"
        case .arg32: return "arg32"
        case .arg64: return "arg64"
        case .data: return "data"
        case .attr: return "attr"
        case .attr32: return "attr32"
        case .attr64: return "attr64"
        case .exit: return "exit"
        case .execArgs: return "exec_args"
        case .execEnv: return "exec_env"
        case .newgroups: return "newgroups"
        case .inAddr: return "in_addr"
        case .inAddrEx: return "in_addr_ex"
        case .ip: return "ip"
        case .ipc: return "ipc"
        case .ipcPerm: return "ipc_perm"
        case .iport: return "iport"
        case .opaque: return "opaque"
        case .path: return "path"
        case .process32: return "process32"
        case .process64: return "process64"
        case .process32Ex: return "process32_ex"
        case .process64Ex: return "process64_ex"
        case .return32: return "return32"
        case .return64: return "return64"
        case .seq: return "seq"
        case .socket: return "socket"
        case .socketEx: return "socket_ex"
        case .sockInet32: return "sockinet32"
        case .sockInet128: return "sockinet128"
        case .sockUnix: return "sockunix"
        case .subject32: return "subject32"
        case .subject64: return "subject64"
        case .subject32Ex: return "subject32_ex"
        case .subject64Ex: return "subject64_ex"
        case .text: return "text"
        case .zonename: return "zonename"
        case .upriv: return "upriv"
        case .priv: return "privset"
        case .argUUID: return "arg_uuid"
        case .retUUID: return "ret_uuid"
        case .xatpath: return "xatpath"
        case .identity: return "identity"
        default: return "unknown"
        }
    }
}

@inline(__always) func hex(_ b: UInt8) -> String {
    let d = Array("0123456789abcdef".utf8)
    return String(decoding: [d[Int(b >> 4)], d[Int(b & 0xf)]], as: UTF8.self)
}
