// Events per time interval and kind, in bounded memory, for a capture of any length and order.

import FileWatchCore
//
// Buckets are aligned to multiples of `width` µs since the epoch. Widths come from a chain in which
// each divides the next (1 ms, 10 ms, 100 ms, 1 s, 10 s, 1 min, 10 min, 1 h, 6 h, 1 d, 10 d, …),
// so widening merges whole buckets, and any display interval that is a multiple of the final
// width maps each bucket into exactly one bar.

public struct TimeHistogram: Sendable {
    /// The chain of bucket widths (µs).
    public static let widths: [Int64] = {
        var w: [Int64] = [1_000, 10_000, 100_000, 1_000_000, 10_000_000, 60_000_000, 600_000_000,
                          3_600_000_000, 21_600_000_000, 86_400_000_000]
        while w.last! < Int64.max / 20 { w.append(w.last! * 10) }
        return w
    }()

    public let capacity: Int
    public private(set) var widthIndex = 0
    public var width: Int64 { Self.widths[widthIndex] }
    /// Index (time / width) of the first bucket.
    public private(set) var firstBucket: Int64 = 0
    /// Counts, `capacity` buckets × 16 lanes (kinds).
    public private(set) var counts: [KindCounts]
    public private(set) var isEmpty = true

    public init(capacity: Int = 4096) {
        self.capacity = max(16, capacity)
        counts = Array(repeating: KindCounts(), count: self.capacity)
    }

    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    public mutating func add(time: Int64, kind: EventKind) {
        if isEmpty {
            isEmpty = false
            // Start with room on both sides of the first event.
            firstBucket = Self.floorDiv(time, width) - Int64(capacity / 4)
        }
        var b = Self.floorDiv(time, width)
        if b < firstBucket || b >= firstBucket + Int64(capacity) {
            refit(including: time)
            b = Self.floorDiv(time, width)
        }
        counts[Int(b - firstBucket)].add(kind)
    }

    /// Widens (and moves) the window so it covers what it had and `time`.
    private mutating func refit(including time: Int64) {
        var lo = firstBucket * width, hi = (firstBucket + Int64(capacity)) * width - 1
        // The occupied part only.
        if let first = counts.firstIndex(where: { $0.total > 0 }), let last = counts.lastIndex(where: { $0.total > 0 }) {
            lo = (firstBucket + Int64(first)) * width
            hi = (firstBucket + Int64(last) + 1) * width - 1
        }
        lo = min(lo, time); hi = max(hi, time)
        var k = widthIndex
        while k + 1 < Self.widths.count,
              Self.floorDiv(hi, Self.widths[k]) - Self.floorDiv(lo, Self.widths[k]) + 1 > Int64(capacity) * 3 / 4 {
            k += 1
        }
        let w = Self.widths[k]
        let used = Self.floorDiv(hi, w) - Self.floorDiv(lo, w) + 1
        let slack = (Int64(capacity) - used) / 2
        let newFirst = Self.floorDiv(lo, w) - max(0, slack)
        var fresh = Array(repeating: KindCounts(), count: capacity)
        for (i, c) in counts.enumerated() where c.total > 0 {
            let t = (firstBucket + Int64(i)) * width
            fresh[Int(Self.floorDiv(t, w) - newFirst)].add(c)
        }
        counts = fresh
        widthIndex = k
        firstBucket = newFirst
    }

    /// The occupied range [start, end) in µs, or nil when empty.
    public var occupiedRange: Range<Int64>? {
        guard let first = counts.firstIndex(where: { $0.total > 0 }),
              let last = counts.lastIndex(where: { $0.total > 0 }) else { return nil }
        return (firstBucket + Int64(first)) * width ..< (firstBucket + Int64(last) + 1) * width
    }

    /// Intervals offered for display (µs): each is a multiple of every chain width below it.
    public static let displayIntervals: [Int64] = {
        let ms: Int64 = 1_000, s: Int64 = 1_000_000, m = 60 * s, h = 60 * m, d = 24 * h
        return [ms, 2 * ms, 5 * ms, 10 * ms, 20 * ms, 50 * ms, 100 * ms, 200 * ms, 500 * ms,
                s, 2 * s, 5 * s, 10 * s, 20 * s, 30 * s, m, 2 * m, 5 * m, 10 * m, 20 * m, 30 * m,
                h, 2 * h, 3 * h, 6 * h, 12 * h, d, 2 * d, 5 * d, 10 * d, 20 * d, 50 * d, 100 * d, 200 * d,
                500 * d, 1000 * d]
    }()

    /// Bars of at most `maxBars` intervals: the smallest display interval that is a multiple of
    /// the bucket width and fits, and the counts per interval from the first occupied one.
    public func bars(maxBars: Int = 120) -> (interval: Int64, start: Int64, counts: [KindCounts])? {
        guard let range = occupiedRange else { return nil }
        let interval = Self.displayIntervals.first { iv in
            iv % width == 0 && Self.floorDiv(range.upperBound - 1, iv) - Self.floorDiv(range.lowerBound, iv) + 1 <= Int64(maxBars)
        } ?? {
            // Beyond the table: a multiple of the width.
            var iv = width
            while Self.floorDiv(range.upperBound - 1, iv) - Self.floorDiv(range.lowerBound, iv) + 1 > Int64(maxBars) { iv *= 2 }
            return iv
        }()
        let first = Self.floorDiv(range.lowerBound, interval)
        let n = Int(Self.floorDiv(range.upperBound - 1, interval) - first + 1)
        var out = Array(repeating: KindCounts(), count: n)
        for (i, c) in counts.enumerated() where c.total > 0 {
            let t = (firstBucket + Int64(i)) * width
            out[Int(Self.floorDiv(t, interval) - first)].add(c)
        }
        return (interval, first * interval, out)
    }
}
