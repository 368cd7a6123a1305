// The page's tables: a program's files by directory, files (treemap, most touched, created /
// deleted / renamed), denied and failed accesses, alerts. Tables with class `sortable` sort by a
// click on a column head when scripts run; they read fine without.

import FileWatchCore
import Plot

enum Tables {
    typealias Row = Node<HTML.TableRowContext>

    static func head(_ titles: [String]) -> Node<HTML.TableContext> {
        .thead(.tr(.forEach(titles) { .th(ReportPage.text($0)) }))
    }

    static func kindColumns(_ counts: [KindCounts]) -> [EventKind] {
        var all = KindCounts()
        for c in counts { all.add(c) }
        return KindStyle.order.filter { all[$0] > 0 }
    }

    /// A program's files grouped by directory, with counts per kind.
    static let filesPerProgram = 30

    static func programFiles(_ s: ProgramStats) -> BodyNode {
        var groups: [ByteString: [(ByteString, FileStats)]] = [:]
        let shown = s.files.top(filesPerProgram, tieBreak: <)
        for (path, f) in shown { groups[directoryOf(path), default: []].append((path, f)) }
        let dirs = groups.map { (dir: $0.key, files: $0.value, total: $0.value.reduce(0) { $0 + $1.1.counts.total }) }
            .sorted { $0.total != $1.total ? $0.total > $1.total : $0.dir < $1.dir }
        let kinds = kindColumns(shown.map(\.value.counts))
        return .group([
            .table(.class("sortable compact"), head(["File"] + kinds.map(\.rawValue) + ["Total"]),
                .tbody(.forEach(dirs) { d in
                    .group([
                        .tr(.class("dir"), .td(.attribute(named: "colspan", value: String(kinds.count + 2)),
                                               ReportPage.code(d.dir), ReportPage.text(" — \(Format.count(d.total)) events"))),
                        .forEach(d.files.sorted { $0.1.counts.total != $1.1.counts.total ? $0.1.counts.total > $1.1.counts.total : $0.0 < $1.0 }) { path, f in
                            .tr(.td(ReportPage.code(basename(path))), .forEach(kinds) { ReportPage.countCell(f.counts[$0]) },
                                ReportPage.numberCell(f.counts.total))
                        },
                    ])
                })),
            .if(s.distinctFiles.count > UInt64(shown.count),
                .p(.class("more"), ReportPage.text("The \(shown.count) busiest of \(s.distinctFiles.isExact ? "" : "about ")\(Format.count(s.distinctFiles.count)) files.")))])
    }

    static func basename(_ path: ByteString) -> ByteString {
        guard let slash = path.bytes.lastIndex(of: UInt8(ascii: "/")), slash + 1 < path.bytes.count else { return path }
        return ByteString(path.bytes[(slash + 1)...])
    }

    // MARK: Files

    static func filesSection(_ a: ReportAggregator) -> BodyNode {
        let cells = DirectoryTree(a.directories.entries.map { ($0.key, $0.value.counts.total) }).cells(maxCells: 30)
        let top = a.files.top(50, tieBreak: <)
        let kinds = kindColumns(top.map(\.value.counts))
        let distinct = (a.distinctFiles.isExact ? "" : "about ") + Format.count(a.distinctFiles.count)
        return .section(.id("files"), .h2(ReportPage.text("Files")),
            .p(.class("hint"), ReportPage.text("\(distinct) distinct files. Directories by events (a cell is a directory with everything below it):")),
            .unwrap(Charts.treemap(cells), { .div(.class("figure"), .raw($0)) }, else: .p(.class("empty"), ReportPage.text("No paths."))),
            .h3(ReportPage.text("Most touched files")),
            .table(.class("sortable"), head(["File"] + kinds.map(\.rawValue) + ["Total"]),
                .tbody(.forEach(top) { path, f in
                    .tr(.td(ReportPage.code(path)), .forEach(kinds) { ReportPage.countCell(f.counts[$0]) }, ReportPage.numberCell(f.counts.total))
                })),
            .if(a.files.count > top.count, .p(.class("more"), ReportPage.text("… and \(Format.count(UInt64(a.files.count - top.count)))\(a.files.isApproximate ? "+" : "") more files."))),
            changes(a, .create, "Created"),
            changes(a, .delete, "Deleted"),
            changes(a, .rename, "Renamed (old → new)"))
    }

