// JSON Lines: one object per event, written by hand into the output buffer (no Foundation).
// The schema is documented in the README ("JSON schema").

public final class JSONSink: EventSink {
    public let output: OutputBuffer

    public init(output: OutputBuffer) { self.output = output }

    /// The `"process"` member last written for each pid, with the subject it shows: most events
    /// come from a few processes, and copying those bytes is cheaper than escaping and formatting
    /// them again (measured: the member was half of the sink's instructions per eslogger event).
    /// Bounded: at `processMemoCapacity` pids it starts afresh.
    private var processMemo: [Int32: RenderedProcess] = [:]
    /// A reference: a hit copies neither the subject nor the bytes out of the dictionary.
    final class RenderedProcess {
        let subject: ProcessSubject
        let bytes: [UInt8]
        init(_ subject: ProcessSubject, _ bytes: [UInt8]) { self.subject = subject; self.bytes = bytes }
    }
    static let processMemoCapacity = 256
    /// The `"linux_audit"` member up to its serial as last written, by syscall (or record type)
    /// number: a log repeats a few record types and syscalls (callgrind, 100k-event audit log:
    /// escaping the four strings again was 1,100 Ir of the sink's 2,800 per event).
    private var auditMemo = [RenderedAuditPrefix?](repeating: nil, count: auditMemoSlots)
    static let auditMemoSlots = 32
    final class RenderedAuditPrefix {
        let type: String, arch: String?, syscall: Int64?, name: String?
        let bytes: [UInt8]
        init(_ d: LinuxAuditDetail, _ bytes: [UInt8]) {
            type = d.recordTypeName; arch = d.arch; syscall = d.syscall; name = d.syscallName; self.bytes = bytes
        }
    }

    /// `"key":` then a JSON string of `bytes`; when the bytes are not valid UTF-8, also
    /// `,"key_base64":"…"` with the exact bytes.
    @inline(__always)
    private func field(_ key: StaticString, _ bytes: [UInt8]) {
        let o = output
        o.append(UInt8(ascii: "\""))
        o.append(key)
        o.append("\":")
        if o.appendJSONString(bytes) {
            o.append(",\"")
            o.append(key)
            o.append("_base64\":")
            o.appendBase64String(bytes)
        }
    }

    @inline(__always)
    private func key(_ key: StaticString) {
        output.append(",\"")
        output.append(key)
        output.append("\":")
    }

    @inline(__always)
    private func optionalNumber(_ v: Int64?) {
        if let v { output.appendDecimal(v) } else { output.append("null") }
    }

    public func write(_ event: Event) throws {
        appendObject(event)
        output.append(UInt8(ascii: "\n"))
        if !event.alerts.isEmpty { try output.flush() }
        try output.endOfEvent(time: event.time)
    }

    /// The event's object (no newline); `members` may add members before the closing brace (each
    /// starting with a comma).
    public func appendObject(_ event: Event, members: ((OutputBuffer) -> Void)? = nil) {
        let o = output
        o.append("{\"time\":\"")
        o.appendRFC3339(epochMicroseconds: event.time)
        o.append("\",\"event\":\"")
        o.append(event.kind.staticName)
        o.append("\",\"result\":")
        switch event.result {
        case .success:
            o.append("\"success\",\"errno\":null")
        case .failure(let errno):
            o.append("\"failure\",\"errno\":")
            optionalNumber(errno.map(Int64.init))
        }
        o.append(UInt8(ascii: ","))
        if let path = event.path { field("path", path.bytes) } else { o.append("\"path\":null") }
        if let dest = event.destinationPath {
            o.append(UInt8(ascii: ","))
            field("dest_path", dest.bytes)
        }
        if event.isDirectory { o.append(",\"directory\":true") }
        if event.kind == .open && !event.openFlags.isEmpty {
            o.append(",\"open_flags\":[")
            var first = true
            @inline(__always) func flag(_ f: OpenFlags, _ name: StaticString) {
                guard event.openFlags.contains(f) else { return }
                if !first { o.append(UInt8(ascii: ",")) }
                o.append(name)
                first = false
            }
            flag(.read, "\"read\""); flag(.write, "\"write\""); flag(.create, "\"create\""); flag(.truncate, "\"truncate\"")
            o.append(UInt8(ascii: "]"))
        }
        if let cw = event.closeAfterWrite { o.append(cw ? ",\"close_write\":true" : ",\"close_write\":false") }
        if event.pathTruncated { o.append(",\"path_truncated\":true") }
        writeProcess(event.process)
        o.append(",\"source\":\"")
        switch event.source {
        case .trail: o.append("trail")
        case .auditpipe: o.append("auditpipe")
        case .fanotify: o.append("fanotify")
        case .audit: o.append("audit")
        case .auditLog: o.append("audit_log")
        case .eslogger: o.append("eslogger")
        }
        o.append(UInt8(ascii: "\""))
        switch event.detail {
        case .none: break
        case .bsm(let number, let name, let modifier):
            o.append(",\"bsm_event\":{\"number\":")
            o.appendDecimal(UInt64(number))
            o.append(",\"name\":")
            if let name { o.appendJSONString(name) } else { o.append("null") }
            o.append(",\"modifier\":")
            o.appendDecimal(UInt64(modifier))
            o.append(UInt8(ascii: "}"))
        case .fanotify(let mask):
            o.append(",\"fanotify_mask\":")
            o.appendDecimal(mask)
        case .linuxAudit(let d):
            appendLinuxAudit(d)
        case .endpointSecurity(let es):
            o.appendEndpointSecurity(es)
        }
        if !event.alerts.isEmpty { o.appendAlertMembers(event.alerts) }
        members?(o)
        o.append(UInt8(ascii: "}"))
    }

