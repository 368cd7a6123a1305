// How alerts look in the outputs: a marked line under the event in text, an `alert` object in JSON Lines,
// and one JSON object on the standard input of `--on-alert CMD`.

extension OutputBuffer {
    /// `value` with `digits` decimals (rounded), no Foundation.
    func appendFixed(_ value: Double, digits: Int) {
        guard value.isFinite else { append("null"); return }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        var v = (abs(value) * scale).rounded()
        if value < 0 && v > 0 { append(UInt8(ascii: "-")) }
        if v > 9e15 { v = 9e15 }
        let whole = UInt64(v / scale)
        appendDecimal(whole)
        guard digits > 0 else { return }
        append(UInt8(ascii: "."))
        let frac = Int(v - Double(whole) * scale)
        appendPadded(frac, width: digits)
    }

    @inline(__always)
    private func jsonField(_ key: StaticString, _ bytes: [UInt8]) {
        append(UInt8(ascii: "\"")); append(key); append("\":")
        if appendJSONString(bytes) {
            append(",\""); append(key); append("_base64\":")
            appendBase64String(bytes)
        }
    }

    /// One alert as a JSON object (no newline). Same byte-string convention as the event objects: invalid UTF-8
    /// becomes U+FFFD and the exact bytes follow in `<key>_base64`.
    public func appendAlertJSON(_ a: Alert) {
        append("{\"type\":\"")
        append(a.origin.type)
        append("\"")
        if case .rule(let name) = a.origin { append(",\"rule\":"); appendJSONString(name) }
        append(",\"severity\":\""); append(a.severity.rawValue)
        append("\",\"time\":\""); appendRFC3339(epochMicroseconds: a.time)
        append("\",\"event\":\""); append(a.eventKind.staticName)
        append("\",")
        if let p = a.path { jsonField("path", p.bytes) } else { append("\"path\":null") }
        if let d = a.destinationPath { append(UInt8(ascii: ",")); jsonField("dest_path", d.bytes) }
        append(",\"process\":{\"pid\":"); appendDecimal(Int64(a.process.pid))
        append(",\"ppid\":")
        if let ppid = a.process.ppid { appendDecimal(Int64(ppid)) } else { append("null") }
        append(UInt8(ascii: ",")); jsonField("name", a.process.name.bytes)
        if let exe = a.process.executable { append(UInt8(ascii: ",")); jsonField("exe", exe.bytes) } else { append(",\"exe\":null") }
        append(",\"uid\":")
        if let uid = a.process.uid { appendDecimal(Int64(uid)) } else { append("null") }
        append(",\"user\":")
        if let user = a.process.user { appendJSONString(user) } else { append("null") }
        append("},\"reason\":"); appendJSONString(a.reason)
        if !a.evidence.isEmpty {
            append(",\"evidence\":[")
            for (i, f) in a.evidence.enumerated() {
                if i > 0 { append(UInt8(ascii: ",")) }
                append("{\"time\":\""); appendRFC3339(epochMicroseconds: f.time)
                append("\",\"check\":\""); append(f.reason.label); append("\",")
                jsonField("path", f.path.bytes)
                if let pid = f.pid { append(",\"pid\":"); appendDecimal(Int64(pid)) }
                switch f.reason {
                case .encryptedContent(let entropy, let piError):
                    append(",\"entropy\":"); appendFixed(entropy, digits: 4)
                    append(",\"pi_error_percent\":"); appendFixed(piError, digits: 3)
                case .renamedExtension(let from, let to):
                    append(UInt8(ascii: ",")); jsonField("from_extension", from.bytes)
                    append(UInt8(ascii: ",")); jsonField("to_extension", to.bytes)
                case .replacedByRename(let from):
                    if let from { append(UInt8(ascii: ",")); jsonField("replaced_by", from.bytes) }
                case .deletedAfterRead:
                    break
                }
                append(UInt8(ascii: "}"))
            }
            append(UInt8(ascii: "]"))
        }
        if a.offenderTree { append(",\"process_tree\":true") }
        if !a.stopped.isEmpty {
            append(",\"stopped\":[")
            for (i, p) in a.stopped.enumerated() {
                if i > 0 { append(UInt8(ascii: ",")) }
                appendDecimal(Int64(p.pid))
            }
            append(UInt8(ascii: "]"))
        }
        append(",\"responses\":[")
        for (i, r) in a.responses.enumerated() {
            if i > 0 { append(UInt8(ascii: ",")) }
            appendJSONString(r)
        }
        append("]}")
    }

