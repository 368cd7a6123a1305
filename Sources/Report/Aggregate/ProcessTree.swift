// Processes by pid with their parent, command line, counts and first/last time, bounded; and the
// tree they form (roots: processes whose parent was not seen).

import FileWatchCore

/// One process as seen in the capture.
public struct ProcessNode: Sendable, Weighted {
    public var pid: Int32
    public var ppid: Int32?
    public var name: ByteString
    public var executable: ByteString?
    /// The command line of its (last) exec, when known.
    public var arguments: [ByteString]?
    public var user: String?
    public var uid: UInt32?
    public var first: Int64
    public var last: Int64
    public var counts = KindCounts()
    public var files = DistinctCounter(exactLimit: 64)
    /// It raised an alert (or did something an alert names).
    public var alerted = false
    /// `--stop-offenders` stopped it.
    public var stopped = false

    public var weight: UInt64 { counts.total + (alerted ? 1 << 40 : 0) }

    init(_ p: ProcessSubject, time: Int64) {
        pid = p.pid; ppid = p.ppid; name = p.name; executable = p.executable; arguments = p.arguments
        user = p.user; uid = p.uid; first = time; last = time
    }

    /// The process's name for people: its name, else its executable, else `?`.
    public var label: ByteString { !name.isEmpty ? name : executable ?? "?" }
}

/// Processes keyed by pid (a later process reusing a pid is merged with the earlier one).
public struct ProcessTable {
    public private(set) var nodes: BoundedTable<Int32, ProcessNode>

    public init(capacity: Int = 20_000) { nodes = BoundedTable(capacity: capacity) }

    mutating func add(_ event: Event) {
        let p = event.process
        nodes.update(p.pid, make: { ProcessNode(p, time: event.time) }) { n in
            if event.time < n.first { n.first = event.time }
            if event.time > n.last { n.last = event.time }
            n.counts.add(event.kind)
            if let path = event.path { n.files.add(path.bytes) }
            if n.ppid == nil, let ppid = p.ppid { n.ppid = ppid }
            // An exec changes the program: the node shows the last one.
            if event.kind == .exec || n.name.isEmpty {
                if !p.name.isEmpty { n.name = p.name }
                if let exe = p.executable { n.executable = exe }
            }
            if let args = p.arguments, event.kind == .exec || n.arguments == nil { n.arguments = args }
            if n.user == nil { n.user = p.user }
            if n.uid == nil { n.uid = p.uid }
        }
    }

    mutating func markAlerted(_ pid: Int32, stopped: Bool) {
        guard nodes.entries[pid] != nil else { return }
        nodes.update(pid, make: { fatalError("present") }) { n in
            n.alerted = true
            if stopped { n.stopped = true }
        }
    }

    /// The tree: children by parent pid (sorted by first time), and the roots.
    public func tree() -> ProcessForest {
        var children: [Int32: [Int32]] = [:]
        var roots: [Int32] = []
        for (pid, n) in nodes.entries {
            if let ppid = n.ppid, ppid != pid, nodes.entries[ppid] != nil {
                children[ppid, default: []].append(pid)
            } else {
                roots.append(pid)
            }
        }
        let byTime: (Int32, Int32) -> Bool = { a, b in
            let na = nodes.entries[a]!, nb = nodes.entries[b]!
            return na.first != nb.first ? na.first < nb.first : a < b
        }
        for k in children.keys { children[k]!.sort(by: byTime) }
        // Parent chains can form a cycle when pids were reused: break it at the earliest node.
        var reached = Set<Int32>()
        func mark(_ pid: Int32) {
            var stack = [pid]
            while let p = stack.popLast() {
                guard reached.insert(p).inserted else { continue }
                stack += children[p] ?? []
            }
        }
        roots.forEach(mark)
        for pid in nodes.entries.keys.sorted() where !reached.contains(pid) {
            roots.append(pid)
            if let ppid = nodes.entries[pid]!.ppid { children[ppid]?.removeAll { $0 == pid } }
            mark(pid)
        }
        roots.sort(by: byTime)
        return ProcessForest(nodes: nodes.entries, children: children, roots: roots)
    }
}

/// Processes as a forest.
public struct ProcessForest {
    public let nodes: [Int32: ProcessNode]
    public let children: [Int32: [Int32]]
    public let roots: [Int32]

    /// Events of the process and all its descendants.
    public func subtreeTotals() -> [Int32: UInt64] {
        var totals: [Int32: UInt64] = [:]
        // Post-order without recursion (deep chains must not overflow the stack).
        for root in roots {
            var stack: [(Int32, Bool)] = [(root, false)]
            while let (pid, expanded) = stack.popLast() {
                if expanded {
                    totals[pid] = (nodes[pid]?.counts.total ?? 0) + (children[pid] ?? []).reduce(0) { $0 + (totals[$1] ?? 0) }
                } else {
                    stack.append((pid, true))
                    for c in children[pid] ?? [] { stack.append((c, false)) }
                }
            }
        }
        return totals
    }

    /// Processes on the way from a root to an alerting process (their details start open).
    public func alertPaths() -> Set<Int32> {
        var open = Set<Int32>()
        var parent: [Int32: Int32] = [:]
        for (p, cs) in children { for c in cs { parent[c] = p } }
        for (pid, n) in nodes where n.alerted {
            var p: Int32? = pid
            var guardSteps = 0
            while let q = p, guardSteps < 10_000, open.insert(q).inserted {
                p = parent[q]; guardSteps += 1
            }
        }
        return open
    }
}