    static func changes(_ a: ReportAggregator, _ kind: EventKind, _ title: String) -> BodyNode {
        let list = a.changes[kind] ?? []
        let total = a.changeTotals[kind] ?? 0
        return .details(.class("changes"), .summary(ReportPage.text("\(title): \(Format.count(total))")),
            .if(!list.isEmpty, .table(.class("sortable"), head(["Time", "File", "Program", "PID"]),
                .tbody(.forEach(list) { c in
                    .tr(ReportPage.timeCell(c.time),
                        .td(ReportPage.code(c.path),
                            .unwrap(c.destination) { .group([ReportPage.text(" → "), ReportPage.code($0)]) }),
                        .td(ReportPage.name(c.program)), .td(.class("num"), ReportPage.text(String(c.pid))))
                }))),
            .if(total > UInt64(list.count), .p(.class("more"), ReportPage.text("… and \(Format.count(total - UInt64(list.count))) more (the first \(list.count) are listed)."))))
    }

    // MARK: Failures

    static func failuresSection(_ a: ReportAggregator) -> BodyNode {
        let top = a.failures.top(100, tieBreak: { ($0.path ?? "") < ($1.path ?? "") })
        return .section(.id("failures"), .h2(ReportPage.text("Denied and failed accesses")),
            .if(top.isEmpty, .p(.class("empty"), ReportPage.text("None."))),
            .if(!top.isEmpty, .table(.class("sortable"), head(["Path", "Operation", "Program", "User", "Error", "Count", "First", "Last"]),
                .tbody(.forEach(top) { k, f in
                    .tr(.td(.unwrap(k.path, { ReportPage.code($0) }, else: ReportPage.text("(no path)"))),
                        .td(ReportPage.text(k.kind.rawValue)), .td(ReportPage.name(k.program)), .td(ReportPage.text(k.user)),
                        .td(ReportPage.text(k.errno.map { errnoName($0) } ?? "unknown")),
                        ReportPage.numberCell(f.count), ReportPage.timeCell(f.first), ReportPage.timeCell(f.last))
                }))),
            .if(a.failures.count > top.count || a.failures.isApproximate,
                .p(.class("more"), ReportPage.text("\(Format.count(a.failedTotal)) failed operations in all; the \(top.count) most frequent groups are listed."))))
    }

    /// `EACCES (13)` for the common errors on Linux, `errno 95` otherwise.
    static func errnoName(_ e: Int32) -> String {
        let names: [Int32: String] = [1: "EPERM", 2: "ENOENT", 9: "EBADF", 13: "EACCES", 17: "EEXIST", 20: "ENOTDIR",
                                      21: "EISDIR", 22: "EINVAL", 24: "EMFILE", 28: "ENOSPC", 30: "EROFS", 36: "ENAMETOOLONG",
                                      39: "ENOTEMPTY", 40: "ELOOP", 95: "EOPNOTSUPP"]
        return names[e].map { "\($0) (\(e))" } ?? "errno \(e)"
    }

    // MARK: Alerts

    static func alertsSection(_ a: ReportAggregator) -> BodyNode {
        .section(.id("alerts"), .h2(ReportPage.text("Alerts")),
            .if(a.alerts.isEmpty, .p(.class("empty"), ReportPage.text("None."))),
            .if(!a.alerts.isEmpty, .table(.class("sortable alerts"), head(["Time", "Severity", "Rule", "Process", "Files", "Stopped", "Reason"]),
                .tbody(.forEach(a.alerts) { alert in
                    let files = ([alert.path].compactMap { $0 } + alert.evidence.map(\.path)).reduce(into: [ByteString]()) {
                        if !$0.contains($1) { $0.append($1) }
                    }
                    return .tr(.class("sev-\(alert.severity.rawValue)"),
                        ReportPage.timeCell(alert.time),
                        .td(.data(named: "v", value: String(AlertSeverity.allCases.firstIndex(of: alert.severity)!)),
                            .span(.class("sev"), ReportPage.text(alert.severity.rawValue))),
                        .td(ReportPage.text(alert.origin.name)),
                        .td(ReportPage.text("\(alert.process.pid) "), ReportPage.name(alert.process.name)),
                        .td(.ul(.class("plain"), .forEach(files.prefix(10)) { .li(ReportPage.code($0)) }),
                            .if(files.count > 10, ReportPage.text("… and \(files.count - 10) more"))),
                        .td(ReportPage.text(alert.stopped.isEmpty
                            ? (alert.stopsOffender ? "no" : "—")
                            : "yes: " + alert.stopped.map { String($0.pid) }.joined(separator: ", "))),
                        .td(ReportPage.text(alert.reason), .forEach(alert.responses) { .div(.class("response"), ReportPage.text($0)) }))
                }))),
            .if(a.alertTotal > UInt64(a.alerts.count), .p(.class("more"), ReportPage.text("… and \(a.alertTotal - UInt64(a.alerts.count)) more alerts."))))
    }
}
