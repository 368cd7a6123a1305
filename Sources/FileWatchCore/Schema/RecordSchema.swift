// The standard schemas collectors read (ECS, OCSF): what every record carries to identify itself,
// and the sink that writes them as JSON Lines (`--format ecs|ocsf`). Shipping uses the same schemas
// for the messages it sends.

/// Who writes the records: the facts every record carries (filled in by EventSources from the host).
public struct RecordIdentity: Sendable, Equatable {
    /// The host's name (`host.name`, OCSF `device.hostname`).
    public var hostName: String
    /// A stable id of the host (`/etc/machine-id` on Linux); nil when the host has none.
    public var hostID: String?
    /// A random id of this run (hex), part of every `event.id`.
    public var runID: String
    /// Host errno → its symbolic name (`ENOENT`), nil when unknown.
    public var errnoName: @Sendable (Int32) -> String?
    /// Host errno → its message (strerror), nil when unknown.
    public var errnoMessage: @Sendable (Int32) -> String?

    public init(hostName: String, hostID: String?, runID: String,
                errnoName: @escaping @Sendable (Int32) -> String? = { _ in nil },
                errnoMessage: @escaping @Sendable (Int32) -> String? = { _ in nil }) {
        self.hostName = hostName; self.hostID = hostID; self.runID = runID
        self.errnoName = errnoName; self.errnoMessage = errnoMessage
    }

    public static func == (a: RecordIdentity, b: RecordIdentity) -> Bool {
        a.hostName == b.hostName && a.hostID == b.hostID && a.runID == b.runID
    }

    /// `event.id` of the record numbered `sequence`: host id (or name), run id and sequence, so ids are
    /// unique across hosts, runs and restarts.
    public func recordID(sequence: UInt64) -> String {
        "\(hostID ?? hostName)-\(runID)-\(sequence)"
    }
}

/// The fixed parts of every record of a schema, escaped once when the schema is made instead of for
/// every record (measured: building `event.id` as a String and escaping the host's names and the
/// errno texts per record was a fifth of ECS's cost).
struct RecordConstants: Sendable {
    /// `"HOSTID-RUNID-` (the JSON string of `recordID` up to the sequence, no closing quote).
    let idPrefix: [UInt8]
    /// Per errno below `errnoCount`: its name (nil when unknown) and message, as JSON strings.
    let errnoNames: [[UInt8]?]
    let errnoMessages: [[UInt8]?]
    static let errnoCount: Int32 = 256

    init(_ identity: RecordIdentity) {
        idPrefix = Array(Self.json("\(identity.hostID ?? identity.hostName)-\(identity.runID)-").dropLast())
        errnoNames = (0..<Self.errnoCount).map { identity.errnoName($0).map(Self.json) }
        errnoMessages = (0..<Self.errnoCount).map { identity.errnoMessage($0).map(Self.json) }
    }

    static func json(_ s: String) -> [UInt8] {
        let o = OutputBuffer(writer: MemoryWriter(), lineBuffered: false, threshold: 1 << 20)
        o.appendJSONString(s)
        return o.takeBytes()
    }

    /// `identity.errnoName(e)` as a JSON string.
    func errnoName(_ e: Int32, _ identity: RecordIdentity) -> [UInt8]? {
        e >= 0 && e < Self.errnoCount ? errnoNames[Int(e)] : identity.errnoName(e).map(Self.json)
    }

    /// `identity.errnoMessage(e)` as a JSON string.
    func errnoMessage(_ e: Int32, _ identity: RecordIdentity) -> [UInt8]? {
        e >= 0 && e < Self.errnoCount ? errnoMessages[Int(e)] : identity.errnoMessage(e).map(Self.json)
    }

    /// The JSON string of `recordID(sequence:)`.
    func appendID(sequence: UInt64, to out: OutputBuffer) {
        out.append(contentsOf: idPrefix)
        out.appendDecimal(sequence)
        out.append(UInt8(ascii: "\""))
    }
}

/// A schema that turns events into records (JSON objects). An event makes one record or more (OCSF:
/// the activity, then one Detection Finding per alert); each record gets its own sequence number.
public protocol RecordSchema: Sendable {
    /// How many records `event` makes.
    func recordCount(for event: Event) -> Int
    /// Appends record `index` (0 ..< recordCount) of `event` as one JSON object, no newline.
    func appendRecord(_ index: Int, of event: Event, sequence: UInt64, to out: OutputBuffer)
    /// Appends a record saying that events were lost (`time`: when that was noticed, µs).
    func appendLossRecord(_ loss: LossRecord, sequence: UInt64, time: Int64, to out: OutputBuffer)
}

/// The schemas by name (`--format`, `--ship-format`).
public enum RecordSchemaKind: String, CaseIterable, Sendable {
    case ecs, ocsf
    /// filewatcher's own JSON (the `--format json` object) with `id` and `sequence` added.
    case json

    public func schema(_ identity: RecordIdentity) -> any RecordSchema {
        switch self {
        case .ecs: ECSSchema(identity: identity)
        case .ocsf: OCSFSchema(identity: identity)
        case .json: NativeJSONSchema(identity: identity)
        }
    }
}

/// JSON Lines in a standard schema: one record per line, numbered from `firstSequence`.
public final class SchemaSink: EventSink {
    public let output: OutputBuffer
    public let schema: any RecordSchema
    /// The sequence number the next record gets.
    public private(set) var nextSequence: UInt64

    public init(schema: any RecordSchema, output: OutputBuffer, firstSequence: UInt64 = 1) {
        self.schema = schema
        self.output = output
        self.nextSequence = firstSequence
    }

    public func write(_ event: Event) throws {
        let n = schema.recordCount(for: event)
        for i in 0..<n {
            schema.appendRecord(i, of: event, sequence: nextSequence, to: output)
            output.append(UInt8(ascii: "\n"))
            nextSequence += 1
        }
        if !event.alerts.isEmpty { try output.flush() }
        try output.endOfEvent(time: event.time)
    }

    public func flush() throws { try output.flush() }
}
