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
    /// Decides from each record's header first: a rejected record is not decoded (exec, fork and
    /// exit records still teach the mapper their process images). nil: every record is decoded.
    public var selection: HeaderSelection?
    /// Records rejected by `selection`.
    public private(set) var rejectedByHeader: UInt64 = 0

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

    /// A stop request ended the reading: reports the damaged stretch being skipped, if any (it
    /// would otherwise never be said; records not yet complete are not damage and are left).
    public func stopped(into receiver: EventReceiver) {
        guard let d = reader.pendingDamage else { return }
        receiver.notice(.damaged(file: name, offset: UInt64(d.offset),
                                 reason: d.reasonText + " so far (reading stopped before the damage ended)"))
    }

    public mutating func drain(into receiver: EventReceiver, stop: StopToken?) {
        while let item = reader.next() {
            switch item {
            case .record(let record):
                deliver(record, into: receiver)
            case .damage(let damage):
                receiver.notice(.damaged(file: name, offset: UInt64(damage.offset), reason: damage.reasonText))
            }
            if let stop, stop.isStopped { return }
        }
    }

    /// Decodes one framed record (header first when there is a selection) and delivers its event.
    /// `trail` names the input in damage notices when it is not `name` (records merged from several trails).
    public mutating func deliver(_ record: Record, into receiver: EventReceiver, trail: String? = nil) {
        if record.kind == .file { return }
        var teachOnly = false
        if let selection, let h = record.headerSummary, !selection.accepts(h) {
            rejectedByHeader &+= 1
            receiver.passedOver(BSMEventClassification.kindTable[Int(h.event)])
            guard BSMEventClassification.teachesImages[Int(h.event)] else { return }
            teachOnly = true
        }
        do {
            try record.decodeTokens(into: &tokens)
        } catch {
            if teachOnly { return }
            receiver.notice(.damaged(file: trail ?? name, offset: UInt64(error.offset),
                                     reason: "record at offset \(record.offset) skipped: \(error.reasonText)"))
            return
        }
        if var event = mapper.map(tokens), !teachOnly {
            enrich?(&event)
            receiver.receive(event)
        }
    }
}
