// OCSF 1.x (1.5.0): file events as File System Activity (1001), exec/exit as Process Activity (1007),
// each alert as a Detection Finding (2004) after its event's record. The mapping per event kind is
// documented in the README ("ECS and OCSF"); what OCSF has no attribute for is under `unmapped`.

public struct OCSFSchema: RecordSchema {
    public static let ocsfVersion: StaticString = "1.5.0"
    public let identity: RecordIdentity

    private let constants: RecordConstants

    public init(identity: RecordIdentity) {
        self.identity = identity
        constants = RecordConstants(identity)
    }

    public func recordCount(for event: Event) -> Int { 1 + event.alerts.count }

    public func appendRecord(_ index: Int, of event: Event, sequence: UInt64, to out: OutputBuffer) {
        var w = RecordWriter(out)
        w.beginRecord()
        if index == 0 {
            appendActivity(&w, event, sequence: sequence)
        } else {
            appendFinding(&w, event.alerts[index - 1], of: event, sequence: sequence,
                          activitySequence: sequence - UInt64(index))
        }
        w.endRecord()
    }

    /// activity_id and activity_name of a kind within its class (1001 or 1007).
    public static func activity(_ kind: EventKind) -> (classUID: Int64, id: Int64, name: StaticString) {
        switch kind {
        case .create: (1001, 1, "Create")
        case .read: (1001, 2, "Read")
        case .write: (1001, 3, "Update")
        case .delete: (1001, 4, "Delete")
        case .rename: (1001, 5, "Rename")
        case .attrib: (1001, 6, "Set Attributes")
        case .stat: (1001, 8, "Get Attributes")
        case .open: (1001, 14, "Open")
        case .close: (1001, 99, "Close")
        case .link: (1001, 99, "Link")
        case .other: (1001, 99, "Other")
        case .exec: (1007, 1, "Launch")
        case .exit: (1007, 2, "Terminate")
        }
    }

    // MARK: File System Activity / Process Activity

    private func appendActivity(_ w: inout RecordWriter, _ event: Event, sequence: UInt64) {
        let a = Self.activity(event.kind)
        let isProcess = a.classUID == 1007
        w.number("class_uid", a.classUID)
        w.literal("class_name", isProcess ? "Process Activity" : "File System Activity")
        w.number("category_uid", 1)
        w.literal("category_name", "System Activity")
        w.number("activity_id", a.id)
        w.literal("activity_name", a.name)
        w.number("type_uid", a.classUID * 100 + a.id)
        w.key("type_name")
        w.out.append(isProcess ? "\"Process Activity: " : "\"File System Activity: ")
        w.out.append(a.name)
        w.out.append(UInt8(ascii: "\""))
        w.number("time", event.time / 1000)
        w.number("severity_id", 1)
        w.literal("severity", "Informational")
        appendStatus(&w, event.result)
        appendMetadata(&w, sequence: sequence, source: event.source)
        appendDevice(&w)
        let p = event.process
        if isProcess {
            // The process that started (exec: its new image) or ended; the actor is its parent.
            w.open("process")
            appendProcessMembers(&w, p, executable: event.path ?? p.executable)
            w.close()
            w.open("actor")
            if let ppid = p.ppid { w.open("process"); w.number("pid", Int64(ppid)); w.close() }
            appendUser(&w, p)
            w.close()
            if let path = event.path {
                w.open("unmapped"); w.open("filewatcher"); w.bytes("path", path.bytes); w.close(); w.close()
            }
            appendUnmapped(&w, event)
            return
        }
        w.open("actor")
        w.open("process")
        appendProcessMembers(&w, p, executable: p.executable)
        w.close()
        appendUser(&w, p)
        w.close()
        // Rename/link: `file` is the old name, `file_result` the new one.
        w.open("file")
        appendFileMembers(&w, event.path, directory: event.isDirectory)
        w.close()
        if let dest = event.destinationPath {
            w.open("file_result")
            appendFileMembers(&w, dest, directory: event.isDirectory)
            w.close()
        }
        appendUnmapped(&w, event)
    }

