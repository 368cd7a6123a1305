// RFC 5424 messages carrying one record each:
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG
// PRI: facility 13 (log audit) × 8 + severity (6 informational; alerts 4/3/2/2 for
// low/medium/high/critical); TIMESTAMP: the EVENT's time, UTC, microseconds; APP-NAME
// `filewatcher`; PROCID our pid; MSGID the event kind (`loss` for a loss record); no structured
// data; MSG the record as one JSON object, UTF-8 without a BOM (rsyslog's JSON parser fails on one).
// A message longer than the cap is made to fit by truncating long fields, arguments first, each
// cut string ending in `…[truncated]`; the event is never dropped.

/// A lost stretch of the spool: the records dropped when it was full (or never written).
public struct LossRecord: Sendable, Equatable {
    public var count: UInt64
    public var firstSequence: UInt64
    public var lastSequence: UInt64
    /// Event times (µs) of the first and last lost record, when known.
    public var firstTime: Int64?
    public var lastTime: Int64?
    public var reason: String

    public init(count: UInt64, firstSequence: UInt64, lastSequence: UInt64, firstTime: Int64? = nil,
                lastTime: Int64? = nil, reason: String) {
        self.count = count; self.firstSequence = firstSequence; self.lastSequence = lastSequence
        self.firstTime = firstTime; self.lastTime = lastTime; self.reason = reason
    }
}

public struct SyslogFormatter {
    public static let truncationMarker = "…[truncated]"
    public let schema: any RecordSchema
    public let hostName: String
    public let processID: Int32
    public let maxBytes: Int
    private let buffer = OutputBuffer(writer: MemoryWriter(), lineBuffered: false, threshold: 1 << 20)

    public init(schema: any RecordSchema, hostName: String, processID: Int32, maxBytes: Int) {
        self.schema = schema
        // HOSTNAME is 1–255 printable US-ASCII characters without spaces.
        let printable = hostName.utf8.filter { $0 > 0x20 && $0 < 0x7F }.prefix(255)
        self.hostName = printable.isEmpty ? "-" : String(decoding: printable, as: UTF8.self)
        self.processID = processID
        self.maxBytes = maxBytes
    }

    /// The messages of `event` (one per record), numbered from `firstSequence`, each at most `maxBytes`.
    public func messages(for event: Event, firstSequence: UInt64) -> [[UInt8]] {
        (0..<schema.recordCount(for: event)).map { i in
            message(index: i, of: event, sequence: firstSequence + UInt64(i))
        }
    }

    /// The message of a loss record.
    public func lossMessage(_ loss: LossRecord, sequence: UInt64, time: Int64) -> [UInt8] {
        header(time: time, severity: 4, msgID: "loss")
        schema.appendLossRecord(loss, sequence: sequence, time: time, to: buffer)
        return take()
    }

    private func message(index: Int, of event: Event, sequence: UInt64) -> [UInt8] {
        var e = event
        var bytes = render(index, e, sequence)
        var step = 0
        while bytes.count > maxBytes {
            let over = bytes.count - maxBytes
            switch step {
            case 0..<4: Self.truncateArguments(&e, by: over)  // a few passes: escaping makes sizes inexact
            case 4, 5: Self.truncatePaths(&e, by: over, floor: 256)
            case 6: Self.truncateAlerts(&e)
            case 7, 8: Self.truncatePaths(&e, by: over, floor: 32)
            case 9: e.process.arguments = e.process.arguments.map { _ in [ByteString(Self.truncationMarker)] }
            default:
                // Nothing left to cut: the fixed members alone exceed the cap (a tiny --ship-max-message).
                return bytes
            }
            step += 1
            bytes = render(index, e, sequence)
        }
        return bytes
    }

    private func render(_ index: Int, _ event: Event, _ sequence: UInt64) -> [UInt8] {
        let alert = index > 0 ? event.alerts[index - 1] : event.alerts.max(by: { $0.severity < $1.severity })
        header(time: event.time, severity: alert.map { Self.severity($0.severity) } ?? 6, msgID: event.kind.staticName)
        schema.appendRecord(index, of: event, sequence: sequence, to: buffer)
        return take()
    }

