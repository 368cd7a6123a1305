// Small counting types for the report's aggregates: counts per event kind, a bounded table that
// forgets its lightest entries (so memory stays flat whatever the capture's size), and a distinct
// counter that is exact while small and an estimate (HyperLogLog) after.

import FileWatchCore

/// Counts per event kind, inline (no allocation), indexed by `EventKind.index`.
public struct KindCounts: Sendable, Equatable {
    public var lanes = SIMD16<UInt32>()

    public init() {}

    @inline(__always) public mutating func add(_ kind: EventKind, _ n: UInt32 = 1) { lanes[kind.index] &+= n }
    @inline(__always) public mutating func add(_ other: KindCounts) { lanes &+= other.lanes }
    public subscript(_ kind: EventKind) -> UInt64 { UInt64(lanes[kind.index]) }
    /// The sum of the lanes (widened first: it may pass 2^32). Vector instructions, no loop: the
    /// tables weigh entries by it when they evict (measured).
    @inline(__always) public var total: UInt64 { SIMD16<UInt64>(truncatingIfNeeded: lanes).wrappedSum() }
    /// Kinds with a count, in `EventKind.allCases` order.
    public var nonZero: [(kind: EventKind, count: UInt64)] {
        EventKind.allCases.compactMap { self[$0] > 0 ? (kind: $0, count: self[$0]) : nil }
    }
}

/// Something a bounded table can rank.
public protocol Weighted {
    var weight: UInt64 { get }
}

/// A table of at most `capacity` keys. When a new key finds it full, the lighter half is
/// forgotten (counted in `evictedKeys` / `evictedWeight`): what is frequent stays exact, the rest
/// is summarized as "N more". Amortized O(1) per update.
public struct BoundedTable<Key: Hashable, Value: Weighted> {
    public private(set) var entries: [Key: Value] = [:]
    public let capacity: Int
    /// Keys forgotten (a key seen again after being forgotten counts again).
    public private(set) var evictedKeys: UInt64 = 0
    /// Their summed weight at the time.
    public private(set) var evictedWeight: UInt64 = 0
    /// Reused by eviction.
    private var scratch: [UInt64] = []

    public init(capacity: Int) {
        self.capacity = max(2, capacity)
        entries.reserveCapacity(min(self.capacity, 1024))
    }

    public var count: Int { entries.count }
    /// True once something was forgotten: per-key counts may then be low for keys that came back.
    public var isApproximate: Bool { evictedKeys > 0 }

    /// Updates the entry for `key`, creating it with `make()` first when absent.
    @inline(__always)
    public mutating func update(_ key: Key, make: () -> Value, _ body: (inout Value) -> Void) {
        if let i = entries.index(forKey: key) {
            body(&entries.values[i])
            return
        }
        if entries.count >= capacity { evictLighterHalf() }
        var v = make()
        body(&v)
        entries[key] = v
    }

    private mutating func evictLighterHalf() {
        // The median weight by selection (no full sort), then the heavier half into a new table
        // (removing in place would leave long probe clusters).
        scratch.removeAll(keepingCapacity: true)
        for v in entries.values { scratch.append(v.weight) }
        let cut = Self.select(&scratch, scratch.count / 2)
        var kept: [Key: Value] = [:]
        kept.reserveCapacity(capacity)
        var ties = 0
        for (k, v) in entries {
            let w = v.weight
            if w > cut || (w == cut && ties < capacity / 4) {
                if w == cut { ties += 1 }
                kept[k] = v
            } else {
                evictedKeys += 1
                evictedWeight += w
            }
        }
        entries = kept
    }

    /// The k-th smallest of `a` (0-based), reordering `a` (Hoare's quickselect, middle pivot).
    static func select(_ a: inout [UInt64], _ k: Int) -> UInt64 {
        var lo = 0, hi = a.count - 1
        while lo < hi {
            let pivot = a[lo + (hi - lo) / 2]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
    }

    /// The `n` heaviest values, heaviest first; ties by `tieBreak` on the values (ascending).
    public func topValues(_ n: Int, by weight: (Value) -> UInt64 = { $0.weight },
                          tieBreak: (Value, Value) -> Bool) -> [Value] {
        entries.values.sorted { a, b in
            let wa = weight(a), wb = weight(b)
            return wa != wb ? wa > wb : tieBreak(a, b)
        }.prefix(n).map { $0 }
    }

    /// The `n` heaviest entries, heaviest first; ties by `tieBreak` (ascending).
    public func top(_ n: Int, by weight: (Value) -> UInt64 = { $0.weight },
                    tieBreak: (Key, Key) -> Bool) -> [(key: Key, value: Value)] {
        entries.map { (key: $0.key, value: $0.value) }
            .sorted { a, b in
                let wa = weight(a.value), wb = weight(b.value)
                return wa != wb ? wa > wb : tieBreak(a.key, b.key)
            }
            .prefix(n).map { $0 }
    }
}

/// Counts distinct byte strings (by their `StableHash`): exactly up to `exactLimit`, then by a
/// HyperLogLog sketch (2^10 registers, about 3 % error).
public struct DistinctCounter: Sendable {
    /// Open addressing, linear probing; 0 marks a free slot (a hash of 0 is stored as 1).
    private var slots: [UInt64] = []
    private var used = 0
    private var registers: [UInt8] = []
    public let exactLimit: Int

