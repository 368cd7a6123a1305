// The process tree: parent → child with command lines, counts, first/last time; the branches
// leading to an alerting process start open. Bounded: the busiest roots and children, "N more".

import FileWatchCore
import Plot

enum Tree {
    static let maxRoots = 40
    static let maxChildren = 40
    static let maxNodes = 1000
    static let maxDepth = 48

    final class Budget { var left = Tree.maxNodes }

    static func section(_ a: ReportAggregator) -> BodyNode {
        let forest = a.processes.tree()
        let totals = forest.subtreeTotals()
        let open = forest.alertPaths()
        let budget = Budget()
        let roots = pick(forest.roots, totals: totals, open: open, limit: maxRoots, forest: forest)
        let hidden = forest.roots.count - roots.count
        let evicted = a.processes.nodes.evictedKeys
        return .section(.id("tree"), .h2(ReportPage.text("Process tree")),
            .p(.class("hint"), ReportPage.text("\(Format.count(UInt64(forest.nodes.count))) processes. Each shows its command line, its events and files, and when it was first and last seen; open one to see the processes it started.")),
            .if(forest.roots.isEmpty, .p(.class("empty"), ReportPage.text("No processes."))),
            .div(.class("tree"), .forEach(roots) { node($0, forest: forest, totals: totals, open: open, depth: 0, budget: budget) }),
            .if(hidden > 0, .p(.class("more"), ReportPage.text("… and \(hidden) more top-level processes with fewer events."))),
            .if(evicted > 0, .p(.class("more"), ReportPage.text("\(evicted) processes with few events were not kept (memory bound)."))))
    }

    /// The busiest `limit` of `pids` (always those on an alert's path), in order of first appearance.
    static func pick(_ pids: [Int32], totals: [Int32: UInt64], open: Set<Int32>, limit: Int, forest: ProcessForest) -> [Int32] {
        guard pids.count > limit else { return pids }
        let chosen = Set(pids.sorted { (open.contains($0) ? 1 : 0, totals[$0] ?? 0) > (open.contains($1) ? 1 : 0, totals[$1] ?? 0) }.prefix(limit))
        return pids.filter(chosen.contains)
    }

    static func node(_ pid: Int32, forest: ProcessForest, totals: [Int32: UInt64], open: Set<Int32>, depth: Int, budget: Budget) -> BodyNode {
        guard let n = forest.nodes[pid], budget.left > 0 else { return .empty }
        budget.left -= 1
        let kids = forest.children[pid] ?? []
        let summary: [BodyNode] = [
            .span(.class("pid"), ReportPage.text(String(pid))),
            .span(.class("pname"), ReportPage.name(n.label)),
            .if(n.alerted, .span(.class("badge alert"), ReportPage.text("alert"))),
            .if(n.stopped, .span(.class("badge stopped"), ReportPage.text("stopped"))),
            .unwrap(n.arguments.flatMap(commandLine)) { .code(.class("args"), .raw($0)) },
            .span(.class("pstats"), ReportPage.text(stats(n, subtree: totals[pid] ?? 0, children: kids.count))),
        ]
        guard !kids.isEmpty else { return .div(.class("leaf"), .group(summary)) }
        if depth >= maxDepth || budget.left <= 0 {
            return .div(.class("leaf"), .group(summary), .span(.class("more"), ReportPage.text(" (\(kids.count) children not shown)")))
        }
        let shown = pick(kids, totals: totals, open: open, limit: maxChildren, forest: forest)
        return .details(.class("proc"), .if(open.contains(pid), .open(true)),
            .summary(.group(summary)),
            ReportPage.block("children", shown.map { node($0, forest: forest, totals: totals, open: open, depth: depth + 1, budget: budget) }
                + [.if(kids.count > shown.count, .p(.class("more"), ReportPage.text("… and \(kids.count - shown.count) more child processes.")))]))
    }

    /// The command line, each argument made visible and escaped, long ones cut.
    static func commandLine(_ args: [ByteString]) -> String? {
        guard !args.isEmpty else { return nil }
        var shown = args.prefix(40).map { a -> String in
            var s = Format.visible(a)
            if s.count > 200 { s = String(s.prefix(199)) + "…" }
            return s.contains(" ") || s.isEmpty ? "'" + s + "'" : s
        }.joined(separator: " ")
        if args.count > 40 { shown += " … (\(args.count) arguments)" }
        return HTMLEscape.text(shown)
    }

    static func stats(_ n: ProcessNode, subtree: UInt64, children: Int) -> String {
        let kinds = n.counts.nonZero.sorted { $0.count > $1.count }.prefix(4).map { "\($0.kind.rawValue) \($0.count)" }.joined(separator: ", ")
        var s = "\(Format.count(n.counts.total)) events"
        if !kinds.isEmpty { s += " (\(kinds))" }
        s += " · \(n.files.isExact ? "" : "≈")\(n.files.count) files"
        if children > 0 { s += " · \(children) children, \(Format.count(subtree)) events with them" }
        s += " · \(Format.clock(n.first, step: 1000))–\(Format.clock(n.last, step: 1000))"
        if let user = n.user ?? n.uid.map({ "uid \($0)" }) { s += " · \(user)" }
        return s
    }
}
