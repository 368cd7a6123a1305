// Display filters: which events reach the output.
//
// Semantics (also in the README):
// - Different options combine with AND; repeating one option (or giving a comma list) is OR.
// - `-f/--file TEXT`: ASCII case-insensitive substring of the path OR the destination path.
// - `-p/--process TEXT`: ASCII case-insensitive substring of the process name OR executable path.
// - `--under DIR`: the path or the destination path lies in DIR (component-aware, exact bytes).
// - `--pid N`: the process id. `--user NAME|UID`: the real or effective uid, or the user name.
// - Kinds: `--event K,...` is the exact set shown; otherwise `-a/--all` shows every kind; otherwise only
//   `EventKind.basic` (everything but `stat`, `exit` and `other`).
// - `--failed` / `--succeeded`: only failed / only successful operations.
// - `--exclude-process TEXT`: drop events whose process name or executable contains TEXT.
// - `--exclude-path TEXT`: drop events whose every path contains TEXT (a rename out of or into an
//   excluded area is still shown); events without a path are not affected.
// - `--bsm-event`, `--class`: the event's BSM event number (events without one never match);
//   `--since` / `--until`: the event's time (Selection/RecordSelection.swift). Given either of the
//   first two, the kinds default to all (the selection names what is wanted).

/// Which results to show.
public enum ResultFilter: String, Sendable, CaseIterable {
    case any, failed, succeeded
}

/// A `--user` selector: a uid, a name, or both (the CLI resolves names to uids when it can).
public struct UserSelector: Hashable, Sendable {
    public var uid: UInt32?
    public var name: String?
    public init(uid: UInt32? = nil, name: String? = nil) { self.uid = uid; self.name = name }
}

/// The filter options as given on the command line.
public struct FilterOptions: Sendable, Equatable {
    public var files: [String] = []
    public var processes: [String] = []
    public var all = false
    public var under: [String] = []
    public var pids: [Int32] = []
    public var users: [UserSelector] = []
    /// Explicit kinds (`--event`); nil = decided by `all`.
    public var kinds: Set<EventKind>? = nil
    public var result: ResultFilter = .any
    public var excludeProcesses: [String] = []
    public var excludePaths: [String] = []
    /// `--bsm-event`: BSM event numbers (nil: any).
    public var bsmEvents: Set<UInt16>? = nil
    /// `--class`: audit classes, resolved to event numbers (nil: any).
    public var classes: ClassSelection? = nil
    /// `--since`: events at or after this time (microseconds since the epoch).
    public var since: Int64? = nil
    /// `--until`: events before this time (microseconds, exclusive).
    public var until: Int64? = nil

    public init() {}

    /// The set of kinds this configuration shows.
    public var shownKinds: Set<EventKind> {
        if let kinds { return kinds }
        return all || bsmEvents != nil || classes != nil ? Set(EventKind.allCases) : EventKind.basic
    }
}

/// The compiled filter: needles lowercased once, kinds as a bit mask. `matches` does not allocate.
public struct EventFilter: Sendable {
    private let files: [ByteNeedle]
    private let processes: [ByteNeedle]
    private let under: [SubtreePrefix]
    private let pids: [Int32]
    private let users: [UserSelector]
    private let kindMask: UInt32
    private let result: ResultFilter
    private let excludeProcesses: [ByteNeedle]
    private let excludePaths: [ByteNeedle]
    private let bsmEvents: Set<UInt16>?
    private let classes: ClassSelection?
    private let since: Int64?
    private let until: Int64?

    public init(_ options: FilterOptions) {
        files = options.files.map(ByteNeedle.init)
        processes = options.processes.map(ByteNeedle.init)
        under = options.under.map(SubtreePrefix.init)
        pids = options.pids
        users = options.users
        kindMask = options.shownKinds.reduce(0) { $0 | EventFilter.bit($1) }
        result = options.result
        excludeProcesses = options.excludeProcesses.map(ByteNeedle.init)
        excludePaths = options.excludePaths.map(ByteNeedle.init)
        bsmEvents = options.bsmEvents
        classes = options.classes
        since = options.since
        until = options.until
    }

    /// Shows everything.
    public static let everything: EventFilter = {
        var o = FilterOptions(); o.all = true
        return EventFilter(o)
    }()

    @inline(__always)
    static func bit(_ kind: EventKind) -> UInt32 {
        switch kind {
        case .open: 1 << 0
        case .read: 1 << 1
        case .write: 1 << 2
        case .close: 1 << 3
        case .create: 1 << 4
        case .delete: 1 << 5
        case .rename: 1 << 6
        case .link: 1 << 7
        case .attrib: 1 << 8
        case .stat: 1 << 9
        case .exec: 1 << 10
        case .exit: 1 << 11
        case .other: 1 << 12
        }
    }

    public func matches(_ event: Event) -> Bool {
        if kindMask & EventFilter.bit(event.kind) == 0 { return false }
        switch result {
        case .any: break
        case .failed: if event.result.succeeded { return false }
        case .succeeded: if !event.result.succeeded { return false }
        }
        if let since, event.time < since { return false }
        if let until, event.time >= until { return false }
        if bsmEvents != nil || classes != nil {
            guard case .bsm(let number, _, _) = event.detail else { return false }
            if let bsmEvents, !bsmEvents.contains(number) { return false }
            if let classes, !classes.matches(number, succeeded: event.result.succeeded) { return false }
        }
        if !pids.isEmpty && !pids.contains(event.process.pid) { return false }
        if !users.isEmpty && !users.contains(where: { userMatches($0, event.process) }) { return false }
        if !files.isEmpty && !files.contains(where: { $0.isFound(in: event.path) || $0.isFound(in: event.destinationPath) }) {
            return false
        }
        if !under.isEmpty && !under.contains(where: { $0.contains(event.path) || $0.contains(event.destinationPath) }) {
            return false
        }
        if !processes.isEmpty && !processes.contains(where: { processMatches($0, event.process) }) { return false }
        if !excludeProcesses.isEmpty && excludeProcesses.contains(where: { processMatches($0, event.process) }) {
            return false
        }
        if !excludePaths.isEmpty, event.path != nil || event.destinationPath != nil {
            let excluded = excludePaths.contains { needle in
                (event.path == nil || needle.isFound(in: event.path))
                    && (event.destinationPath == nil || needle.isFound(in: event.destinationPath))
            }
            if excluded { return false }
        }
        return true
    }

    @inline(__always)
    private func processMatches(_ needle: ByteNeedle, _ p: ProcessSubject) -> Bool {
        needle.isFound(in: p.name.bytes) || needle.isFound(in: p.executable)
    }

    @inline(__always)
    private func userMatches(_ sel: UserSelector, _ p: ProcessSubject) -> Bool {
        if let uid = sel.uid, p.uid == uid || p.euid == uid { return true }
        if let name = sel.name, let user = p.user, user == name { return true }
        return false
    }
}