    public init(exactLimit: Int = 256) { self.exactLimit = max(1, exactLimit) }

    public var isExact: Bool { registers.isEmpty }

    @inline(__always)
    public mutating func add(_ bytes: [UInt8]) { add(hash: StableHash.of(bytes)) }

    public mutating func add(hash: UInt64) {
        guard registers.isEmpty else { insertRegister(hash); return }
        let h = hash == 0 ? 1 : hash
        if slots.isEmpty { slots = [UInt64](repeating: 0, count: 16) }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let v = slots[i]
            if v == h { return }
            if v == 0 { break }
            i = (i + 1) & mask
        }
        slots[i] = h
        used += 1
        if used > exactLimit {
            registers = [UInt8](repeating: 0, count: 1 << 10)
            for x in slots where x != 0 { insertRegister(x) }
            slots = []
        } else if used * 2 > slots.count {
            let old = slots
            slots = [UInt64](repeating: 0, count: old.count * 2)
            let m = slots.count - 1
            for x in old where x != 0 {
                var j = Int(truncatingIfNeeded: x) & m
                while slots[j] != 0 { j = (j + 1) & m }
                slots[j] = x
            }
        }
    }

    @inline(__always) private mutating func insertRegister(_ h: UInt64) {
        let index = Int(h >> 54)
        let rank = UInt8(min(((h << 10) | (1 << 9)).leadingZeroBitCount + 1, 55))
        if registers[index] < rank { registers[index] = rank }
    }

    /// The number of distinct values (exact while `isExact`).
    public var count: UInt64 {
        if registers.isEmpty { return UInt64(used) }
        let m = Double(registers.count)
        var sum = 0.0
        var zeros = 0
        for r in registers {
            sum += 1.0 / Double(UInt64(1) << UInt64(r))
            if r == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        var estimate = alpha * m * m / sum
        if estimate <= 2.5 * m, zeros > 0 {
            estimate = m * log(m / Double(zeros))
        }
        return UInt64(estimate.rounded())
    }
}

/// A hash that is the same in every run (FNV-1a, then a 64-bit finalizer), so reports are
/// reproducible; and the hashes of a path and of its directory in one pass.
public enum StableHash {
    static let basis: UInt64 = 0xcbf2_9ce4_8422_2325
    @inline(__always) static func step(_ h: UInt64, _ b: UInt8) -> UInt64 { (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
    @inline(__always) static func finish(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33; h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33; h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    @inline(__always)
    public static func of(_ bytes: [UInt8]) -> UInt64 {
        var h = basis
        for b in bytes { h = step(h, b) }
        return finish(h)
    }

    /// `of(path)` and `of(directoryOf(path))`, in one pass.
    @inline(__always)
    public static func pathAndDirectory(_ bytes: [UInt8]) -> (path: UInt64, directory: UInt64) {
        var h = basis
        var atSlash = basis
        var lastSlash = -1
        bytes.withUnsafeBufferPointer { p in
            for i in 0..<p.count {
                let b = p[i]
                if b == UInt8(ascii: "/") { atSlash = h; lastSlash = i }
                h = step(h, b)
            }
        }
        let dir = lastSlash < 0 ? step(basis, UInt8(ascii: ".")) : lastSlash == 0 ? step(basis, UInt8(ascii: "/")) : atSlash
        return (finish(h), finish(dir))
    }
}

/// Natural logarithm without Foundation (for the sketch's small-range correction).
@inline(__always) func log(_ x: Double) -> Double {
    guard x > 0 else { return -.infinity }
    // x = m · 2^e with m in [1, 2); ln x = e·ln2 + ln m, ln m by atanh series.
    let e = Double(x.exponent)
    let m = x.significand
    let y = (m - 1) / (m + 1)
    let y2 = y * y
    var term = y, sum = 0.0
    var k = 1.0
    for _ in 0..<30 { sum += term / k; term *= y2; k += 2 }
    return e * 0.693_147_180_559_945_3 + 2 * sum
}

extension BoundedTable: Sendable where Key: Sendable, Value: Sendable {}
