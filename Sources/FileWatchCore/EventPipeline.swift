// source → (user names) → stages (detection) → filters → sink, with statistics for the summary.
// (Several sources and sinks are composed around it: EventSources.MergedSource, FanOutSink.)

/// Counts per key, bounded: after `capacity` distinct keys the rarest half is forgotten, so the
/// top entries stay right for anything frequent while memory stays flat on long runs.
public struct TopCounter: Sendable {
    public private(set) var counts: [ByteString: UInt64] = [:]
    public let capacity: Int
    /// True once entries were evicted (the counts of rare keys are then approximate).
    public private(set) var approximate = false

    public init(capacity: Int = 4096) { self.capacity = capacity }

    public mutating func add(_ key: ByteString) {
        if let i = counts.index(forKey: key) {
            counts.values[i] += 1
            return
        }
        if counts.count >= capacity {
            let sorted = counts.values.sorted()
            let cut = sorted[sorted.count / 2]
            counts = counts.filter { $0.value > cut }
            approximate = true
        }
        counts[key] = 1
    }

    /// The `n` most frequent keys, most frequent first (ties by key).
    public func top(_ n: Int) -> [(key: ByteString, count: UInt64)] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(n).map { (key: $0.key, count: $0.value) }
    }
}

extension EventKind {
    /// Position in `allCases` (0…12).
    @inline(__always) public var index: Int {
        switch self {
        case .open: 0
        case .read: 1
        case .write: 2
        case .close: 3
        case .create: 4
        case .delete: 5
        case .rename: 6
        case .link: 7
        case .attrib: 8
        case .stat: 9
        case .exec: 10
        case .exit: 11
        case .other: 12
        }
    }
}

/// What the summary reports.
public struct EventStatistics: Sendable {
    /// Events the source delivered.
    public var seen: UInt64 = 0
    /// Events written to the output.
    public var shown: UInt64 = 0
    /// Events the filters dropped.
    public var filtered: UInt64 = 0
    /// Events the source reported lost (overflow, pipe drops), when it knew the number.
    public var lost: UInt64 = 0
    /// Loss reports (with or without a count).
    public var lossReports: UInt64 = 0
    /// Loss reports without a count (a kernel queue overflow): how many were lost is unknown.
    public var unknownLossReports: UInt64 = 0
    /// When the losses without a count happened: after the event before the first of them, before the event
    /// after the last of them (µs since the epoch; nil when there was none).
    public var unknownLossAfter: Int64?
    public var unknownLossBefore: Int64?
    /// Damaged stretches of input skipped.
    public var damaged: UInt64 = 0
    /// Per kind, indexed by `EventKind.index` (no hashing per event).
    var seenCounts = [UInt64](repeating: 0, count: EventKind.allCases.count)
    var shownCounts = [UInt64](repeating: 0, count: EventKind.allCases.count)
    public var seenByKind: [EventKind: UInt64] {
        Dictionary(uniqueKeysWithValues: EventKind.allCases.filter { seenCounts[$0.index] > 0 }.map { ($0, seenCounts[$0.index]) })
    }
    public var shownByKind: [EventKind: UInt64] {
        Dictionary(uniqueKeysWithValues: EventKind.allCases.filter { shownCounts[$0.index] > 0 }.map { ($0, shownCounts[$0.index]) })
    }
    /// Of shown events.
    public var processes = TopCounter()
    public var files = TopCounter()

    public init() {}

    /// " between 08:01:02.345 and 08:01:06.789 UTC" (the events around the losses), or the side that is known.
    static func lossRange(_ after: Int64?, _ before: Int64?) -> String {
        func clock(_ micros: Int64) -> String {
            let day = ((micros / 1000) % 86_400_000 + 86_400_000) % 86_400_000
            func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let ms = day % 1000
            return "\(two(day / 3_600_000)):\(two(day / 60_000 % 60)):\(two(day / 1000 % 60)).\(ms < 10 ? "00" : ms < 100 ? "0" : "")\(ms)"
        }
        switch (after, before) {
        case let (a?, b?): return " between \(clock(a)) and \(clock(b)) UTC"
        case let (a?, nil): return " after \(clock(a)) UTC"
        case let (nil, b?): return " before \(clock(b)) UTC"
        case (nil, nil): return ""
        }
    }

