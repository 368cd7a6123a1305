// Elastic Common Schema 8.x: one record per event, as auditbeat and Elastic's endpoint write them.
// The mapping per event kind is documented in the README ("ECS and OCSF"). Renames and links are
// recorded as Elastic's endpoint records a rename: `file.*` is the new name, `file.Ext.original.*`
// the old one. What ECS has no field for is under `filewatcher.*`.

public struct ECSSchema: RecordSchema {
    public static let ecsVersion: StaticString = "8.11.0"
    public let identity: RecordIdentity
    private let constants: RecordConstants
    /// `"host":{…},"agent":{…}`: the same in every record, written once.
    private let hostAndAgent: [UInt8]

    public init(identity: RecordIdentity) {
        self.identity = identity
        constants = RecordConstants(identity)
        let o = OutputBuffer(writer: MemoryWriter(), lineBuffered: false, threshold: 1 << 20)
        var w = RecordWriter(o)
        w.open("host")
        w.string("name", identity.hostName)
        w.string("hostname", identity.hostName)
        if let id = identity.hostID { w.string("id", id) }
        w.close()
        w.open("agent")
        w.literal("type", "filewatcher")
        w.literal("name", "filewatcher")
        w.string("version", FileWatcherVersion.current)
        w.string("ephemeral_id", identity.runID)
        w.close()
        hostAndAgent = o.takeBytes()
    }

    public func recordCount(for event: Event) -> Int { 1 }

    public func appendRecord(_ index: Int, of event: Event, sequence: UInt64, to out: OutputBuffer) {
        var w = RecordWriter(out)
        w.beginRecord()
        w.key("@timestamp")
        out.append(UInt8(ascii: "\""))
        out.appendRFC3339(epochMicroseconds: event.time)
        out.append(UInt8(ascii: "\""))
        w.open("ecs"); w.literal("version", Self.ecsVersion); w.close()
        let top = event.alerts.max(by: { $0.severity < $1.severity })
        appendEventObject(&w, event, sequence: sequence, alert: top)
        appendFile(&w, event)
        appendProcess(&w, event.process)
        if event.process.uid != nil || event.process.user != nil {
            w.open("user")
            if let uid = event.process.uid { w.numberString("id", Int64(uid)) }
            if let name = event.process.user { w.string("name", name) }
            w.close()
        }
        w.members(hostAndAgent)
        if case .failure(let errno) = event.result, let errno {
            w.open("error")
            if let name = constants.errnoName(errno, identity) { w.json("code", name) } else { w.numberString("code", Int64(errno)) }
            if let message = constants.errnoMessage(errno, identity) { w.json("message", message) }
            w.close()
        }
        if let top {
            w.open("rule")
            w.string("name", top.origin.name)
            w.string("description", top.reason)
            w.literal("category", top.origin == .ransomware ? "ransomware" : "watch rule")
            w.close()
        }
        appendFileWatcher(&w, event)
        w.endRecord()
    }

    private func appendEventObject(_ w: inout RecordWriter, _ event: Event, sequence: UInt64, alert: Alert?) {
        w.open("event")
        w.literal("kind", alert == nil ? "event" : "alert")
        let m = Self.mapping(event.kind)
        w.literals("category", m.category)
        w.literals("type", m.type)
        w.literal("action", m.action)
        w.literal("outcome", event.result.succeeded ? "success" : "failure")
        w.key("id")
        constants.appendID(sequence: sequence, to: w.out)
        w.unsigned("sequence", sequence)
        w.literal("module", "filewatcher")
        w.literal("dataset", (event.kind == .exec || event.kind == .exit) ? "filewatcher.process" : "filewatcher.file")
        if let alert {
            let score = Self.score(alert.severity)
            w.number("severity", score)
            w.number("risk_score", score)
        }
        w.close()
    }

    private func appendFile(_ w: inout RecordWriter, _ event: Event) {
        // Rename/link: the file as it is named now; its old name in file.Ext.original (Elastic endpoint).
        let current = event.destinationPath ?? event.path
        guard let current else { return }
        w.open("file")
        let (dir, name) = splitPathRanges(current.bytes)
        w.bytes("path", current.bytes)
        w.bytes("name", current.bytes[name])
        if let dir { w.bytes("directory", current.bytes[dir]) }
        if event.isDirectory { w.literal("type", "dir") }
        if event.destinationPath != nil, let original = event.path {
            w.open("Ext")
            w.open("original")
            w.bytes("path", original.bytes)
            w.bytes("name", original.bytes[splitPathRanges(original.bytes).name])
            w.close()
            w.close()
        }
        w.close()
    }

