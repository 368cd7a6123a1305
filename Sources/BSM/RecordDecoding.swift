// Records: their framing constants, token decoding of a whole record, and iteration over its tokens.

/// The smallest possible record: header32 (18 bytes) + trailer (7 bytes).
public let bsmMinimumRecordSize = 25
/// Size of the trailer token.
public let bsmTrailerSize = 7

extension Record {
    /// Decodes every token of the record into `tokens` (cleared first; its capacity is reused so
    /// that a caller decoding many records allocates nothing per record).
    /// A `.record` must start with a header and end with exactly its trailer; every other token
    /// is decoded within the bytes before the trailer.
    public func decodeTokens(into tokens: inout [Token]) throws(DecodeError) {
        tokens.removeAll(keepingCapacity: true)
        let storage = bytes.storage
        let lo = bytes.lowerBound, hi = bytes.upperBound
        let base = offset - lo
        let kind = self.kind
        let failure: DecodeError? = storage.withUnsafeBytes { p -> DecodeError? in
            do throws(DecodeError) {
                if kind == .file {
                    var r = ByteReader(p: p, storage: storage, pos: lo, limit: hi, base: base)
                    let t = try Token.decode(&r)
                    tokens.append(t)
                    if r.pos != hi { return DecodeError(offset: base + r.pos, reason: .badFileToken) }
                    return nil
                }
                guard hi - lo >= bsmTrailerSize + 1, p[lo] == 0x14 || p[lo] == 0x15 || p[lo] == 0x74 || p[lo] == 0x79 else {
                    return DecodeError(offset: offset, reason: .missingHeader(id: hi > lo ? p[lo] : 0))
                }
                let trailerStart = hi - bsmTrailerSize
                var r = ByteReader(p: p, storage: storage, pos: lo, limit: trailerStart, base: base)
                while r.pos < trailerStart {
                    tokens.append(try Token.decode(&r))
                }
                // The trailer itself.
                var tr = ByteReader(p: p, storage: storage, pos: trailerStart, limit: hi, base: base)
                let t = try Token.decode(&tr)
                guard case .trailer(let trailer) = t else {
                    return DecodeError(offset: base + trailerStart, reason: .missingTrailer(size: UInt32(hi - lo)))
                }
                if trailer.magic != bsmTrailerMagic {
                    return DecodeError(offset: base + trailerStart, reason: .badTrailerMagic(trailer.magic))
                }
                tokens.append(t)
                return nil
            } catch { return error }
        }
        if let failure { throw failure }
    }

    /// Calls `body` with each token of the record in order, without building an array (the
    /// fastest way to consume a record). Decoding stops at the first error, which is thrown
    /// after `body` has seen the tokens before it — a printer that must not emit a partial
    /// record should buffer its output per record.
    public func forEachToken(_ body: (Token) -> Void) throws(DecodeError) {
        let storage = bytes.storage
        let lo = bytes.lowerBound, hi = bytes.upperBound
        let base = offset &- lo
        let kind = self.kind
        let offset = self.offset
        let failure: DecodeError? = storage.withUnsafeBytes { p -> DecodeError? in
            do throws(DecodeError) {
                if kind == .file {
                    var r = ByteReader(p: p, storage: storage, pos: lo, limit: hi, base: base)
                    let t = try Token.decode(&r)
                    if r.pos != hi { return DecodeError(offset: base + r.pos, reason: .badFileToken) }
                    body(t)
                    return nil
                }
                guard hi - lo >= bsmTrailerSize + 1, p[lo] == 0x14 || p[lo] == 0x15 || p[lo] == 0x74 || p[lo] == 0x79 else {
                    return DecodeError(offset: offset, reason: .missingHeader(id: hi > lo ? p[lo] : 0))
                }
                let trailerStart = hi &- bsmTrailerSize
                var r = ByteReader(p: p, storage: storage, pos: lo, limit: trailerStart, base: base)
                while r.pos < trailerStart {
                    body(try Token.decode(&r))
                }
                // The trailer itself.
                guard p[trailerStart] == 0x13 else {
                    return DecodeError(offset: base + trailerStart, reason: .missingTrailer(size: UInt32(hi - lo)))
                }
                var tr = ByteReader(p: p, storage: storage, pos: trailerStart, limit: hi, base: base)
                let t = try Token.decode(&tr)
                if case .trailer(let trailer) = t, trailer.magic != bsmTrailerMagic {
                    return DecodeError(offset: base + trailerStart, reason: .badTrailerMagic(trailer.magic))
                }
                body(t)
                return nil
            } catch { return error }
        }
        if let failure { throw failure }
    }

    /// All tokens of the record (header … trailer, or the single file token).
    public func tokens() throws(DecodeError) -> [Token] {
        var t: [Token] = []
        try decodeTokens(into: &t)
        return t
    }

    /// The record's header (decodes only the first token).
    public func header() throws(DecodeError) -> Header? {
        if kind == .file { return nil }
        let (t, _) = try Token.decode(bytes.storage, at: bytes.lowerBound, limit: bytes.upperBound,
                                      streamOffset: offset - bytes.lowerBound)
        return t.header
    }

    /// Streaming token access without building an array.
    public func makeTokenIterator() -> TokenIterator { TokenIterator(record: self) }
}

/// Yields a record's tokens one by one (`while let t = try it.next()`).
/// For a `.record`, tokens before the trailer are bounded by the trailer's start.
public struct TokenIterator {
    let storage: [UInt8]
    var pos: Int
    let trailerStart: Int
    let end: Int
    let base: Int

    init(record: Record) {
        storage = record.bytes.storage
        pos = record.bytes.lowerBound
        end = record.bytes.upperBound
        trailerStart = record.kind == .file ? end : max(pos, end - bsmTrailerSize)
        base = record.offset - record.bytes.lowerBound
    }

    /// Absolute stream offset of the next token.
    public var offset: Int { base + pos }
    /// The id byte of the next token, or nil at the end.
    public var nextID: UInt8? { pos < end ? storage[pos] : nil }

    public mutating func next() throws(DecodeError) -> Token? {
        if pos >= end { return nil }
        let limit = pos < trailerStart ? trailerStart : end
        let storage = self.storage
        var next = pos
        var failure: DecodeError? = nil
        let start = pos, base = self.base
        let token: Token? = storage.withUnsafeBytes { p in
            var r = ByteReader(p: p, storage: storage, pos: start, limit: limit, base: base)
            do throws(DecodeError) {
                let t = try Token.decode(&r)
                next = r.pos
                return t
            } catch {
                failure = error
                return nil
            }
        }
        if let failure { throw failure }
        pos = next
        return token
    }

    /// Takes the next token as `.unknown(id, bytes up to the trailer)` whatever its id (how
    /// praudit treats ids it has no decoder for). Nil at the trailer or the end.
    public mutating func nextAsUnknown() -> Token? {
        guard pos < trailerStart, pos < end else { return nil }
        let t = Token.unknown(id: storage[pos], bytes: BSMBytes(unchecked: storage, pos + 1, trailerStart))
        pos = trailerStart
        return t
    }
}