    /// Counts one event of `kind`, seen and shown or dropped by the filters (for runs that select
    /// whole records without making events of them: BSM copied to BSM).
    @inline(__always)
    public mutating func count(_ kind: EventKind, shown: Bool) {
        seen &+= 1
        seenCounts[kind.index] &+= 1
        if shown {
            self.shown &+= 1
            shownCounts[kind.index] &+= 1
        } else {
            filtered &+= 1
        }
    }

    /// The summary text (several lines, each ending in a newline). Names escaped for a terminal.
    public func summary(top n: Int = 5, extraLines: [String] = []) -> String {
        var s = "filewatcher summary: \(seen) events seen, \(shown) shown, \(filtered) dropped by filters"
        if unknownLossReports > 0 {
            // Never "0 lost": a queue overflow drops an unknown number of events.
            s += ", unknown number lost" + (lost > 0 ? " (at least \(lost))" : "")
            s += " (\(lossReports) loss report\(lossReports == 1 ? "" : "s")\(Self.lossRange(unknownLossAfter, unknownLossBefore)))"
        } else if lossReports > 0 {
            s += ", \(lost) lost (\(lossReports) loss report\(lossReports == 1 ? "" : "s"))"
        } else {
            s += ", 0 lost"
        }
        if damaged > 0 { s += ", \(damaged) damaged input stretch\(damaged == 1 ? "" : "es") skipped" }
        s += "\n"
        if seen > 0 {
            let kinds = EventKind.allCases.compactMap { k -> String? in
                let c = seenCounts[k.index]
                guard c > 0 else { return nil }
                return "\(k.rawValue) \(shownCounts[k.index])/\(c)"
            }
            s += "  by kind (shown/seen): " + kinds.joined(separator: ", ") + "\n"
        }
        let tp = processes.top(n)
        if !tp.isEmpty {
            s += "  top processes\(processes.approximate ? " (approximate)" : ""): " + tp.map { "\(escapedForTerminal($0.key.bytes)) (\($0.count))" }
                .joined(separator: ", ") + "\n"
        }
        let tf = files.top(n)
        if !tf.isEmpty {
            s += "  top files\(files.approximate ? " (approximate: more than \(files.capacity) distinct)" : ""):\n"
            for f in tf { s += "    \(f.count)\t\(escapedForTerminal(f.key.bytes))\n" }
        }
        for line in extraLines { s += "  " + line + "\n" }
        return s
    }
}

/// The receiver every source feeds.
public final class EventPipeline: EventReceiver {
    public let filter: EventFilter
    public let sink: EventSink
    public let stages: [EventStage]
    public let users: UserNameResolver?
    /// Stop after this many shown events (`--count`).
    public let limit: UInt64?
    public let stopToken: StopToken
    private let report: (SourceNotice) -> Void
    /// Other parts of the session with summary lines and loss counts (sources, sinks).
    public var reporters: [SessionReporting] = []
    /// The per-event state is read and written on the source's thread only, one event at a time:
    /// no dynamic exclusivity checks (callgrind: 2 swift_beginAccess per event, 150 Ir).
    @exclusivity(unchecked) public private(set) var statistics = EventStatistics()
    /// Whether shown events are tallied by process and file for the summary's "top" lines
    /// (`statistics.processes`, `statistics.files`). A run that prints no summary (`report`,
    /// `--no-summary`) turns it off: the two bounded tables hash every event's names (measured:
    /// about a tenth of `report`'s time on a BSM trail).
    public var countsTopNames = true
    /// The first output error (the pipeline stops at it; `finish` rethrows it).
    @exclusivity(unchecked) public private(set) var sinkError: (any Error)?
    /// Shown events may be waiting in the sink's buffer (since `lastOutputTime`, event time).
    @exclusivity(unchecked) private var outputPending = false
    @exclusivity(unchecked) private var lastOutputTime: Int64 = 0
    /// The last event's time, and whether a loss without a count waits for the next event (its end).
    @exclusivity(unchecked) private var lastEventTime: Int64?
    @exclusivity(unchecked) private var lossOpen = false

