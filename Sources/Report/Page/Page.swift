// The report page, built with Plot's typed HTML DSL: header, timeline, programs, process tree,
// files, denied/failed accesses, alerts. Capture names enter only through `Page.name`/`Page.text`
// (HTMLEscape); charts are SVG from Charts.

import FileWatchCore
import Plot

typealias BodyNode = Node<HTML.BodyContext>

public enum ReportPage {
    /// The whole page as UTF-8 bytes.
    public static func render(_ a: ReportAggregator, context: ReportContext) -> [UInt8] {
        let html = HTML(
            .lang(.english),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                .meta(.name("color-scheme"), .content("light dark")),
                .element(named: "title", nodes: [.raw(HTMLEscape.display(context.title))]),
                .style(PageStyle.css)
            ),
            .body(
                header(a, context),
                timelineSection(a),
                programsSection(a),
                Tree.section(a),
                Tables.filesSection(a),
                Tables.failuresSection(a),
                Tables.alertsSection(a),
                .footer(text("Made by filewatcher on \(Format.time(context.generatedAt, millis: false)). "
                    + "Self-contained: no network, scripts only sort tables and work without them.")),
                .script(.raw(PageStyle.script))
            )
        )
        return Array(html.render().utf8)
    }

    // MARK: Helpers

    /// A string for people (a constant, or from the capture), escaped.
    static func text<C>(_ s: String) -> Node<C> { .raw(HTMLEscape.display(s)) }
    /// A name from the capture, made visible and escaped.
    static func name<C>(_ b: ByteString) -> Node<C> { .raw(HTMLEscape.display(b)) }
    /// A `<div class=…>` in any context, holding body content.
    static func block<C>(_ cls: String, _ nodes: [BodyNode]) -> Node<C> {
        .element(named: "div", nodes: [BodyNode.class(cls)] + nodes)
    }
    /// A name in a `<code>`, with the full name as its tooltip.
    static func code(_ b: ByteString) -> BodyNode { .code(.raw(HTMLEscape.display(b))) }
    static func number(_ n: UInt64) -> BodyNode { .raw(Format.count(n)) }

    /// A table cell holding a number (sortable by value).
    static func numberCell(_ n: UInt64) -> Node<HTML.TableRowContext> {
        .td(.class("num"), number(n))
    }

    /// A count in a table of counts per kind: empty for zero.
    static func countCell(_ n: UInt64) -> Node<HTML.TableRowContext> {
        n == 0 ? .td(.class("num")) : .td(.class("num"), number(n))
    }

    /// A time cell (sortable by value).
    static func timeCell(_ t: Int64) -> Node<HTML.TableRowContext> {
        .td(.class("time"), .data(named: "v", value: String(t)), .text(Format.time(t)))
    }

    static func header(_ a: ReportAggregator, _ c: ReportContext) -> BodyNode {
        var facts: [(String, BodyNode)] = []
        if let first = a.firstTime, let last = a.lastTime {
            facts.append(("Time", text("\(Format.time(first)) – \(Format.time(last)) (\(Format.duration(last - first)))")))
        } else {
            facts.append(("Time", text("no events")))
        }
        facts.append(("Hosts", text(c.hosts.isEmpty ? "not recorded in the capture" : c.hosts.joined(separator: ", "))))
        let sources = a.sources.map(\.rawValue).sorted().joined(separator: ", ")
        facts.append(("Sources", text((c.inputs.isEmpty ? "" : c.inputs.joined(separator: ", ") + " — ") + (sources.isEmpty ? "none" : sources))))
        var events = "\(Format.count(c.read ?? a.shown)) read, \(Format.count(a.shown)) shown"
        if let filtered = c.filtered { events += ", \(Format.count(filtered)) left out by the filters" }
        events += c.lossReports > 0 ? ", \(Format.count(c.lost)) lost (\(c.lossReports) loss report\(c.lossReports == 1 ? "" : "s"))" : ", none lost"
        facts.append(("Events", text(events)))
        facts.append(("Damaged input", text(c.damaged == 0 ? "none" : "\(c.damaged) stretch\(c.damaged == 1 ? "" : "es") skipped (see below)")))
        facts.append(("Filters", text(c.filters.isEmpty ? "none: every event is shown" : c.filters.joined(separator: "; "))))
        facts.append(("Alerts", text(a.alertTotal == 0 ? "none" : "\(a.alertTotal): "
            + AlertSeverity.allCases.reversed().compactMap { s in a.alertsBySeverity[s].map { "\(s.rawValue) \($0)" } }.joined(separator: ", "))))
        var problems: [BodyNode] = []
        if !a.problems.isEmpty {
            problems.append(.details(.class("problems"), .summary(text("Loss and damage reports (\(a.problemTotal))")),
                .ul(.forEach(a.problems) { p in
                    .li(.unwrap(p.time) { .span(.class("time"), text(Format.time($0) + " ")) }, text(p.notice.message))
                }),
                .if(a.problemTotal > UInt64(a.problems.count), .p(text("… and \(a.problemTotal - UInt64(a.problems.count)) more")))))
        }
        return .header(
            .h1(text(c.title)),
            .element(named: "dl", nodes: facts.map { k, v in .group([.element(named: "dt", nodes: [text(k)]), .element(named: "dd", nodes: [v])]) }),
            .group(problems),
            .nav(.a(.href("#timeline"), text("Timeline")), .a(.href("#programs"), text("Programs")),
                 .a(.href("#tree"), text("Process tree")), .a(.href("#files"), text("Files")),
                 .a(.href("#failures"), text("Denied and failed")), .a(.href("#alerts"), text("Alerts")))
        )
    }

    static func legend(_ counts: KindCounts) -> BodyNode {
        .div(.class("legend"), .forEach(KindStyle.order.filter { counts[$0] > 0 }) { k in
            .span(.class("key"), .span(.class("swatch \(KindStyle.cssClass(k))")), text("\(k.rawValue) \(Format.count(counts[k]))"))
        })
    }

    static func timelineSection(_ a: ReportAggregator) -> BodyNode {
        .section(.id("timeline"), .h2(text("Timeline")),
                 .unwrap(Charts.timeline(a), { .div(.class("figure"), .raw($0)) }, else: .p(.class("empty"), text("No events to draw."))),
                 legend(a.counts),
                 .p(.class("hint"), text("Hover a bar for its numbers. Red marks: alerts; orange: loss or damage reports.")))
    }

    static func programsSection(_ a: ReportAggregator) -> BodyNode {
        let top = a.programs.top(25, tieBreak: <)
        let scale = top.first?.value.counts.total ?? 0
        let byFiles = a.programs.top(15, by: { $0.distinctFiles.count }, tieBreak: <)
        let more = a.programs.count - top.count
        return .section(.id("programs"), .h2(text("Programs")),
            .p(.class("hint"), text("Top programs by events; open one to see its files by directory, with counts per kind.")),
            .div(.class("programs"), .forEach(top) { entry in
                let s = entry.value
                let distinct = (s.distinctFiles.isExact ? "" : "≈") + Format.count(s.distinctFiles.count)
                return .details(.class("program"),
                    .summary(.span(.class("pname"), name(entry.key)),
                             .raw(Charts.inlineBar(s.counts, scale: scale)),
                             .span(.class("pnum"), text("\(Format.count(s.counts.total)) events · \(distinct) files · \(s.pids.count) process\(s.pids.count == 1 ? "" : "es")"))),
                    block("files", [Tables.programFiles(s)]))
            }),
            .if(more > 0, .p(.class("more"), text("… and \(more) more programs\(a.programs.isApproximate ? " (after \(a.programs.evictedKeys) rare ones were dropped)" : "")"))),
            .h3(text("By distinct files")),
            .unwrap(Charts.horizontalBars(byFiles.map { (Format.visible($0.key), $0.value.distinctFiles.count, $0.value.distinctFiles.isExact ? "" : " (estimate)") },
                                          title: "Programs by distinct files"), { .div(.class("figure narrow"), .raw($0)) }))
    }
}