    private func appendProcess(_ w: inout RecordWriter, _ p: ProcessSubject) {
        w.open("process")
        w.number("pid", Int64(p.pid))
        if !p.name.isEmpty { w.bytes("name", p.name.bytes) }
        if let exe = p.executable { w.bytes("executable", exe.bytes) }
        if let args = p.arguments {
            w.bytesArray("args", args)
            w.number("args_count", Int64(args.count))
        }
        if let ppid = p.ppid { w.open("parent"); w.number("pid", Int64(ppid)); w.close() }
        if let euid = p.euid { w.open("user"); w.numberString("id", Int64(euid)); w.close() }
        if let uid = p.uid {
            w.open("real_user"); w.numberString("id", Int64(uid))
            if let name = p.user { w.string("name", name) }
            w.close()
        }
        if let gid = p.gid { w.open("real_group"); w.numberString("id", Int64(gid)); w.close() }
        if p.signingID != nil || p.teamID != nil {
            w.open("code_signature")
            if let s = p.signingID { w.string("signing_id", s) }
            if let t = p.teamID { w.string("team_id", t) }
            w.close()
        }
        if let start = p.startTime {
            w.key("start")
            w.out.append(UInt8(ascii: "\""))
            w.out.appendRFC3339(epochMicroseconds: start)
            w.out.append(UInt8(ascii: "\""))
        }
        w.close()
    }

    private func appendFileWatcher(_ w: inout RecordWriter, _ event: Event) {
        w.open("filewatcher")
        w.literal("event", event.kind.staticName)
        w.literal("source", event.source.staticName)
        if case .failure(let errno) = event.result, let errno { w.number("errno", Int64(errno)) }
        if event.kind == .open, !event.openFlags.isEmpty { w.literals("open_flags", event.openFlags.names) }
        if let cw = event.closeAfterWrite { w.bool("close_write", cw) }
        if event.process.auid != nil || event.process.cdhash != nil {
            w.open("process")
            if let auid = event.process.auid { w.number("auid", Int64(auid)) }
            if let h = event.process.cdhash {
                w.key("cdhash")
                w.out.append(UInt8(ascii: "\"")); w.out.appendHex(h); w.out.append(UInt8(ascii: "\""))
            }
            w.close()
        }
        event.detail.appendMembers(&w)
        if !event.alerts.isEmpty {
            w.value("alerts") { o in
                o.append(UInt8(ascii: "["))
                for (i, a) in event.alerts.enumerated() {
                    if i > 0 { o.append(UInt8(ascii: ",")) }
                    o.appendAlertJSON(a)
                }
                o.append(UInt8(ascii: "]"))
            }
        }
        w.exactBytesMember()
        w.close()
    }

    /// ECS `event.severity` / `event.risk_score` of an alert: the risk scores Elastic's detection
    /// rules use for each severity (21, 47, 73, 99).
    public static func score(_ s: AlertSeverity) -> Int64 {
        switch s { case .low: 21; case .medium: 47; case .high: 73; case .critical: 99 }
    }

    /// `event.category`, `event.type` and `event.action` of a kind.
    public static func mapping(_ kind: EventKind) -> (category: StaticString, type: StaticString, action: StaticString) {
        switch kind {
        case .open: ("file", "access", "open")
        case .read: ("file", "access", "read")
        case .write: ("file", "change", "modification")
        case .close: ("file", "access", "close")
        case .create: ("file", "creation", "creation")
        case .delete: ("file", "deletion", "deletion")
        case .rename: ("file", "change", "rename")
        case .link: ("file", "creation", "link")
        case .attrib: ("file", "change", "attributes_modified")
        case .stat: ("file", "info", "stat")
        case .exec: ("process", "start", "exec")
        case .exit: ("process", "end", "end")
        case .other: ("file", "info", "other")
        }
    }
}

extension SourceKind {
    var staticName: StaticString {
        switch self { case .trail: "trail"; case .auditpipe: "auditpipe"; case .fanotify: "fanotify"; case .eslogger: "eslogger"
        case .audit: "audit"; case .auditLog: "audit_log" }
    }
}

extension OpenFlags {
    /// `read`, `write`, `create`, `truncate` (those set).
    var names: [StaticString] {
        var n: [StaticString] = []
        if contains(.read) { n.append("read") }
        if contains(.write) { n.append("write") }
        if contains(.create) { n.append("create") }
        if contains(.truncate) { n.append("truncate") }
        return n
    }
}

extension SourceDetail {
    /// `bsm_event` / `fanotify_mask`, as in the native JSON.
    func appendMembers(_ w: inout RecordWriter) {
        switch self {
        case .none: break
        case .bsm(let number, let name, let modifier):
            w.open("bsm_event")
            w.number("number", Int64(number))
            if let name { w.string("name", name) }
            w.number("modifier", Int64(modifier))
            w.close()
        case .fanotify(let mask):
            w.unsigned("fanotify_mask", mask)
        case .endpointSecurity(let es):
            // `es_event`, as in the native JSON: the message's event name and sequence numbers.
            w.open("es_event")
            w.string("name", es.event)
            if let v = es.version { w.number("version", Int64(v)) }
            if let g = es.globalSequence { w.unsigned("global_seq_num", g) }
            if let q = es.sequence { w.unsigned("seq_num", q) }
            w.close()
        case .linuxAudit(let d):
            // `linux_audit`, as in the native JSON.
            w.open("linux_audit")
            w.string("type", d.recordTypeName)
            if let arch = d.arch { w.string("arch", arch) }
            if let n = d.syscall { w.number("syscall", n) }
            if let name = d.syscallName { w.string("syscall_name", name) }
            w.unsigned("serial", d.serial)
            if let k = d.key { w.string("key", k) }
            if let node = d.node { w.string("node", node) }
            w.close()
        }
    }
}
