// Bytes of eslogger output (a pipe from eslogger, a recorded file, standard input) → events and
// notices. One place for line splitting, decoding, mapping, loss and damage reports, shared by the
// live source and replay. Platform-neutral: the caller reads, this only looks at bytes.
//
// - Lines are cut on `\n` here (a line may arrive in pieces); a line over `maxLineBytes` (4 MiB)
//   is skipped to its newline without being kept.
// - A line that is not an eslogger JSON object is skipped and counted: the first few are reported
//   one by one (line number, byte offset, what was wrong), then one notice at 10, 100, 1000, …
//   skipped lines; the summary has the totals. Blank lines are ignored.
// - Loss: a gap in `global_seq_num` (or, in messages without it, in the event type's `seq_num`)
//   is reported as lost events. Gaps close together are reported together (at most one notice
//   per second of event time); a number going back (eslogger restarted, files concatenated)
//   starts counting afresh.
// - `version` outside 4…10 is accepted with one warning.

/// Feeds chunks of eslogger output through `EsloggerMessage.decode` and `EsloggerMapper`.
/// Not thread-safe (one per stream).
public final class EsloggerStream: SessionReporting {
    /// The input's name for messages ("eslogger", a path, "standard input").
    public let name: String
    public let mapper: EsloggerMapper
    /// Events of this process are dropped (our own activity, as on Linux).
    public var ignoredPID: Int32?
    /// Events on these files are dropped (our output and debug log).
    public var ignoredPaths: Set<ByteString> = []
    /// Message versions this decoder was written against.
    public static let knownVersions: ClosedRange<Int64> = 4...10
    /// Skipped lines reported one by one before the notices thin out.
    public static let reportedOneByOne: UInt64 = 5

    public private(set) var lines: UInt64 = 0
    public private(set) var events: UInt64 = 0
    /// Lines that were not JSON (or not one object).
    public private(set) var malformedLines: UInt64 = 0
    /// JSON objects without an `event`.
    public private(set) var foreignLines: UInt64 = 0
    public private(set) var overlongLines: UInt64 = 0
    /// Events lost according to the sequence numbers.
    public private(set) var lost: UInt64 = 0

    /// Longer lines are skipped.
    public let maxLineBytes: Int
    /// Mutated only by `push`/`finish` (the per-line work must not touch it: exclusive access).
    private var splitter: LineSplitter
    private var lastGlobal: UInt64?
    private var lastByType: [String: UInt64] = [:]
    private var pendingLoss: UInt64 = 0
    private var pendingLossNote = ""
    private var lastLossReport: Int64?
    private var warnedVersion = false
    private var nextThinnedReport: UInt64 = 10

    public init(name: String, mapper: EsloggerMapper = EsloggerMapper(), maxLineBytes: Int = 4 << 20) {
        self.name = name
        self.mapper = mapper
        self.splitter = LineSplitter(maxLineBytes: maxLineBytes)
        self.maxLineBytes = self.splitter.maxLineBytes
    }

    /// Lines skipped for any reason.
    public var skippedLines: UInt64 { malformedLines + foreignLines + overlongLines }

    /// Adds bytes and delivers every event the lines they complete hold.
    public func push(_ chunk: UnsafeRawBufferPointer, into receiver: EventReceiver) {
        splitter.push(chunk) { piece in handle(piece, receiver) }
    }

    /// End of input: a last line without a newline is decoded; pending loss is reported.
    public func finish(into receiver: EventReceiver) {
        splitter.finish { piece in handle(piece, receiver) }
        flushLoss(receiver)
    }

