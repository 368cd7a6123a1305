// Everything the report shows, gathered event by event in bounded memory: every table has a
// capacity and counts what it had to forget, which the page shows as "N more".

import FileWatchCore

// Tables of names are keyed by the names' StableHash (computed once per event, the path's and its
// directory's in one pass) and keep the name in the entry: no name is hashed twice or copied per
// event. Two names with the same 64-bit hash would share an entry (about 1 in 10^11 for a
// million names).

/// Per program (process name): what it did and to which files.
public struct ProgramStats: Sendable, Weighted {
    public var name: ByteString
    public var counts = KindCounts()
    /// Files by path hash.
    public var files: HashedTable<FileStats>
    public var distinctFiles = DistinctCounter(exactLimit: 512)
    public var pids = DistinctCounter(exactLimit: 64)
    public var weight: UInt64 { counts.total }

    init(name: ByteString, fileCapacity: Int) {
        self.name = name
        // A program's files: one-off files churn it a quarter as much (the page shows its busiest).
        files = HashedTable(capacity: fileCapacity, admitEvery: 4)
    }
}

/// Per file (or directory).
public struct FileStats: Sendable, Weighted {
    public var path: ByteString
    public var counts = KindCounts()
    public var weight: UInt64 { counts.total }
    public init(path: ByteString) { self.path = path }
}

/// A created, deleted or renamed file.
public struct FileChange: Sendable {
    public var time: Int64
    public var kind: EventKind
    public var path: ByteString
    public var destination: ByteString?
    public var program: ByteString
    public var pid: Int32
}

/// A denied or failed access, grouped.
public struct FailureKey: Hashable, Sendable {
    public var path: ByteString?
    public var program: ByteString
    public var user: String
    public var errno: Int32?
    public var kind: EventKind
}

public struct FailureStats: Sendable, Weighted {
    public var count: UInt64 = 0
    public var first: Int64
    public var last: Int64
    public var weight: UInt64 { count }
}

/// A loss report or a damaged stretch of input, with the time of the last event before it.
public struct InputProblem: Sendable {
    public var time: Int64?
    public var notice: SourceNotice
}

/// Capacities of the report's tables.
public struct ReportLimits: Sendable {
    public var programs = 512
    public var filesPerProgram = 128
    public var files = 8192
    public var directories = 8192
    public var processes = 20_000
    public var failures = 2048
    public var changesKept = 200
    public var alertsKept = 1000
    public var problemsKept = 200
    public init() {}
}

/// Gathers the report's aggregates.
public struct ReportAggregator {
    public let limits: ReportLimits
    public private(set) var shown: UInt64 = 0
    public private(set) var counts = KindCounts()
    public private(set) var firstTime: Int64?
    public private(set) var lastTime: Int64?
    public private(set) var sources: Set<SourceKind> = []
    private var lastSource: SourceKind?
    public private(set) var timeline = TimeHistogram()
    public private(set) var programs: HashedTable<ProgramStats>
    public private(set) var files: HashedTable<FileStats>
    public private(set) var directories: HashedTable<FileStats>
    public private(set) var distinctFiles = DistinctCounter(exactLimit: 8192)
    public private(set) var processes: ProcessTable
    public private(set) var failures: BoundedTable<FailureKey, FailureStats>
    public private(set) var failedTotal: UInt64 = 0
    public private(set) var changes: [EventKind: [FileChange]] = [:]
    public private(set) var changeTotals: [EventKind: UInt64] = [:]
    public private(set) var alerts: [Alert] = []
    public private(set) var alertTotal: UInt64 = 0
    public private(set) var alertsBySeverity: [AlertSeverity: UInt64] = [:]
    public private(set) var problems: [InputProblem] = []
    public private(set) var problemTotal: UInt64 = 0

    public init(limits: ReportLimits = ReportLimits()) {
        self.limits = limits
        programs = HashedTable(capacity: limits.programs)
        files = HashedTable(capacity: limits.files)
        directories = HashedTable(capacity: limits.directories)
        processes = ProcessTable(capacity: limits.processes)
        failures = BoundedTable(capacity: limits.failures)
    }

    /// The program an event is counted under.
    @inline(__always)
    static func program(_ p: ProcessSubject) -> ByteString { !p.name.isEmpty ? p.name : p.executable ?? "?" }

    public mutating func add(_ event: Event) {
        shown += 1
        let kind = event.kind
        counts.add(kind)
        if firstTime == nil || event.time < firstTime! { firstTime = event.time }
        if lastTime == nil || event.time > lastTime! { lastTime = event.time }
        if event.source != lastSource {
            // Set lookups per event were measured at about 300 instructions; sources rarely change.
            lastSource = event.source
            sources.insert(event.source)
        }
        timeline.add(time: event.time, kind: kind)
        let program = event.process.name.isEmpty ? event.process.executable ?? "?" : event.process.name
        let hashes = event.path.map { StableHash.pathAndDirectory($0.bytes) }
        let fileCapacity = limits.filesPerProgram
        let pid = event.process.pid
        programs.update(StableHash.of(program.bytes), make: { ProgramStats(name: program, fileCapacity: fileCapacity) }) { s in
            s.counts.add(kind)
            s.pids.add(hash: StableHash.finish(UInt64(UInt32(bitPattern: pid))))
            if let path = event.path, let h = hashes {
                s.files.update(h.path, make: { FileStats(path: path) }) { $0.counts.add(kind) }
                s.distinctFiles.add(hash: h.path)
            }
        }
        if let path = event.path, let h = hashes {
            files.update(h.path, make: { FileStats(path: path) }) { $0.counts.add(kind) }
            directories.update(h.directory, make: { FileStats(path: directoryOf(path)) }) { $0.counts.add(kind) }
            distinctFiles.add(hash: h.path)
        }
        processes.add(event, pathHash: hashes?.path)
        if case .failure(let errno) = event.result {
            failedTotal += 1
            let key = FailureKey(path: event.path, program: program, user: event.process.user ?? event.process.uid.map { "uid \($0)" } ?? "?",
                                 errno: errno, kind: event.kind)
            failures.update(key, make: { FailureStats(first: event.time, last: event.time) }) { f in
                f.count += 1
                f.first = min(f.first, event.time); f.last = max(f.last, event.time)
            }
        } else if event.kind == .create || event.kind == .delete || event.kind == .rename, let path = event.path {
            changeTotals[event.kind, default: 0] += 1
            if changes[event.kind, default: []].count < limits.changesKept {
                changes[event.kind, default: []].append(FileChange(time: event.time, kind: event.kind, path: path,
                    destination: event.destinationPath, program: program, pid: event.process.pid))
            }
        }
        for alert in event.alerts { add(alert) }
    }

    mutating func add(_ alert: Alert) {
        alertTotal += 1
        alertsBySeverity[alert.severity, default: 0] += 1
        if alerts.count < limits.alertsKept { alerts.append(alert) }
        processes.markAlerted(alert.process.pid, stopped: alert.stopped.contains { $0.pid == alert.process.pid })
        for p in alert.stopped { processes.markAlerted(p.pid, stopped: true) }
        for e in alert.evidence { if let pid = e.pid { processes.markAlerted(pid, stopped: false) } }
    }

    /// A loss report or damaged input (other notices are not shown).
    public mutating func add(_ notice: SourceNotice) {
        if case .info = notice { return }
        problemTotal += 1
        if problems.count < limits.problemsKept { problems.append(InputProblem(time: lastTime, notice: notice)) }
    }
}
