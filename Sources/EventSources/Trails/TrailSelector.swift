// BSM in, BSM out: selects whole records, as auditreduce does, and copies them byte for byte
// (every token kept, also tokens filewatcher does not know), between an opening and a closing
// `file` token as auditd writes them. Several trails are merged in time order.
//
// Per record: the header decides first (event number → kind, --bsm-event, --class, --since,
// --until: one table load and two compares); only when a path, process, user, pid or result filter
// is given are the other tokens decoded, into an event for the same EventFilter every output uses.
// A record rejected by its header costs that header read (exec, fork and exit records are still
// read when -p needs the process names they teach).

import BSM
import FileWatchCore

public final class TrailSelector {
    /// What the selection did.
    public struct Outcome {
        public var statistics = EventStatistics()
        /// Records copied (also in `statistics.shown`).
        public var copied: UInt64 { statistics.shown }
    }

    private let filters: FilterOptions
    private let header: HeaderSelection
    private let filter: EventFilter
    private let mapper: BSMEventMapper
    private let output: FileWatchCore.OutputBuffer
    private let trailName: String
    private let limit: UInt64?
    private let notice: (SourceNotice) -> Void

    /// - Parameters:
    ///   - trailName: the name in the opening and closing `file` tokens (the output's path).
    ///   - notice: damage and remarks, as they happen.
    public init(filters: FilterOptions, output: FileWatchCore.OutputBuffer, trailName: String, limit: UInt64? = nil,
                mapper: BSMEventMapper = TrailSource.defaultMapper(source: .trail),
                notice: @escaping (SourceNotice) -> Void) {
        self.filters = filters
        self.header = HeaderSelection(filters)
        self.filter = EventFilter(filters)
        self.mapper = mapper
        self.output = output
        self.trailName = trailName
        self.limit = limit
        self.notice = notice
    }

    /// Selects from `paths` (trail files, `-` for standard input; in this order for equal times)
    /// until they end or `stop` is set. Throws when a trail cannot be opened or read, or the output
    /// cannot be written (what was selected until then is written, with its closing `file` token).
    public func run(_ paths: [String], until stop: StopToken) throws -> Outcome {
        let chunkSize = paths.count > 16 ? 128 << 10 : 1 << 20
        let cursors = try paths.enumerated().map { try TrailCursor(path: $0.element, order: $0.offset, chunkSize: chunkSize) }
        let notice = self.notice
        var damagedStretches: UInt64 = 0
        let output = self.output
        let merge = TrailMerge(cursors, stop: stop, damaged: { name, d in
            damagedStretches += 1
            notice(.damaged(file: name, offset: UInt64(d.offset), reason: d.reasonText))
        }, idle: { try? output.flush() })
        var outcome = Outcome()
        var firstTime: Int64?
        var lastTime: Int64 = 0
        var tokens: [Token] = []
        tokens.reserveCapacity(32)
        let decidesAlone = header.decidesAlone
        let teaches = filters.needsProcessNames
        let kinds = BSMEventClassification.kindTable

        do {
            while let next = try merge.next() {
                let (record, trail) = (next.record, next.trail)
                guard let h = next.header else {
                    // Framed (header id, byte count, trailer) but its header cannot be read.
                    damagedStretches += 1
                    notice(.damaged(file: trail.name, offset: UInt64(record.offset),
                                    reason: "record skipped: its header is too short"))
                    continue
                }
                let kind = kinds[Int(h.event)]
                if !header.accepts(h) {
                    if teaches && BSMEventClassification.teachesImages[Int(h.event)] {
                        _ = try? event(of: record, tokens: &tokens)  // the mapper learns the image
                    }
                    outcome.statistics.count(kind, shown: false)
                    continue
                }
                if !decidesAlone {
                    let e: Event?
                    do { e = try event(of: record, tokens: &tokens) } catch {
                        damagedStretches += 1
                        notice(.damaged(file: trail.name, offset: UInt64(error.offset),
                                        reason: "record at offset \(record.offset) skipped: \(error.reasonText)"))
                        continue
                    }
                    guard let e, filter.matches(e) else {
                        outcome.statistics.count(kind, shown: false)
                        continue
                    }
                }
                let t = h.microseconds
                if firstTime == nil {
                    firstTime = t
                    output.append(contentsOf: BSMSink.fileToken(micros: t, name: trailName))
                }
                lastTime = t
                let b = record.bytes
                b.storage.withUnsafeBytes { output.append(UnsafeRawBufferPointer(rebasing: $0[b.lowerBound..<b.upperBound])) }
                try output.endOfEvent()
                outcome.statistics.count(kind, shown: true)
                if let limit, outcome.statistics.shown >= limit { break }
                if stop.isStopped { break }
            }
        } catch {
            try? finish(firstTime: firstTime, lastTime: lastTime)
            throw error
        }
        try finish(firstTime: firstTime, lastTime: lastTime)
        outcome.statistics.damaged = damagedStretches
        return outcome
    }

    /// The closing `file` token (when anything was written) and the last bytes out.
    private func finish(firstTime: Int64?, lastTime: Int64) throws {
        if firstTime != nil { output.append(contentsOf: BSMSink.fileToken(micros: lastTime, name: trailName)) }
        try output.flush()
    }

    private func event(of record: Record, tokens: inout [Token]) throws(DecodeError) -> Event? {
        try record.decodeTokens(into: &tokens)
        return mapper.map(tokens)
    }
}
