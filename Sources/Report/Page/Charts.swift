// The page's SVG charts, from the aggregates through the layout code (scales, ticks, stacked
// bars, squarified treemap). Every text is escaped by SVGElement when rendered.

import FileWatchCore

enum Charts {
    // MARK: Timeline

    /// Events per interval stacked by kind, alerts and loss/damage reports marked; nil when no events.
    static func timeline(_ a: ReportAggregator) -> String? {
        guard let bars = a.timeline.bars(maxBars: 120) else { return nil }
        let width = 1200.0, height = 280.0
        let plot = Rect(x: 64, y: 16, width: width - 64 - 16, height: height - 16 - 44)
        let totals = bars.counts.map(\.total)
        let ticks = Ticks.countTicks(maximum: Double(totals.max() ?? 1), count: 5)
        let top = ticks.last!
        let y = LinearScale(domain: (0, top), range: (plot.y + plot.height, plot.y))
        let start = bars.start, end = bars.start + bars.interval * Int64(bars.counts.count)
        let x = LinearScale(domain: (Double(start), Double(end)), range: (plot.x, plot.x + plot.width))
        var children: [SVGElement] = []
        // Grid and count axis.
        for t in ticks {
            children.append(.line(x1: plot.x, y1: y(t), x2: plot.x + plot.width, y2: y(t), class: "grid"))
            children.append(.label(shortCount(UInt64(t)), x: plot.x - 6, y: y(t) + 4, class: "axis", anchor: "end"))
        }
        // Time axis.
        let multiDay = end - start > 86_400_000_000
        let (step, timeTicks) = Ticks.timeTicks(start: start, end: end, maxTicks: 8)
        for t in timeTicks {
            children.append(.line(x1: x(Double(t)), y1: plot.y + plot.height, x2: x(Double(t)), y2: plot.y + plot.height + 5, class: "tick"))
            children.append(.label(Format.clock(t, step: step, withDate: multiDay), x: x(Double(t)), y: plot.y + plot.height + 20,
                                   class: "axis", anchor: "middle"))
        }
        children.append(.label("UTC, \(Format.duration(bars.interval)) per bar", x: plot.x + plot.width, y: height - 4,
                               class: "axis", anchor: "end"))
        // Bars: one group per interval, its title giving the numbers.
        let series = bars.counts.map { c in KindStyle.order.map { c[$0] } }
        let segments = StackedBars.layout(series, top: top, area: plot, gap: bars.counts.count > 60 ? 0.5 : 1.5)
        var byBar: [Int: [BarSegment]] = [:]
        for s in segments { byBar[s.bar, default: []].append(s) }
        for b in byBar.keys.sorted() {
            let c = bars.counts[b]
            let t0 = start + Int64(b) * bars.interval
            let detail = c.nonZero.sorted { KindStyle.order.firstIndex(of: $0.kind)! < KindStyle.order.firstIndex(of: $1.kind)! }
                .map { "\($0.kind.rawValue) \($0.count)" }.joined(separator: ", ")
            let title = "\(Format.clock(t0, step: min(bars.interval, 1_000_000), withDate: multiDay)) +\(Format.duration(bars.interval)): \(c.total) events (\(detail))"
            var g = SVGElement("g", [("class", "bar")], children: [SVGElement("title", text: title)])
            for s in byBar[b]! {
                g.children.append(.rect(s.rect, class: KindStyle.cssClass(KindStyle.order[s.series])))
            }
            children.append(g)
        }
        // Marks: alerts (red) and input problems (orange) as lines over the plot.
        for alert in a.alerts {
            let ax = x(Double(alert.time))
            let title = "alert [\(alert.severity.rawValue)] \(Format.visible(alert.origin.name)) at \(Format.time(alert.time)): \(alert.process.pid) \(Format.visible(alert.process.name)): \(Format.visible(alert.reason))"
            children.append(SVGElement("g", [("class", "mark alert")], children: [
                SVGElement("title", text: title),
                .line(x1: ax, y1: plot.y, x2: ax, y2: plot.y + plot.height, class: "alert-line"),
                SVGElement("path", [("d", "M\(SVG.num(ax - 6)) \(SVG.num(plot.y - 2))h12l-6 9z"), ("class", "alert-head")]),
            ]))
        }
        for p in a.problems {
            guard let t = p.time else { continue }
            let px = x(Double(t))
            children.append(SVGElement("g", [("class", "mark problem")], children: [
                SVGElement("title", text: Format.visible(p.notice.message)),
                .line(x1: px, y1: plot.y, x2: px, y2: plot.y + plot.height, class: "problem-line"),
            ]))
        }
        let label = "Events over time, \(Format.duration(bars.interval)) per bar, stacked by kind"
        return SVG.root(width: width, height: height, class: "chart timeline", label: label, children: children).rendered
    }

