// Problems inside records whose framing is intact: tokens that decode (praudit prints them, and so
// does `print`, byte for byte) but cannot be what a kernel wrote. `print` reports them on standard
// error; `watch` skips such a record and says so.
//
//   an id no decoder knows           praudit: `unknown,0x…` up to the trailer
//   data token, how-to-print > 4     praudit: the type name and nothing else
//   header_ex, address type not 4/16 praudit: `invalid`, then the rest read out of step
//   exec_args/exec_env whose count is larger than its strings: the strings run into the next
//   tokens, which then no longer decode (the unknown token right after it is the sign)

/// Follows the tokens of one record in order and keeps the first problem found.
public struct RecordChecker {
    public private(set) var problem: DecodeError?
    /// The exec_args/exec_env token just seen (its offset, id and count), if the last token was one.
    private var exec: (offset: Int, id: TokenID, count: UInt32)?

    public init() {}

    /// Notes the token that starts at absolute offset `offset`.
    @inline(__always)
    public mutating func note(_ token: Token, at offset: Int) {
        guard problem == nil else { return }
        switch token {
        case .unknown(let id, _):
            if let e = exec {
                problem = DecodeError(offset: e.offset, reason: .execStringsOverrun(id: e.id, count: e.count))
            } else {
                problem = DecodeError(offset: offset, reason: .unknownTokenID(id))
            }
        case .data(let d) where d.howToPrint > 4:
            problem = DecodeError(offset: offset, reason: .badDataFormat(d.howToPrint))
        case .header32Ex(let h), .header64Ex(let h):
            if case .other(let type) = h.address {
                // The type sits after id, byte count, version, event type and modifier.
                problem = DecodeError(offset: offset + 10, reason: .badAddressType(id: token.id, type: type))
            }
        case .execArgs(let s), .execEnv(let s):
            exec = (offset, token.id, s.count)
            return
        default:
            break
        }
        exec = nil
    }

    /// A token printed without being decoded (the printer's fast path: never one of the above).
    @inline(__always)
    public mutating func noteOrdinary() { exec = nil }
}

extension Record {
    /// The first problem of a record whose tokens all decoded (see RecordChecker), or nil. Cheap
    /// when there is none: `tokens` (this record's, from `decodeTokens`) are looked at first, and
    /// only a record with a suspect token is walked again for the offsets.
    public func innerProblem(tokens: [Token]) -> DecodeError? {
        let suspect = tokens.contains { t in
            switch t {
            case .unknown: return true
            case .data(let d): return d.howToPrint > 4
            case .header32Ex(let h), .header64Ex(let h): if case .other = h.address { return true } else { return false }
            default: return false
            }
        }
        guard suspect, kind == .record else { return nil }
        // Walk the record again as decodeTokens did, now with each token's offset.
        let storage = bytes.storage
        let lo = bytes.lowerBound, hi = bytes.upperBound
        let base = offset - lo
        return storage.withUnsafeBytes { p -> DecodeError? in
            var checker = RecordChecker()
            var r = ByteReader(p: p, storage: storage, pos: lo, limit: hi - bsmTrailerSize, base: base)
            while r.pos < r.limit {
                let start = r.pos
                guard let t = try? Token.decode(&r) else { break }
                checker.note(t, at: base + start)
                if checker.problem != nil { break }
            }
            return checker.problem
        }
    }
}