    /// - Parameter report: called for every source notice (the CLI prints it to stderr at once).
    public init(filter: EventFilter, sink: EventSink, stages: [EventStage] = [], users: UserNameResolver? = nil,
                limit: UInt64? = nil, stop: StopToken, report: @escaping (SourceNotice) -> Void = { _ in }) {
        self.filter = filter
        self.sink = sink
        self.stages = stages
        self.users = users
        self.limit = limit
        self.stopToken = stop
        self.report = report
    }

    public func receive(_ event: consuming Event) {
        if sinkError != nil { return }
        if let limit, statistics.shown >= limit { return }
        var e = event  // moved, not copied (`consuming`)
        if e.process.user == nil, let uid = e.process.uid, let users {
            e.process.user = users.userName(for: uid)
        }
        statistics.seen += 1
        statistics.seenCounts[e.kind.index] += 1
        lastEventTime = e.time
        if lossOpen { lossOpen = false; statistics.unknownLossBefore = e.time }
        var force = false
        for stage in stages where stage.process(&e) { force = true }
        guard force || filter.matches(e) else {
            statistics.filtered += 1
            // Shown events may wait in a batched output; a stream of hidden ones still moves the clock.
            if outputPending && e.time &- lastOutputTime >= 1_000_000 { sourceIdle() }
            return
        }
        do {
            try sink.write(e)
        } catch {
            sinkError = error
            stopToken.stop()
            return
        }
        if !outputPending { outputPending = true; lastOutputTime = e.time }
        statistics.shown += 1
        statistics.shownCounts[e.kind.index] += 1
        if countsTopNames {
            statistics.processes.add(e.process.name.isEmpty ? (e.process.executable ?? "?") : e.process.name)
            if let path = e.path { statistics.files.add(path) }
        }
        if let limit, statistics.shown >= limit { stopToken.stop() }
    }

    public func notice(_ notice: SourceNotice) {
        switch notice {
        case .lost(let count, _):
            statistics.lossReports += 1
            statistics.lost += count ?? 0
            if count == nil {
                statistics.unknownLossReports += 1
                if statistics.unknownLossAfter == nil { statistics.unknownLossAfter = lastEventTime }
                lossOpen = true
            }
        case .damaged:
            statistics.damaged += 1
        case .info:
            break
        }
        report(notice)
    }

    public func passedOver(_ kind: EventKind) {
        statistics.count(kind, shown: false)
    }

    public func sourceIdle() {
        guard sinkError == nil, outputPending else { return }
        outputPending = false
        do { try sink.flush() } catch { sinkError = error; stopToken.stop() }
    }

    /// End of input or stop: finishes the stages and flushes the output. Throws the first output error.
    public func finish() throws {
        for stage in stages { stage.finish() }
        if let sinkError { throw sinkError }
        try sink.finish()
    }

    /// The summary, including the stages' lines and what every reporting part (sources, sinks:
    /// `reporters`) says and lost.
    public func summary(top n: Int = 5) -> String {
        var stats = statistics
        for r in reporters where r.lostEvents > 0 {
            stats.lost += r.lostEvents
            stats.lossReports += 1
        }
        return stats.summary(top: n, extraLines: stages.flatMap(\.summaryLines) + reporters.flatMap(\.summaryLines))
    }
}