    private func appendStatus(_ w: inout RecordWriter, _ result: EventResult) {
        switch result {
        case .success:
            w.number("status_id", 1)
            w.literal("status", "Success")
        case .failure(let errno):
            w.number("status_id", 2)
            w.literal("status", "Failure")
            if let errno {
                if let name = constants.errnoName(errno, identity) { w.json("status_code", name) }
                if let message = constants.errnoMessage(errno, identity) { w.json("status_detail", message) }
            }
        }
    }

    private func appendMetadata(_ w: inout RecordWriter, sequence: UInt64, source: SourceKind?) {
        w.open("metadata")
        w.literal("version", Self.ocsfVersion)
        w.open("product")
        w.literal("name", "filewatcher")
        w.literal("vendor_name", "filewatcher")
        w.string("version", FileWatcherVersion.current)
        w.close()
        w.key("uid")
        constants.appendID(sequence: sequence, to: w.out)
        w.unsigned("sequence", sequence)
        if let source { w.literal("log_name", source.staticName) }
        w.close()
    }

    private func appendDevice(_ w: inout RecordWriter) {
        w.open("device")
        w.number("type_id", 0)
        w.literal("type", "Unknown")
        w.string("hostname", identity.hostName)
        w.string("name", identity.hostName)
        if let id = identity.hostID { w.string("uid", id) }
        w.close()
    }

    private func appendProcessMembers(_ w: inout RecordWriter, _ p: ProcessSubject, executable: ByteString?) {
        w.number("pid", Int64(p.pid))
        if !p.name.isEmpty { w.bytes("name", p.name.bytes) }
        if let args = p.arguments { w.joined("cmd_line", args) }
        if let exe = executable {
            w.open("file")
            appendFileMembers(&w, exe, directory: false, regular: true)
            w.close()
        }
        if let ppid = p.ppid { w.open("parent_process"); w.number("pid", Int64(ppid)); w.close() }
        if let start = p.startTime { w.number("created_time", start / 1000) }
        if p.uid != nil || p.user != nil {
            w.open("user"); appendUserMembers(&w, p); w.close()
        }
    }

    private func appendUser(_ w: inout RecordWriter, _ p: ProcessSubject) {
        guard p.uid != nil || p.user != nil else { return }
        w.open("user"); appendUserMembers(&w, p); w.close()
    }

    private func appendUserMembers(_ w: inout RecordWriter, _ p: ProcessSubject) {
        if let uid = p.uid { w.numberString("uid", Int64(uid)) }
        if let name = p.user { w.string("name", name) }
    }

    /// `name` (required; empty when the path is unknown), `path`, `parent_folder`, `type_id` (required).
    private func appendFileMembers(_ w: inout RecordWriter, _ path: ByteString?, directory: Bool, regular: Bool = false) {
        if let path {
            let (dir, name) = splitPath(path.bytes)
            w.bytes("name", name)
            w.bytes("path", path.bytes)
            if let dir { w.bytes("parent_folder", dir) }
        } else {
            w.literal("name", "")
        }
        if directory {
            w.number("type_id", 2); w.literal("type", "Folder")
        } else if regular {
            w.number("type_id", 1); w.literal("type", "Regular File")
        } else {
            w.number("type_id", 0); w.literal("type", "Unknown")
        }
    }

