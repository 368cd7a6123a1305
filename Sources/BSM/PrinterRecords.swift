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
    public func printRecord(_ record: Record) -> DecodeError? { printRecordChecked(record).failure }

    /// `printRecord`, also returning the first problem of a token that did decode and was printed
    /// as praudit prints it, but cannot be what a kernel wrote (`RecordChecker`): the caller reports it.
    public func printRecordChecked(_ record: Record) -> (failure: DecodeError?, problem: DecodeError?) {
        var checker = RecordChecker()
        let bytes = record.bytes
        let storage = bytes.storage
        let lo = bytes.lowerBound, hi = bytes.upperBound
        let base = record.offset - lo
        let isFile = record.kind == .file
        let trailerStart = isFile ? hi : max(lo, hi - bsmTrailerSize)
        let failure: DecodeError? = storage.withUnsafeBytes { p -> DecodeError? in
          withRecordBase(p) { () -> DecodeError? in
            var pos = lo
            var sawHeader = false
            while pos < hi {
                let limit = pos < trailerStart ? trailerStart : hi
                let id = p[pos]
                // OpenBSM's praudit has no decoder for AUT_ATTR (0x31) and AUT_XATPATH (0x25):
                // it prints them, and everything after them up to the trailer, as `unknown`.
                if id == 0x31 || id == 0x25 {
                    if pos + 1 >= trailerStart {
                        closeIfOpen(sawHeader)
                        return DecodeError(offset: base + pos, reason: .truncatedToken(id: TokenID(id), needed: 2, available: trailerStart - pos))
                    }
                    unknownToken(id, prefix: nil, BSMBytes(storage: storage, range: (pos + 1)..<trailerStart))
                    checker.noteOrdinary()
                    endToken()
                    pos = trailerStart
                    continue
                }
                if fastPath, let next = printFast(p, pos, limit, first: pos == lo, inTrailer: pos >= trailerStart) {
                    if pos == lo && id == 0x14 { sawHeader = true }
                    checker.noteOrdinary()
                    endToken()
                    pos = next
                    continue
                }
                var r = ByteReader(p: p, storage: storage, pos: pos, limit: limit, base: base)
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
                checker.note(token, at: base + pos)
                if options.xml && pos != lo && token.header != nil {
                    // A header token inside a record would open a nested <record>.
                    printInnerHeaderXML(token)
                } else if options.xml, case .trailer(let t) = token, pos < trailerStart {
                    // A trailer token before the record's end would close it early.
                    out.append("<trailer count=\""); out.appendDecimal(UInt64(t.count)); out.append("\" />")
                } else {
                    printToken(token)
                }
                endToken()
                pos = r.pos
            }
            return nil
          }
        }
        endRecord()
        return (failure, failure == nil ? checker.problem : nil)
    }


    /// The hot path for the tokens of ordinary file records, printed straight from the bytes
    /// without building a `Token`: header32, arg32, path, text, attr32, subject32, process32,
    /// return32, trailer. Returns the offset after the token, or nil to take the general path
    /// (other ids, or not enough bytes: the decoder then reports the exact error). The printed
    /// text is the same as through `printToken` (the fuzzer checks that); the layouts are the
    /// decoder's (Decoder.swift).
    @inline(__always)
    private func printFast(_ p: UnsafeRawBufferPointer, _ pos: Int, _ limit: Int, first: Bool, inTrailer: Bool) -> Int? {
        let avail = limit - pos
        switch p[pos] {
        case 0x14:  // header32: size u32, version u8, e_type u16, e_mod u16, seconds u32, msec u32
            guard avail >= 18, first || !options.xml else { return nil }
            header(0x14, Header(size: be32(p, pos + 1), version: p[pos + 5], eventType: be16(p, pos + 6),
                                eventModifier: be16(p, pos + 8), address: nil,
                                seconds: UInt64(be32(p, pos + 10)), milliseconds: UInt64(be32(p, pos + 14))), ex: false)
            return pos + 18
        case 0x13:  // trailer: magic u16, count u32
            guard avail >= 7, inTrailer || !options.xml else { return nil }
            tokType(0x13, "trailer", "</record>")
            if !options.xml { delim(); out.appendDecimal(UInt64(be32(p, pos + 3))) }
            return pos + 7
        case 0x2d:  // arg32: number u8, value u32, text length u16, text
            guard avail >= 8 else { return nil }
            let n = Int(be16(p, pos + 6))
            guard avail >= 8 + n else { return nil }
            tokType(0x2d, "argument", "<argument ")
            let text = UnsafeRawBufferPointer(rebasing: p[(pos + 8)..<(pos + 8 + n)])
            if options.xml {
                out.append("arg-num=\""); out.appendDecimal(UInt64(p[pos + 1])); out.append("\" ")
                out.append("value=\""); out.appendHex0x(UInt64(be32(p, pos + 2))); out.append("\" ")
                out.append("desc=\""); stringBytes(text, element: false); out.append("\" ")
                out.append("/>")
            } else {
                delim(); out.appendDecimal(UInt64(p[pos + 1]))
                delim(); out.appendHex0x(UInt64(be32(p, pos + 2)))
                delim(); stringBytes(text, element: false)
            }
            return pos + 8 + n
        case 0x23, 0x28:  // path / text: length u16, bytes
            guard avail >= 3 else { return nil }
            let n = Int(be16(p, pos + 1))
            guard avail >= 3 + n else { return nil }
            let isPath = p[pos] == 0x23
            if isPath { tokType(0x23, "path", "<path>") } else { tokType(0x28, "text", "<text>") }
            if !options.xml { delim() }
            stringBytes(UnsafeRawBufferPointer(rebasing: p[(pos + 3)..<(pos + 3 + n)]), element: true)
            if options.xml { out.append(isPath ? "</path>" : "</text>") }
            return pos + 3 + n
        case 0x3e:  // attr32: mode u32, uid u32, gid u32, fsid u32, nodeid u64, device u32
            guard avail >= 29 else { return nil }
            attr(0x3e, Attr(mode: be32(p, pos + 1), uid: be32(p, pos + 5), gid: be32(p, pos + 9),
                            fsid: be32(p, pos + 13), nodeid: be64(p, pos + 17), device: UInt64(be32(p, pos + 25))),
                 wideDevice: false)
            return pos + 29
        case 0x24, 0x26:  // subject32 / process32: auid, euid, egid, ruid, rgid, pid, sid, port u32, addr 4 bytes
            guard avail >= 37 else { return nil }
            let s = Subject(auid: be32(p, pos + 1), euid: be32(p, pos + 5), egid: be32(p, pos + 9),
                            ruid: be32(p, pos + 13), rgid: be32(p, pos + 17), pid: be32(p, pos + 21),
                            sid: be32(p, pos + 25), port: UInt64(be32(p, pos + 29)), address: .v4(be32(p, pos + 33)))
            if p[pos] == 0x24 { subject(0x24, s, "subject", "<subject ", wide: false, ex: false) }
            else { subject(0x26, s, "process", "<process ", wide: false, ex: false) }
            return pos + 37
        case 0x27:  // return32: status u8, value u32
            guard avail >= 6 else { return nil }
            ret(0x27, ReturnToken(status: p[pos + 1], value: UInt64(be32(p, pos + 2))), wide: false)
            return pos + 6
        default:
            return nil
        }
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
                let printed = printer.printRecordChecked(r)
                if let e = printed.failure {
                    problem(PrintProblem(offset: e.offset, message: e.reasonText
                        + " (in the record at offset \(r.offset); its remaining tokens were not printed)", skipped: 0))
                } else if let e = printed.problem {
                    problem(PrintProblem(offset: e.offset, message: e.reasonText
                        + " (in the record at offset \(r.offset), printed as praudit prints it)", skipped: 0))
                }
            case .damage(let d):
                if partialStart && !sawRecord && d.offset == 0 {
                    pendingLeading = d
                    continue
                }
                if let leading = pendingLeading {
                    // The leading damage goes on (in parts): it was garbage, not a cut-off record.
                    pendingLeading = nil
                    problem(Self.problem(leading))
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

    /// Reading stops early (a signal): the damage in progress is reported (a record cut off by the
    /// stop is not damage).
    public mutating func stop(problem: (PrintProblem) -> Void) {
        if let d = pendingLeading {
            pendingLeading = nil
            problem(Self.problem(d))
        }
        if let d = reader.pendingDamage {
            var p = Self.problem(d)
            p.message += " so far (reading stopped before the damage ended)"
            problem(p)
        }
    }

    private static func problem(_ d: Damage) -> PrintProblem {
        var m = d.error.reasonText
        if d.error.offset != d.offset { m += " (at offset \(d.error.offset))" }
        m += "; skipped \(d.skipped) byte\(d.skipped == 1 ? "" : "s")"
        return PrintProblem(offset: d.offset, message: m, skipped: d.skipped)
    }
}

