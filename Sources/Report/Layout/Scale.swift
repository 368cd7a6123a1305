// Scales and axis ticks for the report's charts.

/// Maps a numeric domain linearly onto a pixel range.
public struct LinearScale: Sendable, Equatable {
    public var domain: (Double, Double)
    public var range: (Double, Double)

    public init(domain: (Double, Double), range: (Double, Double)) {
        self.domain = domain
        self.range = range
    }

    public func callAsFunction(_ x: Double) -> Double {
        let span = domain.1 - domain.0
        guard span != 0 else { return range.0 }
        return range.0 + (x - domain.0) / span * (range.1 - range.0)
    }

    public static func == (a: LinearScale, b: LinearScale) -> Bool {
        a.domain == b.domain && a.range == b.range
    }
}

public enum Ticks {
    /// A "nice" step (1, 2 or 5 × 10^k) giving about `count` intervals over `span`.
    public static func niceStep(span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite, count > 0 else { return 1 }
        let raw = span / Double(count)
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let residual = raw / magnitude
        let nice: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// Ticks from 0 up to at least `maximum` in nice steps (about `count` of them): the axis of a
    /// count. The last tick is ≥ `maximum`, so it is the axis' top.
    public static func countTicks(maximum: Double, count: Int = 5) -> [Double] {
        guard maximum > 0 else { return [0, 1] }
        let step = max(1, niceStep(span: maximum, count: count))
        var ticks: [Double] = [0]
        while ticks.last! < maximum { ticks.append(ticks.last! + step) }
        return ticks
    }

    /// Time ticks (µs since the epoch) inside [start, end): multiples of a display interval chosen so
    /// there are at most `maxTicks`.
    public static func timeTicks(start: Int64, end: Int64, maxTicks: Int = 8) -> (step: Int64, ticks: [Int64]) {
        guard end > start else { return (1_000_000, [start]) }
        let step = TimeHistogram.displayIntervals.first { (end - start) / $0 < Int64(maxTicks) }
            ?? TimeHistogram.displayIntervals.last!
        var t = TimeHistogram.floorDiv(start, step) * step
        if t < start { t += step }
        var ticks: [Int64] = []
        while t < end && ticks.count <= maxTicks { ticks.append(t); t += step }
        return (step, ticks)
    }
}

/// Human numbers: `999`, `1.2k`, `3.4M`.
public func shortCount(_ n: UInt64) -> String {
    func one(_ v: Double, _ unit: String) -> String {
        let r = (v * 10).rounded() / 10
        let whole = UInt64(r)
        return r == Double(whole) ? "\(whole)\(unit)" : "\(whole).\(UInt64(((r - Double(whole)) * 10).rounded()))\(unit)"
    }
    if n < 1000 { return "\(n)" }
    if n < 1_000_000 { return one(Double(n) / 1000, "k") }
    if n < 1_000_000_000 { return one(Double(n) / 1_000_000, "M") }
    return one(Double(n) / 1_000_000_000, "G")
}
