// Bytes of a BSM stream (a trail file, a followed trail, the auditpipe, a FIFO) → events.
// One place for framing + decoding + mapping + damage reports, shared by every BSM source.

import BSM
import FileWatchCore

/// Feeds chunks of a BSM byte stream through `RecordReader` and `BSMEventMapper`, delivering events
/// and damage notices to a receiver. Records may be split across chunks in any way.
public struct BSMStreamDecoder {
    /// The input's name for messages (a path, "standard input", "/dev/auditpipe").
    public let name: String
    public let mapper: BSMEventMapper
    private var reader: RecordReader
    private var tokens: [Token] = []
    /// Called for every event before delivery (e.g. to fill in an executable the records lack).
    public var enrich: ((inout Event) -> Void)?

    public init(name: String, mapper: BSMEventMapper) {
        self.name = name
        self.mapper = mapper
        self.reader = RecordReader()
        tokens.reserveCapacity(32)
    }

    /// Absolute offset of the next byte the reader expects.
    public var offset: Int { reader.offset }
    /// Bytes of an incomplete record still waiting for the rest.
    public var pendingByteCount: Int { reader.bufferedByteCount }

    /// Adds bytes and delivers every record they complete. Stops early (keeping the rest
    /// buffered) when `stop` is set.
    public mutating func push(_ bytes: UnsafeRawBufferPointer, into receiver: EventReceiver, stop: StopToken? = nil) {
        reader.push(Array(bytes))
        drain(into: receiver, stop: stop)
    }

    /// End of input: a partial record left over is reported as damage.
    public mutating func finish(into receiver: EventReceiver) {
        reader.finish()
        drain(into: receiver, stop: nil)
    }

    /// Reading stopped early (a signal, `--seconds`): the damaged region in progress is reported.
    public mutating func stopped(into receiver: EventReceiver) {
        if let damage = reader.damageInProgress() {
            receiver.notice(.damaged(file: name, offset: UInt64(damage.offset), reason: damage.reasonText))
        }
    }

    public mutating func drain(into receiver: EventReceiver, stop: StopToken?) {
        while let item = reader.next() {
            switch item {
            case .record(let record):
                if record.kind == .file { continue }
                do {
                    try record.decodeTokens(into: &tokens)
                } catch {
                    receiver.notice(.damaged(file: name, offset: UInt64(error.offset),
                                             reason: "record at offset \(record.offset) skipped: \(error.reasonText)"))
                    continue
                }
                // Framing and tokens intact, but a token no kernel writes: its fields cannot be trusted.
                if let problem = record.innerProblem(tokens: tokens) {
                    receiver.notice(.damaged(file: name, offset: UInt64(problem.offset),
                                             reason: "record at offset \(record.offset) skipped: \(problem.reasonText)"))
                    continue
                }
                if var event = mapper.map(tokens) {
                    enrich?(&event)
                    receiver.receive(event)
                }
            case .damage(let damage):
                receiver.notice(.damaged(file: name, offset: UInt64(damage.offset), reason: damage.reasonText))
            }
            if let stop, stop.isStopped { return }
        }
    }
}
