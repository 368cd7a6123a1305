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
    public private(set) var nodes: HashedTable<ProcessNode>

    public init(capacity: Int = 20_000) { nodes = HashedTable(capacity: capacity) }

    @inline(__always) static func key(_ pid: Int32) -> UInt64 { StableHash.finish(UInt64(UInt32(bitPattern: pid)) | 1 << 32) }

    mutating func add(_ event: Event, pathHash: UInt64?) {
        // Fields are read where needed: copying the whole ProcessSubject would retain each of its names.
        let time = event.time, kind = event.kind
        nodes.update(Self.key(event.process.pid), make: { ProcessNode(event.process, time: time) }) { n in
            if time < n.first { n.first = time }
            if time > n.last { n.last = time }
            n.counts.add(kind)
            if let h = pathHash { n.files.add(hash: h) }
            if n.ppid == nil, let ppid = event.process.ppid { n.ppid = ppid }
            // An exec changes the program: the node shows the last one.
            if kind == .exec || n.name.isEmpty {
                if !event.process.name.isEmpty { n.name = event.process.name }
                if let exe = event.process.executable { n.executable = exe }
            }
            if kind == .exec || n.arguments == nil, let args = event.process.arguments { n.arguments = args }
            if n.user == nil, let user = event.process.user { n.user = user }
            if n.uid == nil { n.uid = event.process.uid }
        }
    }

    mutating func markAlerted(_ pid: Int32, stopped: Bool) {
        nodes.updateIfPresent(Self.key(pid)) { n in
            n.alerted = true
            if stopped { n.stopped = true }
        }
    }

    /// The processes by pid.
    public var byPid: [Int32: ProcessNode] {
        var d: [Int32: ProcessNode] = [:]
        for n in nodes.allValues { d[n.pid] = n }
        return d
    }

    /// The tree: children by parent pid (sorted by first time), and the roots.
    public func tree() -> ProcessForest {
        let all = byPid
        var children: [Int32: [Int32]] = [:]
        var roots: [Int32] = []
        for (pid, n) in all {
            if let ppid = n.ppid, ppid != pid, all[ppid] != nil {
                children[ppid, default: []].append(pid)
            } else {
                roots.append(pid)
            }
        }
        let byTime: (Int32, Int32) -> Bool = { a, b in
            let na = all[a]!, nb = all[b]!
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
        for pid in all.keys.sorted() where !reached.contains(pid) {
            roots.append(pid)
            if let ppid = all[pid]!.ppid { children[ppid]?.removeAll { $0 == pid } }
            mark(pid)
        }
        roots.sort(by: byTime)
        return ProcessForest(nodes: all, children: children, roots: roots)
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