    private func writeProcess(_ p: ProcessSubject) {
        if let known = processMemo[p.pid], known.subject == p {
            output.append(contentsOf: known.bytes)
            return
        }
        let start = output.count
        formatProcess(p)
        if processMemo.count >= Self.processMemoCapacity, processMemo[p.pid] == nil {
            processMemo.removeAll(keepingCapacity: true)
        }
        processMemo[p.pid] = RenderedProcess(p, Array(UnsafeRawBufferPointer(rebasing: output.storage.bytes[start...])))
    }

    private func formatProcess(_ p: ProcessSubject) {
        let o = output
        o.append(",\"process\":{\"pid\":")
        o.appendDecimal(Int64(p.pid))
        key("ppid"); optionalNumber(p.ppid.map(Int64.init))
        o.append(UInt8(ascii: ","))
        field("name", p.name.bytes)
        if let exe = p.executable {
            o.append(UInt8(ascii: ","))
            field("exe", exe.bytes)
        } else {
            o.append(",\"exe\":null")
        }
        if let interpreter = p.interpreter {
            o.append(UInt8(ascii: ","))
            field("interpreter", interpreter.bytes)
        }
        key("uid"); optionalNumber(p.uid.map(Int64.init))
        key("user")
        if let user = p.user { o.appendJSONString(user) } else { o.append("null") }
        if let euid = p.euid { key("euid"); o.appendDecimal(Int64(euid)) }
        if let auid = p.auid { key("auid"); o.appendDecimal(Int64(auid)) }
        if let v = p.pidVersion { key("pidversion"); o.appendDecimal(Int64(v)) }
        if let v = p.originalPPID { key("original_ppid"); o.appendDecimal(Int64(v)) }
        if let gid = p.gid { key("gid"); o.appendDecimal(Int64(gid)) }
        if let args = p.arguments {
            key("args")
            o.append(UInt8(ascii: "["))
            var lossy = false
            for (i, a) in args.enumerated() {
                if i > 0 { o.append(UInt8(ascii: ",")) }
                if o.appendJSONString(a.bytes) { lossy = true }
            }
            o.append(UInt8(ascii: "]"))
            if lossy {
                key("args_base64")
                o.append(UInt8(ascii: "["))
                for (i, a) in args.enumerated() {
                    if i > 0 { o.append(UInt8(ascii: ",")) }
                    o.appendBase64String(a.bytes)
                }
                o.append(UInt8(ascii: "]"))
            }
        }
        if let s = p.signingID { key("signing_id"); o.appendJSONString(s) }
        if let s = p.teamID { key("team_id"); o.appendJSONString(s) }
        if let h = p.cdhash {
            key("cdhash")
            o.append(UInt8(ascii: "\""))
            o.appendHex(h)
            o.append(UInt8(ascii: "\""))
        }
        o.append(UInt8(ascii: "}"))
    }

    /// `"linux_audit":{"type":"SYSCALL","arch":"x86_64","syscall":2,"syscall_name":"open","serial":293,"key":…}`
    private func appendLinuxAudit(_ d: LinuxAuditDetail) {
        let o = output
        let slot = Int(truncatingIfNeeded: d.syscall ?? Int64(d.recordType)) & (Self.auditMemoSlots - 1)
        if let m = auditMemo[slot], m.type == d.recordTypeName, m.arch == d.arch, m.syscall == d.syscall, m.name == d.syscallName {
            o.append(contentsOf: m.bytes)
        } else {
            let start = o.count
            o.append(",\"linux_audit\":{\"type\":")
            o.appendJSONString(d.recordTypeName)
            if let arch = d.arch { key("arch"); o.appendJSONString(arch) }
            if let n = d.syscall { key("syscall"); o.appendDecimal(n) }
            if let name = d.syscallName { key("syscall_name"); o.appendJSONString(name) }
            auditMemo[slot] = RenderedAuditPrefix(d, Array(UnsafeRawBufferPointer(rebasing: o.storage.bytes[start...])))
        }
        key("serial"); o.appendDecimal(d.serial)
        if let k = d.key { key("key"); o.appendJSONString(k) }
        if let node = d.node { key("node"); o.appendJSONString(node) }
        o.append(UInt8(ascii: "}"))
    }

    public func flush() throws { try output.flush() }
}
