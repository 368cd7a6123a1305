// What an Endpoint Security message says beyond the event model (kept for JSON output and tests).

/// The eslogger message an event came from.
public struct EndpointSecurityDetail: Hashable, Sendable {
    /// The event's name: the single key inside the message's `event` object (`open`, `close`, …).
    /// Names, not `event_type` numbers, which change between macOS releases.
    public var event: String
    /// The message's `version` (4 on macOS 11 … 10 on macOS 26).
    public var version: Int?
    /// `global_seq_num`: counts every message delivered to the eslogger client (gaps are losses).
    public var globalSequence: UInt64?
    /// `seq_num`: counts the messages of this event type.
    public var sequence: UInt64?
    /// fork: the child's pid and pid generation.
    public var childPID: Int32?
    public var childPIDVersion: UInt32?
    /// exit: the wait(2) status (`stat`).
    public var exitStatus: Int32?
    /// exec: the new program's working directory.
    public var cwd: ByteString?

    public init(event: String, version: Int? = nil, globalSequence: UInt64? = nil, sequence: UInt64? = nil) {
        self.event = event; self.version = version; self.globalSequence = globalSequence; self.sequence = sequence
    }
}

extension OutputBuffer {
    /// `,"es_event":{"name":"open","version":9,"global_seq_num":1103,"seq_num":362}` plus, when
    /// known, `"child_pid"`/`"child_pidversion"` (fork), `"exit_status"` (exit), `"cwd"` (exec; with
    /// `"cwd_base64"` when not UTF-8).
    func appendEndpointSecurity(_ es: EndpointSecurityDetail) {
        append(",\"es_event\":{\"name\":")
        appendJSONString(es.event)
        @inline(__always) func number(_ key: StaticString, _ v: Int64?) {
            guard let v else { return }
            append(",\""); append(key); append("\":"); appendDecimal(v)
        }
        number("version", es.version.map(Int64.init))
        if let g = es.globalSequence { append(",\"global_seq_num\":"); appendDecimal(g) }
        if let s = es.sequence { append(",\"seq_num\":"); appendDecimal(s) }
        number("child_pid", es.childPID.map(Int64.init))
        number("child_pidversion", es.childPIDVersion.map(Int64.init))
        number("exit_status", es.exitStatus.map(Int64.init))
        if let cwd = es.cwd {
            append(",\"cwd\":")
            if appendJSONString(cwd.bytes) {
                append(",\"cwd_base64\":")
                appendBase64String(cwd.bytes)
            }
        }
        append(UInt8(ascii: "}"))
    }
}
