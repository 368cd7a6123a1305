// Printing framed records (praudit.c's print_tokens loop over au_fetch_tok/au_print_flags_tok),
// and a whole-stream driver that frames input chunks, prints every valid record and collects
// every damaged region.

extension PrauditPrinter {
    /// Prints one framed record (header … trailer, or a stand-alone file token) with praudit's
    /// separators. Tokens are decoded one at a time straight from the record's bytes.
    ///
    /// Like praudit, a token that cannot be decoded ends the record: the tokens before it are
    /// printed (in XML the record is closed so the document stays well-formed) and the error is
    /// returned for the caller to report.
    @discardableResult
    public func printRecord(_ record: Record) -> DecodeError? {
        let bytes = record.bytes
        let storage = bytes.storage
        let lo = bytes.lowerBound, hi = bytes.upperBound
        let base = record.offset - lo
        let isFile = record.kind == .file
        let trailerStart = isFile ? hi : max(lo, hi - bsmTrailerSize)
        let failure: DecodeError? = storage.withUnsafeBytes { p -> DecodeError? in
            var pos = lo
            var sawHeader = false
            while pos < hi {
                let limit = pos < trailerStart ? trailerStart : hi
                var r = ByteReader(p: p, storage: storage, pos: pos, limit: limit, base: base)
                let id = p[pos]
                // OpenBSM's praudit has no decoder for AUT_ATTR (0x31) and AUT_XATPATH (0x25):
                // it prints them, and everything after them up to the trailer, as `unknown`.
                if id == 0x31 || id == 0x25 {
                    if pos + 1 >= trailerStart {
                        closeIfOpen(sawHeader)
                        return DecodeError(offset: base + pos, reason: .truncatedToken(id: TokenID(id), needed: 2, available: trailerStart - pos))
                    }
                    unknownToken(id, prefix: nil, BSMBytes(storage: storage, range: (pos + 1)..<trailerStart))
                    endToken()
                    pos = trailerStart
                    continue
                }
                let token: Token
                do throws(DecodeError) {
                    token = try Token.decode(&r)
                } catch {
                    closeIfOpen(sawHeader)
                    return error
                }
                if case .unknown(let uid, let rest) = token, rest.isEmpty {
                    // praudit cannot recover an unknown token with nothing after it.
                    closeIfOpen(sawHeader)
                    return DecodeError(offset: base + pos, reason: .unknownTokenID(uid))
                }
                if pos == lo, token.header != nil { sawHeader = true }
                printToken(token)
                endToken()
                pos = r.pos
            }
            return nil
        }
        endRecord()
        return failure
    }

    private func closeIfOpen(_ sawHeader: Bool) {
        if sawHeader { closeDamagedRecord() }
    }
}

/// A problem met while printing a stream: a damaged region skipped by the framer, or a record
/// whose tokens could not all be decoded.
public struct PrintProblem: Sendable, Hashable, CustomStringConvertible {
    /// Absolute byte offset in the input.
    public var offset: Int
    /// What was wrong (and what was skipped).
    public var message: String
    /// Bytes skipped (0 for a record printed in part).
    public var skipped: Int

    public var description: String { "offset \(offset): \(message)" }
}

/// Frames a byte stream pushed in chunks and prints it: every valid record in order, every
/// damaged region reported. Pure: the caller reads the input and writes `printer.out`.
public struct PrauditStream {
    public let printer: PrauditPrinter
    private var reader: RecordReader
    /// `-p`: input may start in the middle of a record (`tail -f | praudit -p`); damage at the
    /// very start is skipped silently up to the first record.
    private let partialStart: Bool
    private var sawRecord = false
    private var pendingLeading: Damage?

    public init(printer: PrauditPrinter, partialStart: Bool = false,
                maximumRecordSize: Int = RecordReader.defaultMaximumRecordSize) {
        self.printer = printer
        self.partialStart = partialStart
        self.reader = RecordReader(maximumRecordSize: maximumRecordSize)
    }

    /// Adds input; prints the records it completes. Problems found are passed to `problem`.
    public mutating func push(_ chunk: [UInt8], problem: (PrintProblem) -> Void) {
        reader.push(chunk)
        drain(problem)
    }

    /// Ends the input; a partial record left over is reported.
    public mutating func finish(problem: (PrintProblem) -> Void) {
        reader.finish()
        drain(problem)
    }

    private mutating func drain(_ problem: (PrintProblem) -> Void) {
        while let item = reader.next() {
            switch item {
            case .record(let r):
                // -p: leading bytes before the first record were the tail of a record cut off
                // by the start of the stream; praudit skips them silently.
                pendingLeading = nil
                sawRecord = true
                if let e = printer.printRecord(r) {
                    problem(PrintProblem(offset: e.offset, message: e.reasonText
                        + " (in the record at offset \(r.offset); its remaining tokens were not printed)", skipped: 0))
                }
            case .damage(let d):
                if partialStart && !sawRecord && d.offset == 0 {
                    pendingLeading = d
                    continue
                }
                problem(Self.problem(d))
            }
        }
        if reader.isFinished, let d = pendingLeading {
            // Nothing valid followed: that was not a cut-off record but garbage.
            pendingLeading = nil
            problem(Self.problem(d))
        }
    }

    private static func problem(_ d: Damage) -> PrintProblem {
        var m = d.error.reasonText
        if d.error.offset != d.offset { m += " (at offset \(d.error.offset))" }
        m += "; skipped \(d.skipped) byte\(d.skipped == 1 ? "" : "s")"
        return PrintProblem(offset: d.offset, message: m, skipped: d.skipped)
    }
}