    /// `unmapped.filewatcher`: what OCSF has no attribute for, and the exact bytes of names that are not UTF-8.
    private func appendUnmapped(_ w: inout RecordWriter, _ event: Event) {
        let p = event.process
        w.open("unmapped")
        w.open("filewatcher")
        w.literal("event", event.kind.staticName)
        w.number("time_us", event.time)
        if case .failure(let errno) = event.result, let errno { w.number("errno", Int64(errno)) }
        if event.kind == .open, !event.openFlags.isEmpty { w.literals("open_flags", event.openFlags.names) }
        if let cw = event.closeAfterWrite { w.bool("close_write", cw) }
        if let euid = p.euid { w.number("euid", Int64(euid)) }
        if let auid = p.auid { w.number("auid", Int64(auid)) }
        if let gid = p.gid { w.number("gid", Int64(gid)) }
        if let s = p.signingID { w.string("signing_id", s) }
        if let t = p.teamID { w.string("team_id", t) }
        if let h = p.cdhash {
            w.key("cdhash")
            w.out.append(UInt8(ascii: "\"")); w.out.appendHex(h); w.out.append(UInt8(ascii: "\""))
        }
        event.detail.appendMembers(&w)
        w.exactBytesMember()
        w.close()
        w.close()
    }

    // MARK: Detection Finding

    private func appendFinding(_ w: inout RecordWriter, _ alert: Alert, of event: Event, sequence: UInt64,
                               activitySequence: UInt64) {
        w.number("class_uid", 2004)
        w.literal("class_name", "Detection Finding")
        w.number("category_uid", 2)
        w.literal("category_name", "Findings")
        w.number("activity_id", 1)
        w.literal("activity_name", "Create")
        w.number("type_uid", 200401)
        w.literal("type_name", "Detection Finding: Create")
        w.number("time", alert.time / 1000)
        let sev = Self.severity(alert.severity)
        w.number("severity_id", sev.id)
        w.literal("severity", sev.name)
        w.number("status_id", 1)
        w.literal("status", "New")
        w.bool("is_alert", true)
        w.string("message", alert.reason)
        appendMetadata(&w, sequence: sequence, source: event.source)
        appendDevice(&w)
        let id = identity.recordID(sequence: sequence)
        w.open("finding_info")
        w.string("uid", id)
        w.string("title", alert.origin == .ransomware ? "Ransomware behaviour" : "Watch rule \(alert.origin.name)")
        w.string("desc", alert.reason)
        w.key("types")
        w.out.append(UInt8(ascii: "["))
        w.out.appendJSONString(alert.origin.type)
        w.out.append(UInt8(ascii: "]"))
        w.number("created_time", alert.time / 1000)
        w.open("analytic")
        w.string("name", alert.origin.name)
        w.string("uid", alert.origin == .ransomware ? "filewatcher.ransomware" : "filewatcher.rule.\(alert.origin.name)")
        w.number("type_id", 1)
        w.literal("type", "Rule")
        w.close()
        w.key("related_events")
        w.out.append("[{\"uid\":")
        w.out.appendJSONString(identity.recordID(sequence: activitySequence))
        w.out.append("}]")
        w.close()
        w.key("evidences")
        w.out.append(UInt8(ascii: "["))
        var e = RecordWriter(w.out)
        e.beginRecord()
        e.open("actor")
        e.open("process")
        appendProcessMembers(&e, alert.process, executable: alert.process.executable)
        e.close()
        appendUser(&e, alert.process)
        e.close()
        if alert.path != nil {
            e.open("file")
            appendFileMembers(&e, alert.destinationPath ?? alert.path, directory: false)
            e.close()
        }
        e.endRecord()
        w.out.append(UInt8(ascii: "]"))
        w.open("unmapped")
        w.open("filewatcher")
        w.value("alert") { $0.appendAlertJSON(alert) }
        w.adopt(e.exact, prefix: "evidences.0.")
        w.exactBytesMember()
        w.close()
        w.close()
    }

    /// OCSF severity of an alert.
    public static func severity(_ s: AlertSeverity) -> (id: Int64, name: StaticString) {
        switch s {
        case .low: (2, "Low")
        case .medium: (3, "Medium")
        case .high: (4, "High")
        case .critical: (5, "Critical")
        }
    }
}
