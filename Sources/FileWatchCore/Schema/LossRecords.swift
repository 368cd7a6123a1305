// Loss records in each schema (a full spool dropped its oldest unsent events), and filewatcher's
// own JSON as a shipping schema.

extension ECSSchema {
    /// `event.kind: event`, `event.category: [host]`, `event.type: [info]`, `event.action:
    /// events-lost`, `message`, and the numbers in `filewatcher.loss`.
    public func appendLossRecord(_ loss: LossRecord, sequence: UInt64, time: Int64, to out: OutputBuffer) {
        var w = RecordWriter(out)
        w.beginRecord()
        w.key("@timestamp")
        out.append(UInt8(ascii: "\"")); out.appendRFC3339(epochMicroseconds: time); out.append(UInt8(ascii: "\""))
        w.open("ecs"); w.literal("version", Self.ecsVersion); w.close()
        w.open("event")
        w.literal("kind", "event")
        w.literals("category", ["host"])
        w.literals("type", ["info"])
        w.literal("action", "events-lost")
        w.literal("outcome", "failure")
        w.string("id", identity.recordID(sequence: sequence) + "-loss")
        w.unsigned("sequence", sequence)
        w.literal("module", "filewatcher")
        w.close()
        w.string("message", loss.sentence)
        w.open("host")
        w.string("name", identity.hostName)
        if let id = identity.hostID { w.string("id", id) }
        w.close()
        w.open("agent"); w.literal("type", "filewatcher"); w.string("version", FileWatcherVersion.current)
        w.string("ephemeral_id", identity.runID); w.close()
        w.open("filewatcher")
        loss.appendMembers(&w)
        w.close()
        w.endRecord()
    }
}

extension OCSFSchema {
    /// Event Log Activity (1008), activity 99 "Events Lost", with the numbers in `unmapped.filewatcher.loss`.
    public func appendLossRecord(_ loss: LossRecord, sequence: UInt64, time: Int64, to out: OutputBuffer) {
        var w = RecordWriter(out)
        w.beginRecord()
        w.number("class_uid", 1008)
        w.literal("class_name", "Event Log Activity")
        w.number("category_uid", 1)
        w.literal("category_name", "System Activity")
        w.number("activity_id", 99)
        w.literal("activity_name", "Events Lost")
        w.number("type_uid", 100899)
        w.literal("type_name", "Event Log Activity: Other")
        w.number("time", time / 1000)
        w.number("severity_id", 3)
        w.literal("severity", "Medium")
        w.number("status_id", 2)
        w.literal("status", "Failure")
        w.string("message", loss.sentence)
        w.number("count", Int64(clamping: loss.count))
        if let t = loss.firstTime { w.number("start_time", t / 1000) }
        if let t = loss.lastTime { w.number("end_time", t / 1000) }
        w.open("metadata")
        w.literal("version", Self.ocsfVersion)
        w.open("product"); w.literal("name", "filewatcher"); w.literal("vendor_name", "filewatcher")
        w.string("version", FileWatcherVersion.current); w.close()
        w.string("uid", identity.recordID(sequence: sequence) + "-loss")
        w.unsigned("sequence", sequence)
        w.close()
        w.open("device")
        w.number("type_id", 0); w.literal("type", "Unknown")
        w.string("hostname", identity.hostName)
        if let id = identity.hostID { w.string("uid", id) }
        w.close()
        w.open("actor"); w.open("process"); w.literal("name", "filewatcher"); w.close(); w.close()
        w.open("unmapped"); w.open("filewatcher"); loss.appendMembers(&w); w.close(); w.close()
        w.endRecord()
    }
}

extension LossRecord {
    /// `12 events lost (sequences 5–16, …): spool full`.
    public var sentence: String {
        "\(count) events lost (sequences \(firstSequence)-\(lastSequence)): \(reason)"
    }

    func appendMembers(_ w: inout RecordWriter) {
        w.open("loss")
        w.unsigned("count", count)
        w.unsigned("first_sequence", firstSequence)
        w.unsigned("last_sequence", lastSequence)
        for (key, t) in [("first_time", firstTime), ("last_time", lastTime)] as [(StaticString, Int64?)] {
            guard let t else { continue }
            w.key(key)
            w.out.append(UInt8(ascii: "\"")); w.out.appendRFC3339(epochMicroseconds: t); w.out.append(UInt8(ascii: "\""))
        }
        w.string("reason", reason)
        w.close()
    }
}

/// filewatcher's own JSON object (`--format json`) with `id`, `sequence` and `host` added.
public struct NativeJSONSchema: RecordSchema {
    public let identity: RecordIdentity
    public init(identity: RecordIdentity) { self.identity = identity }

    public func recordCount(for event: Event) -> Int { 1 }

    public func appendRecord(_ index: Int, of event: Event, sequence: UInt64, to out: OutputBuffer) {
        JSONSink(output: out).appendObject(event) { o in
            o.append(",\"id\":"); o.appendJSONString(identity.recordID(sequence: sequence))
            o.append(",\"sequence\":"); o.appendDecimal(sequence)
            o.append(",\"host\":"); o.appendJSONString(identity.hostName)
        }
    }

    public func appendLossRecord(_ loss: LossRecord, sequence: UInt64, time: Int64, to out: OutputBuffer) {
        var w = RecordWriter(out)
        w.beginRecord()
        w.key("time")
        out.append(UInt8(ascii: "\"")); out.appendRFC3339(epochMicroseconds: time); out.append(UInt8(ascii: "\""))
        w.literal("event", "loss")
        w.string("id", identity.recordID(sequence: sequence) + "-loss")
        w.unsigned("sequence", sequence)
        w.string("host", identity.hostName)
        w.string("message", loss.sentence)
        loss.appendMembers(&w)
        w.endRecord()
    }
}
