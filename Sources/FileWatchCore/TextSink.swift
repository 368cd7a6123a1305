import BSM

// The original tool's line, improved:
// [HH:MM:SS] [user] Detected <event> event from <process> (pid N) -> <path>[ -> <dest>][ args: …][ FAILED (…)]

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

    /// - Parameters:
    ///   - color: ANSI colours (the CLI decides: terminal, `--color`, `NO_COLOR`).
    ///   - zone: local time offsets for the clock column (cache it: asked per event).
    ///   - describeErrno: host errno → message (strerror), nil when unknown.
    public init(output: OutputBuffer, color: Bool, zone: any LocalTimeProvider,
                describeErrno: @escaping (Int32) -> String? = { _ in nil }) {
        self.output = output
        self.color = color
        self.zone = zone
        self.describeErrno = describeErrno
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
        if color { o.append("\u{1B}[2m") }
        o.append(UInt8(ascii: "["))
        o.appendClock(epochMicroseconds: event.time, offset: localOffset(event.time))
        o.append("] [")
        if color { o.append("\u{1B}[0m") }
        if let user = p.user {
            var u = user
            // User names come from the password database but may still hold anything.
            u.withUTF8 { o.appendEscapedText($0) }
        } else if let uid = p.uid {
            o.appendDecimal(UInt64(uid))
        } else {
            o.append(UInt8(ascii: "?"))
        }
        o.append("] Detected ")
        if color { o.append(colorCode(event.kind)) }
        o.append(event.kind.staticName)
        if color { o.append("\u{1B}[0m") }
        o.append(" event from ")
        if color { o.append("\u{1B}[1m") }
        if !p.name.isEmpty {
            o.appendEscapedText(p.name.bytes)
        } else if let exe = p.executable, !exe.isEmpty {
            o.appendEscapedText(basename(exe.bytes))
        } else {
            o.append(UInt8(ascii: "?"))
        }
        if color { o.append("\u{1B}[0m") }
        o.append(" (pid ")
        o.appendDecimal(Int64(p.pid))
        o.append(UInt8(ascii: ")"))
        if let path = event.path {
            o.append(" -> ")
            o.appendEscapedText(path.bytes)
        }
        if let dest = event.destinationPath {
            o.append(" -> ")
            o.appendEscapedText(dest.bytes)
        }
        if event.kind == .other, case .bsm(let number, let name, _) = event.detail {
            // Say what the record was (`[AUE_su]`), since `other` alone says nothing.
            o.append(" [")
            if let name { o.append(name) } else { o.appendDecimal(UInt64(number)) }
            o.append(UInt8(ascii: "]"))
        }
        if event.kind == .other, case .linuxAudit(let d) = event.detail {
            // `[SYSCALL kill]`, `[USER_LOGIN]`: what the audit records were.
            o.append(" [")
            o.append(d.recordTypeName)
            if let name = d.syscallName { o.append(UInt8(ascii: " ")); o.appendEscapedText(Array(name.utf8)) }
            o.append(UInt8(ascii: "]"))
        }
        if event.kind == .exec, let args = p.arguments, !args.isEmpty {
            o.append(" args:")
            for a in args {
                o.append(UInt8(ascii: " "))
                o.appendEscapedText(a.bytes)
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
