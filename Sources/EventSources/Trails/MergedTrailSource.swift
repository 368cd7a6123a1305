// Several BSM trails replayed as one, their records merged in time order (TrailMerge), each
// decoded header first like a single trail's (BSMStreamDecoder.deliver).

import BSM
import FileWatchCore

public final class MergedTrailSource: EventSource {
    public let kind: SourceKind = .trail
    public let paths: [String]
    public let mapper: BSMEventMapper
    /// Decide from each record's header first (records it rejects are not decoded).
    public var selection: HeaderSelection?
    /// Remarks given to the receiver before the first record (trails not terminated).
    var notices: [SourceNotice] = []

    /// - Parameter paths: trail files (`-`: standard input); equal times keep this order.
    public init(paths: [String], mapper: BSMEventMapper = TrailSource.defaultMapper(source: .trail)) {
        self.paths = paths
        self.mapper = mapper
    }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        for n in notices { receiver.notice(n) }
        let chunkSize = paths.count > 16 ? 128 << 10 : 256 << 10
        let cursors = try paths.enumerated().map { try TrailCursor(path: $0.element, order: $0.offset, chunkSize: chunkSize) }
        let merge = TrailMerge(cursors, stop: stop, damaged: { name, d in
            receiver.notice(.damaged(file: name, offset: UInt64(d.offset), reason: d.reasonText))
        }, idle: { receiver.sourceIdle() })
        var decoder = BSMStreamDecoder(name: paths.first ?? "", mapper: mapper)
        decoder.selection = selection
        while let next = try merge.next() {
            decoder.deliver(next.record, into: receiver, trail: next.trail.name)
            if stop.isStopped { return }
        }
    }
}
