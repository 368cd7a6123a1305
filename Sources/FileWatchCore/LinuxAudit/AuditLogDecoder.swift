// Bytes of an auditd log (a file read in chunks, standard input, a followed log) → events, with a
// notice for every malformed line (file, line number, reason; the line is skipped and reading goes
// on) and for serial numbers that never turned up (records lost before they were logged).

public struct AuditLogDecoder {
    /// The input's name for messages.
    public let name: String
    public let mapper: AuditEventMapper
    private var splitter = LineSplitter(maxLineBytes: AuditLineParser.maxLineBytes)
    /// The fields of the line being parsed (reused: no allocation per line).
    private var scratch = AuditFieldRoom()
    private var stampMemo = AuditStampMemo()
    public var assembler: AuditEventAssembler
    /// Records parsed, lines rejected (for tests and the debug log).
    public private(set) var records: UInt64 = 0
    public private(set) var malformedLines: UInt64 = 0

    public init(name: String, mapper: AuditEventMapper = AuditEventMapper(),
                assembler: AuditEventAssembler = AuditEventAssembler()) {
        self.name = name
        self.mapper = mapper
        self.assembler = assembler
    }

    /// Adds bytes (lines may be cut anywhere) and delivers every event they complete.
    public mutating func push(_ bytes: UnsafeRawBufferPointer, into receiver: EventReceiver) {
        // The splitter is taken out while it hands out lines, so each line goes straight on.
        var lines = splitter
        splitter = LineSplitter(maxLineBytes: 1)
        var out = output(receiver)
        lines.push(bytes) { piece in deliver(piece, into: &out) }
        splitter = lines
    }

    /// End of input: a last line without newline is read; every open event is delivered.
    public mutating func finish(into receiver: EventReceiver) {
        finishLine(into: receiver)
        var out = output(receiver)
        assembler.finish(&out)
    }

    /// The end of one file of a followed log that goes on in another (auditd rotated it): a last
    /// line without newline is read, and the next file's lines are counted from 1. Events stay
    /// open: their other records may be in the next file.
    public mutating func endOfFile(into receiver: EventReceiver) {
        finishLine(into: receiver)
        splitter = LineSplitter(maxLineBytes: AuditLineParser.maxLineBytes)
    }

    /// The file is read again from its start (truncated or rewritten in place): a line left
    /// half-read belonged to the old content and is dropped; events stay open.
    public mutating func restartFile() {
        splitter = LineSplitter(maxLineBytes: AuditLineParser.maxLineBytes)
    }

    /// A stop request ended the reading of a followed log: a line still being written is not
    /// damage and is dropped; every open event is delivered.
    public mutating func stopped(into receiver: EventReceiver) {
        splitter = LineSplitter(maxLineBytes: AuditLineParser.maxLineBytes)
        var out = output(receiver)
        assembler.finish(&out)
    }

    /// No input for a while (a followed log): events older than the timeout measured from `now`
    /// (milliseconds since the epoch) are delivered.
    public mutating func idle(now: UInt64, into receiver: EventReceiver) {
        var out = output(receiver)
        assembler.expire(now: now, &out)
    }

    /// Feeds one record made elsewhere (the live netlink source).
    public mutating func push(record: AuditRecord, into receiver: EventReceiver) {
        records += 1
        var out = output(receiver)
        record.withView { assembler.push($0, &out) }
    }

    // MARK: Internals

    /// Where the assembler's output goes: events mapped and received, losses noticed. Made once
    /// per chunk and lent to every line (`AuditOutputHandler`).
    struct Delivery: AuditOutputHandler {
        let mapper: AuditEventMapper
        let name: String
        let receiver: EventReceiver

        func handle(_ output: AuditEventAssembler.Output) {
            AuditLogDecoder.emit(output, mapper: mapper, name: name, into: receiver)
        }
    }

    private func output(_ receiver: EventReceiver) -> Delivery { Delivery(mapper: mapper, name: name, receiver: receiver) }

    /// A last line without newline.
    private mutating func finishLine(into receiver: EventReceiver) {
        var lines = splitter
        splitter = LineSplitter(maxLineBytes: 1)
        var out = output(receiver)
        lines.finish { piece in deliver(piece, into: &out) }
        splitter = lines
    }

    /// One line: parsed in place, its record handed to the assembler (which copies it into its
    /// event's buffer), or a notice.
    private mutating func deliver(_ piece: LineSplitter.Piece, into out: inout Delivery) {
        switch piece {
        case .line(let bytes, let offset, let number):
            if bytes.isEmpty || (bytes.count == 1 && bytes[0] == 0x0D) { return }
            // The scratch array is taken out while its fields are lent (no overlapping access to self).
            var room = scratch
            scratch = AuditFieldRoom()
            defer { scratch = room }
            do {
                let b = try AuditLineParser.trimmed(bytes)
                try room.withRoom(forLine: b.count) { (f) throws(AuditLineError) in
                    var n = 0
                    let header = try AuditLineParser.parseLine(b, lineNumber: number, fields: f, count: &n, memo: &stampMemo)
                    deliver(AuditRecordView(header: header, bytes: b, fields: UnsafeBufferPointer(rebasing: f[0..<n])),
                            number: number, into: &out)
                }
            } catch {
                damaged(error, offset: offset, number: number, into: out.receiver)
            }
        case .overlong(let offset, let number):
            damaged(AuditLineError(reason: "line longer than \(AuditLineParser.maxLineBytes) bytes",
                                   column: AuditLineParser.maxLineBytes + 1), offset: offset, number: number, into: out.receiver)
        }
    }

    private mutating func damaged(_ error: AuditLineError, offset: UInt64, number: UInt64, into receiver: EventReceiver) {
        malformedLines += 1
        receiver.notice(.damaged(file: name, offset: offset + UInt64(max(0, error.column - 1)),
                                 reason: "line \(number): \(error.reason); line skipped"))
    }

    private mutating func deliver(_ record: AuditRecordView, number: UInt64, into out: inout Delivery) {
        if record.header.stamp == nil {
            out.receiver.notice(.info("\(name): line \(number): \(record.typeName) record without a time stamp (msg=?): no event"))
            return
        }
        records += 1
        assembler.push(record, &out)
    }

    static func emit(_ output: AuditEventAssembler.Output, mapper: AuditEventMapper, name: String,
                     into receiver: EventReceiver) {
        switch output {
        case .event(let records):
            if let event = mapper.map(records) { receiver.receive(event) }
        case .lost(let count, let first, let node):
            let last = first &+ count &- 1
            let range = count == 1 ? "serial \(first)" : "serials \(first)…\(last)"
            receiver.notice(.lost(count: count, reason: "\(name): audit \(range)\(node.map { " of node \($0)" } ?? "") never logged"))
        }
    }
}