    // MARK: Programs

    /// A small horizontal stacked bar of one row's counts, `scale` = the largest row's total.
    static func inlineBar(_ counts: KindCounts, scale: UInt64) -> String {
        let width = 240.0, height = 14.0
        let total = counts.total
        let w = scale > 0 ? width * Double(total) / Double(scale) : 0
        var x = 0.0
        var children: [SVGElement] = []
        for k in KindStyle.order where counts[k] > 0 {
            let segment = total > 0 ? w * Double(counts[k]) / Double(total) : 0
            children.append(.rect(Rect(x: x, y: 0, width: max(segment, 0.5), height: height), class: KindStyle.cssClass(k),
                                  title: "\(k.rawValue) \(counts[k])"))
            x += segment
        }
        return SVGElement("svg", [("viewBox", "0 0 \(SVG.num(width)) \(SVG.num(height))"), ("class", "inline-bar"),
                                  ("width", SVG.num(width)), ("height", SVG.num(height)), ("aria-hidden", "true")],
                          children: children).rendered
    }

    /// Horizontal bars: label, value.
    static func horizontalBars(_ rows: [(label: String, value: UInt64, note: String)], title: String) -> String? {
        guard let maxValue = rows.map(\.value).max(), maxValue > 0 else { return nil }
        let rowHeight = 22.0, labelWidth = 260.0, width = 640.0
        let height = rowHeight * Double(rows.count) + 24
        let x = LinearScale(domain: (0, Double(maxValue)), range: (labelWidth, width - 70))
        var children: [SVGElement] = []
        for (i, r) in rows.enumerated() {
            let y0 = Double(i) * rowHeight
            let label = r.label.count > 31 ? String(r.label.prefix(30)) + "…" : r.label
            children.append(SVGElement("g", [("class", "hbar")], children: [
                SVGElement("title", text: "\(r.label): \(r.value)\(r.note)"),
                .label(label, x: labelWidth - 8, y: y0 + 15, class: "bar-label", anchor: "end"),
                .rect(Rect(x: labelWidth, y: y0 + 3, width: max(1, x(Double(r.value)) - labelWidth), height: rowHeight - 6), class: "files-bar"),
                .label(shortCount(r.value) + r.note, x: x(Double(r.value)) + 6, y: y0 + 15, class: "axis"),
            ]))
        }
        return SVG.root(width: width, height: height, class: "chart hbars", label: title, children: children).rendered
    }

    // MARK: Directories

    /// A squarified treemap of directory cells.
    static func treemap(_ cells: [DirectoryCell]) -> String? {
        guard !cells.isEmpty else { return nil }
        let width = 1200.0, height = 420.0
        let rects = Squarify.layout(cells.map { Double($0.events) }, in: Rect(x: 0, y: 0, width: width, height: height))
        let total = cells.reduce(0) { $0 + $1.events }
        var children: [SVGElement] = []
        for (i, (cell, r)) in zip(cells, rects).enumerated() where r.area > 0 {
            let path = Format.visible(cell.path)
            let name = path + (cell.directOnly ? " (files directly in it)" : "")
            let share = Double(cell.events) * 100 / Double(max(total, 1))
            let pct = SVG.num((share * 10).rounded() / 10)
            var g = SVGElement("g", [("class", "cell")], children: [
                SVGElement("title", text: "\(name): \(cell.events) events (\(pct) %)"),
                .rect(Rect(x: r.x + 1, y: r.y + 1, width: max(0, r.width - 2), height: max(0, r.height - 2)), class: "tm tm\(i % 8)"),
            ])
            // Labels where they fit (about 8 px per character).
            if r.width > 60 && r.height > 34 {
                // The end of the path is what tells cells apart; "/*" marks the files directly in a directory.
                let chars = Int((r.width - 12) / 8)
                let label = path + (cell.directOnly ? (path.hasSuffix("/") ? "*" : "/*") : "")
                let shown = label.count > chars ? "…" + String(label.suffix(max(1, chars - 1))) : label
                g.children.append(.label(shown, x: r.x + 6, y: r.y + 18, class: "tm-label"))
                g.children.append(.label("\(shortCount(cell.events)) · \(pct) %", x: r.x + 6, y: r.y + 33, class: "tm-value"))
            }
            children.append(g)
        }
        return SVG.root(width: width, height: height, class: "chart treemap", label: "Directories by events (treemap)",
                        children: children).rendered
    }
}
