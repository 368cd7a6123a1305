// Everything the report shows, gathered event by event in bounded memory: every table has a
// capacity and counts what it had to forget, which the page shows as "N more".

import FileWatchCore

/// Per program (process name): what it did and to which files.
public struct ProgramStats: Sendable, Weighted {
    public var counts = KindCounts()
    public var files: BoundedTable<ByteString, FileStats>
    public var distinctFiles = DistinctCounter(exactLimit: 512)
    public var pids = DistinctCounter(exactLimit: 64)
    public var weight: UInt64 { counts.total }

    init(fileCapacity: Int) { files = BoundedTable(capacity: fileCapacity) }
}

/// Per file.
public struct FileStats: Sendable, Weighted {
    public var counts = KindCounts()
    public var weight: UInt64 { counts.total }
}

public struct KindCountsEntry: Sendable, Weighted {
    public var counts = KindCounts()
    public var weight: UInt64 { counts.total }
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
    public private(set) var timeline = TimeHistogram()
    public private(set) var programs: BoundedTable<ByteString, ProgramStats>
    public private(set) var files: BoundedTable<ByteString, FileStats>
    public private(set) var directories: BoundedTable<ByteString, KindCountsEntry>
    public private(set) var distinctFiles = DistinctCounter(exactLimit: 100_000)
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
        programs = BoundedTable(capacity: limits.programs)
        files = BoundedTable(capacity: limits.files)
        directories = BoundedTable(capacity: limits.directories)
        processes = ProcessTable(capacity: limits.processes)
        failures = BoundedTable(capacity: limits.failures)
    }

    /// The program an event is counted under.
    @inline(__always)
    static func program(_ p: ProcessSubject) -> ByteString { !p.name.isEmpty ? p.name : p.executable ?? "?" }

    public mutating func add(_ event: Event) {
        shown += 1
        counts.add(event.kind)
        if firstTime == nil || event.time < firstTime! { firstTime = event.time }
        if lastTime == nil || event.time > lastTime! { lastTime = event.time }
        sources.insert(event.source)
        timeline.add(time: event.time, kind: event.kind)
        let program = Self.program(event.process)
        let fileCapacity = limits.filesPerProgram
        programs.update(program, make: { ProgramStats(fileCapacity: fileCapacity) }) { s in
            s.counts.add(event.kind)
            s.pids.add(hash: UInt64(UInt32(bitPattern: event.process.pid)) &* 0x9E37_79B9_7F4A_7C15)
            if let path = event.path {
                s.files.update(path, make: { FileStats() }) { $0.counts.add(event.kind) }
                s.distinctFiles.add(path.bytes)
            }
        }
        if let path = event.path {
            files.update(path, make: { FileStats() }) { $0.counts.add(event.kind) }
            directories.update(directoryOf(path), make: { KindCountsEntry() }) { $0.counts.add(event.kind) }
            distinctFiles.add(path.bytes)
        }
        processes.add(event)
        if case .failure(let errno) = event.result {
            failedTotal += 1
            let key = FailureKey(path: event.path, program: program, user: event.process.user ?? event.process.uid.map { String($0) } ?? "?",
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