    private func handle(_ piece: LineSplitter.Piece, _ receiver: EventReceiver) {
        switch piece {
        case .overlong(let offset, let number):
            lines += 1
            overlongLines += 1
            skipped(receiver, offset: offset, "line \(number) skipped: longer than \(maxLineBytes) bytes")
        case .line(let bytes, let offset, let number):
            lines += 1
            if Self.isBlank(bytes) { return }
            let message: EsloggerMessage
            do {
                message = try EsloggerMessage.decode(bytes)
            } catch {
                malformedLines += 1
                skipped(receiver, offset: offset &+ UInt64(max(0, error.offset)),
                        "line \(number) skipped: not eslogger JSON (\(error.reasonText) at byte \(error.offset) of the line)")
                return
            }
            guard let event = mapper.map(message) else {
                foreignLines += 1
                skipped(receiver, offset: offset, "line \(number) skipped: a JSON object without an \"event\"")
                return
            }
            check(message, event.time, receiver)
            if let pid = ignoredPID, event.process.pid == pid { return }
            if !ignoredPaths.isEmpty,
               event.path.map({ ignoredPaths.contains($0) }) ?? false
                || event.destinationPath.map({ ignoredPaths.contains($0) }) ?? false { return }
            events += 1
            receiver.receive(event)
        }
    }

    /// Version warning and sequence gaps.
    private func check(_ m: EsloggerMessage, _ time: Int64, _ receiver: EventReceiver) {
        if let v = m.version, !Self.knownVersions.contains(v), !warnedVersion {
            warnedVersion = true
            receiver.notice(.info("\(name): eslogger message version \(v) is not one this filewatcher was written for "
                + "(\(Self.knownVersions.lowerBound)–\(Self.knownVersions.upperBound)); members are read by name, "
                + "and any that moved are left empty"))
        }
        if pendingLoss > 0, let last = lastLossReport, time &- last >= 1_000_000 || time < last {
            lastLossReport = time
            flushLoss(receiver)
        }
        var gap: UInt64 = 0
        if let g = m.globalSequence {
            if let last = lastGlobal, g > last { gap = g - last - 1 }
            lastGlobal = g
            if gap > 0 { pendingLossNote = "global_seq_num \(g)" }
        } else if let s = m.sequence, let event = m.event {
            if let last = lastByType[event], s > last { gap = s - last - 1 }
            lastByType[event] = s
            if gap > 0 { pendingLossNote = "\(event) seq_num \(s)" }
        }
        guard gap > 0 else { return }
        lost &+= gap
        pendingLoss &+= gap
        if lastLossReport.map({ time &- $0 >= 1_000_000 || time < $0 }) ?? true {
            lastLossReport = time
            flushLoss(receiver)
        }
    }

    private func flushLoss(_ receiver: EventReceiver) {
        guard pendingLoss > 0 else { return }
        receiver.notice(.lost(count: pendingLoss, reason: "\(name): Endpoint Security dropped messages (sequence gap up to \(pendingLossNote))"))
        pendingLoss = 0
    }

    private func skipped(_ receiver: EventReceiver, offset: UInt64, _ reason: @autoclosure () -> String) {
        let n = skippedLines
        if n <= Self.reportedOneByOne {
            receiver.notice(.damaged(file: name, offset: offset, reason: reason()))
        } else if n == nextThinnedReport {
            nextThinnedReport = nextThinnedReport &* 10
            receiver.notice(.damaged(file: name, offset: offset,
                                     reason: "\(n) lines skipped so far (the latest: \(reason())); the summary has the total"))
        }
    }

    private static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for b in bytes where !(b == 0x20 || b == 0x09 || b == 0x0D) { return false }
        return true
    }

    // MARK: SessionReporting

    public var summaryLines: [String] {
        guard skippedLines > 0 else { return [] }
        var parts: [String] = []
        if malformedLines > 0 { parts.append("\(malformedLines) not JSON") }
        if foreignLines > 0 { parts.append("\(foreignLines) without an event") }
        if overlongLines > 0 { parts.append("\(overlongLines) longer than \(maxLineBytes) bytes") }
        return ["\(name): \(skippedLines) of \(lines) lines skipped (" + parts.joined(separator: ", ") + ")"]
    }
}