    /// The `alert` member of an event object (leading comma included): the most severe alert as `alert`, and
    /// when the event raised several, all of them as `alerts`.
    public func appendAlertMembers(_ alerts: [Alert]) {
        guard let top = alerts.max(by: { $0.severity < $1.severity }) else { return }
        append(",\"alert\":")
        appendAlertJSON(top)
        if alerts.count > 1 {
            append(",\"alerts\":[")
            for (i, a) in alerts.enumerated() {
                if i > 0 { append(UInt8(ascii: ",")) }
                appendAlertJSON(a)
            }
            append(UInt8(ascii: "]"))
        }
    }

    /// Text lines under the event line, one per alert:
    /// `  !! ALERT [high] rule ssh-keys: <reason> [stopped pid …]`
    public func appendAlertLines(_ alerts: [Alert], color: Bool) {
        for a in alerts {
            append("  ")
            if color { append(a.severity >= .high ? "\u{1B}[1;31m" : "\u{1B}[1;33m") }
            append("!! ALERT [")
            append(a.severity.rawValue)
            append("] ")
            if case .rule(let name) = a.origin {
                append("rule ")
                var n = name
                n.withUTF8 { appendEscapedText($0) }
            } else {
                append("ransomware")
            }
            if color { append("\u{1B}[0m") }
            append(": ")
            var reason = a.reason
            reason.withUTF8 { appendEscapedText($0) }
            for r in a.responses {
                append(" [")
                var t = r
                t.withUTF8 { appendEscapedText($0) }
                append(UInt8(ascii: "]"))
            }
            append(UInt8(ascii: "\n"))
            if !a.evidence.isEmpty {
                for f in a.evidence {
                    append("       ")
                    append(f.reason.label)
                    append(": ")
                    appendEscapedText(f.path.bytes)
                    switch f.reason {
                    case .encryptedContent(let e, let pi):
                        append(" (entropy "); appendFixed(e, digits: 3)
                        append(", pi error "); appendFixed(pi, digits: 2); append("%)")
                    case .renamedExtension(let from, let to):
                        append(" (")
                        if from.isEmpty { append("no extension") } else { append(UInt8(ascii: ".")); appendEscapedText(from.bytes) }
                        append(" -> .")
                        appendEscapedText(to.bytes)
                        append(UInt8(ascii: ")"))
                    case .replacedByRename(let from):
                        if let from { append(" (by renaming "); appendEscapedText(from.bytes); append(" over it)") }
                    case .deletedAfterRead:
                        break
                    }
                    if a.offenderTree, let pid = f.pid { append(" [pid "); appendDecimal(Int64(pid)); append(UInt8(ascii: "]")) }
                    append(UInt8(ascii: "\n"))
                }
            }
        }
    }
}

extension Alert {
    /// The alert as one JSON object followed by a newline (what `--on-alert CMD` reads on stdin).
    public var jsonLine: [UInt8] {
        let out = OutputBuffer(writer: MemoryWriter(), lineBuffered: false, threshold: 0)
        out.appendAlertJSON(self)
        out.append(UInt8(ascii: "\n"))
        return out.bytes
    }
}

/// Shows alerts as text lines somewhere else than the event output (standard error), for outputs that cannot
/// carry them (`--format bsm`).
public final class AlertTextPrinter: AlertResponder {
    private let write: (String) -> Void
    public init(write: @escaping (String) -> Void) { self.write = write }
    /// Put it last among the responders: the line then includes what the others did.
    public func respond(to alert: inout Alert) {
        let out = OutputBuffer(writer: MemoryWriter(), lineBuffered: false, threshold: 0)
        out.appendAlertLines([alert], color: false)
        write(String(decoding: out.bytes, as: UTF8.self))
    }
}
