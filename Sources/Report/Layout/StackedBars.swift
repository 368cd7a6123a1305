// Stacked bars: one bar per interval, one segment per series, bottom-up in series order.

public struct BarSegment: Equatable, Sendable {
    public var bar: Int
    public var series: Int
    public var value: UInt64
    public var rect: Rect
}

public enum StackedBars {
    /// Segments of `values[bar][series]` in a plot area `area` whose vertical axis goes from 0 to
    /// `top` (bottom to top). Bars are `area.width / bars` wide less `gap`; zero values get no segment.
    public static func layout(_ values: [[UInt64]], top: Double, area: Rect, gap: Double = 1) -> [BarSegment] {
        guard !values.isEmpty, top > 0 else { return [] }
        let slot = area.width / Double(values.count)
        let width = max(1, slot - gap)
        let y = LinearScale(domain: (0, top), range: (area.y + area.height, area.y))
        var out: [BarSegment] = []
        for (b, series) in values.enumerated() {
            var base: UInt64 = 0
            for (s, v) in series.enumerated() where v > 0 {
                let y0 = y(Double(base)), y1 = y(Double(base + v))
                out.append(BarSegment(bar: b, series: s, value: v,
                                      rect: Rect(x: area.x + Double(b) * slot, y: y1, width: width, height: y0 - y1)))
                base += v
            }
        }
        return out
    }
}