    private func header(time: Int64, severity: Int, msgID: StaticString) {
        let o = buffer
        o.append(UInt8(ascii: "<"))
        o.appendDecimal(Int64(13 * 8 + severity))
        o.append(">1 ")
        o.appendRFC3339(epochMicroseconds: time)
        o.append(UInt8(ascii: " "))
        o.append(hostName)
        o.append(" filewatcher ")
        o.appendDecimal(Int64(processID))
        o.append(UInt8(ascii: " "))
        o.append(msgID)
        o.append(" - ")
    }

    private func take() -> [UInt8] {
        buffer.takeBytes()
    }

    /// Syslog severity of an alert: low 4 (warning), medium 3 (error), high and critical 2 (critical).
    static func severity(_ s: AlertSeverity) -> Int {
        switch s { case .low: 4; case .medium: 3; case .high, .critical: 2 }
    }

    /// Cuts the arguments by at least `over` bytes (plus room for the markers), from the end.
    static func truncateArguments(_ e: inout Event, by over: Int) {
        guard var args = e.process.arguments, !args.isEmpty else { return }
        // A marker from an earlier pass: take its count over.
        var alreadyDropped = 0
        if let last = args.last?.description, last.hasPrefix("["), last.hasSuffix(" more arguments truncated]"),
           let n = Int(last.dropFirst().prefix { $0 != " " }) {
            alreadyDropped = n
            args.removeLast()
        }
        let total = args.reduce(0) { $0 + $1.bytes.count + 3 }
        var budget = max(0, total - over - 64)
        var kept: [ByteString] = []
        for a in args {
            if a.bytes.count + 3 <= budget {
                kept.append(a)
                budget -= a.bytes.count + 3
            } else {
                kept.append(cut(a, to: max(0, budget - 6)))
                break
            }
        }
        let dropped = args.count - kept.count + alreadyDropped
        if dropped > 0 { kept.append(ByteString("[\(dropped) more arguments truncated]")) }
        e.process.arguments = kept
    }

    /// Cuts every name longer than `floor` so that together they shrink by `over` bytes (at least to `floor`).
    static func truncatePaths(_ e: inout Event, by over: Int, floor: Int) {
        let fields = [e.path, e.destinationPath, e.process.executable, e.process.name]
        let long = fields.compactMap { $0 }.filter { $0.bytes.count > floor }
        guard !long.isEmpty else { return }
        let each = over / long.count + 64
        func shorten(_ b: ByteString?) -> ByteString? {
            guard let b, b.bytes.count > floor else { return b }
            return cut(b, to: max(floor, b.bytes.count - each))
        }
        e.path = shorten(e.path)
        e.destinationPath = shorten(e.destinationPath)
        e.process.executable = shorten(e.process.executable)
        e.process.name = shorten(e.process.name) ?? e.process.name
    }

    /// Drops ransomware evidence and shortens alert reasons.
    static func truncateAlerts(_ e: inout Event) {
        for i in e.alerts.indices {
            if e.alerts[i].evidence.count > 3 {
                e.alerts[i].evidence = Array(e.alerts[i].evidence.prefix(3))
                e.alerts[i].responses.append("evidence truncated")
            }
            if e.alerts[i].reason.utf8.count > 512 {
                e.alerts[i].reason = String(decoding: e.alerts[i].reason.utf8.prefix(512), as: UTF8.self) + truncationMarker
            }
        }
    }

    /// The first `n` bytes (not splitting a UTF-8 sequence) and the marker.
    static func cut(_ b: ByteString, to n: Int) -> ByteString {
        guard b.bytes.count > n else { return b }
        var end = n
        while end > 0 && end < b.bytes.count && b.bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return ByteString(Array(b.bytes[..<end]) + Array(truncationMarker.utf8))
    }
}
