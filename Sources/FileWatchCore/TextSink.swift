import BSM

// The original tool's line, improved:
// [HH:MM:SS] [user] Detected <event> event from <process> (pid N) -> <path>[ -> <dest>][ args: …][ FAILED (…)]
// The time: the local clock, with the date when the event is not from today (`--time-format`: also
// RFC 3339 or epoch seconds, with microseconds). The process name, paths and arguments are fields
// (`appendTextField`): quoted when they hold a space or a quote, so `/a -> b` never looks like a rename.

extension EventKind {
    /// The kind's name without allocating.
    public var staticName: StaticString {
        switch self {
        case .open: "open"
        case .read: "read"
        case .write: "write"
        case .close: "close"
        case .create: "create"
        case .delete: "delete"
        case .rename: "rename"
        case .link: "link"
        case .attrib: "attrib"
        case .stat: "stat"
        case .exec: "exec"
        case .exit: "exit"
        case .other: "other"
        }
    }
}

public final class TextSink: EventSink {
    public let output: OutputBuffer
    public let color: Bool
    private var zone: any LocalTimeProvider
    private let describeErrno: (Int32) -> String?
    private let timeFormat: TimeFormat
    private let now: (() -> Int64)?
    /// Today's local day (`localDay`) as of `todayCheckedAt` (epoch seconds).
    private var today: Int64 = 0
    private var todayCheckedAt: Int64 = .min

    /// - Parameters:
    ///   - color: ANSI colours (the CLI decides: terminal, `--color`, `NO_COLOR`).
    ///   - zone: local time offsets for the clock column (cache it: asked per event).
    ///   - timeFormat: how the time is shown.
    ///   - now: the current time (epoch microseconds), to show the date of events not from today;
    ///     nil: never show it.
    ///   - describeErrno: host errno → message (strerror), nil when unknown.
    public init(output: OutputBuffer, color: Bool, zone: any LocalTimeProvider, timeFormat: TimeFormat = .local,
                now: (() -> Int64)? = nil, describeErrno: @escaping (Int32) -> String? = { _ in nil }) {
        self.output = output
        self.color = color
        self.zone = zone
        self.timeFormat = timeFormat
        self.now = now
        self.describeErrno = describeErrno
    }

    /// The time column's text (without brackets).
    @inline(__always)
    private func appendTime(_ micros: Int64) {
        let o = output
        switch timeFormat {
        case .iso:
            o.appendRFC3339(epochMicroseconds: micros)
        case .epoch:
            o.appendEpoch(microseconds: micros)
        case .local:
            let offset = localOffset(micros)
            if let now {
                let current = now()
                let second = current / 1_000_000
                if second != todayCheckedAt {
                    todayCheckedAt = second
                    today = localDay(epochMicroseconds: current, offset: localOffset(current))
                }
                if localDay(epochMicroseconds: micros, offset: offset) != today {
                    o.appendDate(CivilTime(epochMicroseconds: micros, offset: offset))
                    o.append(UInt8(ascii: " "))
                }
            }
            o.appendClock(epochMicroseconds: micros, offset: offset)
        }
    }

    /// The zone's offset at `micros` (0 when the instant has none).
    @inline(__always)
    private func localOffset(_ micros: Int64) -> Int {
        var seconds = micros / 1_000_000
        if micros < 0 && micros % 1_000_000 != 0 { seconds -= 1 }
        return Int(zone.utcOffset(at: seconds) ?? 0)
    }

    private func colorCode(_ kind: EventKind) -> StaticString {
        switch kind {
        case .delete: "\u{1B}[31m"
        case .create, .link: "\u{1B}[32m"
        case .write, .attrib: "\u{1B}[33m"
        case .rename: "\u{1B}[34m"
        case .exec: "\u{1B}[35m"
        case .open, .read, .close: "\u{1B}[36m"
        case .stat, .exit, .other: "\u{1B}[37m"
        }
    }

    public func write(_ event: Event) throws {
        let o = output
        let p = event.process
        // One dim span over the two whole fields `[time] [user]`.
        if color { o.append("\u{1B}[2m") }
        o.append(UInt8(ascii: "["))
        appendTime(event.time)
        o.append("] [")
        if let user = p.user {
            var u = user
            // User names come from the password database but may still hold anything.
            u.withUTF8 { o.appendEscapedText($0) }
        } else if let uid = p.uid {
            o.appendDecimal(UInt64(uid))
        } else {
            o.append(UInt8(ascii: "?"))
        }
        o.append(UInt8(ascii: "]"))
        if color { o.append("\u{1B}[0m") }
        o.append(" Detected ")
        if color { o.append(colorCode(event.kind)) }
        o.append(event.kind.staticName)
        if color { o.append("\u{1B}[0m") }
        o.append(" event from ")
        if color { o.append("\u{1B}[1m") }
        if !p.name.isEmpty {
            o.appendTextField(p.name.bytes)
        } else if let exe = p.executable, !exe.isEmpty {
            o.appendTextField(basename(exe.bytes))
        } else {
            o.append(UInt8(ascii: "?"))
        }
        if color { o.append("\u{1B}[0m") }
        o.append(" (pid ")
        o.appendDecimal(Int64(p.pid))
        o.append(UInt8(ascii: ")"))
        if let path = event.path {
            o.append(" -> ")
            o.appendTextField(path.bytes)
        }
        if let dest = event.destinationPath {
            o.append(" -> ")
            o.appendTextField(dest.bytes)
        }
        if event.kind == .other, case .bsm(let number, let name, _) = event.detail {
            // Say what the record was (`[AUE_su]`), since `other` alone says nothing.
            o.append(" [")
            if let name { o.append(name) } else { o.appendDecimal(UInt64(number)) }
            o.append(UInt8(ascii: "]"))
        }
        if event.pathTruncated { o.append(" (path truncated)") }
        if event.kind == .other, case .endpointSecurity(let es) = event.detail {
            // `[fork child 123]`, `[mmap]`: what the message was.
            o.append(" [")
            var name = es.event
            name.withUTF8 { o.appendEscapedText($0) }
            if let child = es.childPID { o.append(" child "); o.appendDecimal(Int64(child)) }
            o.append(UInt8(ascii: "]"))
        }
        if event.kind == .exec, let args = p.arguments, !args.isEmpty {
            o.append(" args:")
            for a in args {
                o.append(UInt8(ascii: " "))
                o.appendTextField(a.bytes)
            }
        }
        if case .failure(let errno) = event.result {
            o.append(UInt8(ascii: " "))
            if color { o.append("\u{1B}[1;31m") }
            o.append("FAILED")
            if let errno {
                o.append(" (")
                if let text = describeErrno(errno) {
                    var t = text
                    t.withUTF8 { o.appendEscapedText($0) }
                    o.append(", ")
                }
                o.append("errno ")
                o.appendDecimal(Int64(errno))
                o.append(UInt8(ascii: ")"))
            }
            if color { o.append("\u{1B}[0m") }
        }
        o.append(UInt8(ascii: "\n"))
        if !event.alerts.isEmpty {
            o.appendAlertLines(event.alerts, color: color)
            try o.flush()
        }
        try o.endOfEvent(time: event.time)
    }

    public func flush() throws { try output.flush() }
}

/// The last path component (the whole string when there is no slash).
func basename(_ path: [UInt8]) -> [UInt8] {
    guard let slash = path.lastIndex(of: UInt8(ascii: "/")) else { return path }
    return Array(path[(slash + 1)...])
}
