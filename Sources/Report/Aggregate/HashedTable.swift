// A bounded table keyed by 64-bit StableHash values: open addressing on the key's own bits (no
// Hasher, no key comparison beyond one word), at most `capacity` entries, the lighter half
// forgotten when full (counted as in BoundedTable). The report's hot tables (programs, files,
// directories) use it: one probe sequence per event and table.

public struct HashedTable<Value: Weighted> {
    public let capacity: Int
    private var keys: [UInt64]
    private var values: [Value?]
    private var mask: Int
    public private(set) var count = 0
    public private(set) var evictedKeys: UInt64 = 0
    public private(set) var evictedWeight: UInt64 = 0
    private var scratch: [UInt64] = []
    private var spareKeys: [UInt64] = []
    private var spareValues: [Value?] = []

    /// Once the table has forgotten entries, a key it does not hold gets in only at every
    /// `admitEvery`-th such miss (1: always): a stream of one-off keys then churns the table
    /// `admitEvery` times less, while a key that keeps coming back still gets in.
    public let admitEvery: Int
    private var misses = 0

    public init(capacity: Int, admitEvery: Int = 1) {
        self.admitEvery = max(1, admitEvery)
        self.capacity = max(2, capacity)
        var slots = 8
        while slots < self.capacity * 2 { slots <<= 1 }
        // Small tables start small and double up to their final size.
        let initial = min(slots, 64)
        keys = [UInt64](repeating: 0, count: initial)
        values = [Value?](repeating: nil, count: initial)
        mask = initial - 1
    }

    public var isApproximate: Bool { evictedKeys > 0 }

    /// Slot of `key` (0 is reserved for free slots: a hash of 0 is taken as 1).
    @inline(__always) static func normalized(_ key: UInt64) -> UInt64 { key == 0 ? 1 : key }

    /// Updates the entry for `key`, creating it with `make()` first when absent.
    @inline(__always)
    public mutating func update(_ key: UInt64, make: () -> Value, _ body: (inout Value) -> Void) {
        let k = Self.normalized(key)
        var i = Int(truncatingIfNeeded: k) & mask
        while true {
            let slot = keys[i]
            if slot == k { body(&values[i]!); return }
            if slot == 0 { break }
            i = (i + 1) & mask
        }
        if evictedKeys > 0 && admitEvery > 1 {
            misses += 1
            if misses % admitEvery != 0 { return }
        }
        if count >= capacity {
            evictLighterHalf()
        } else if (count + 1) * 2 > keys.count {
            rebuild(slots: keys.count * 2, keepingAbove: nil)
        } else {
            var v = make()
            body(&v)
            keys[i] = k; values[i] = v; count += 1
            return
        }
        insert(k, { var v = make(); body(&v); return v }())
    }

    /// Updates the entry for `key` when there is one.
    public mutating func updateIfPresent(_ key: UInt64, _ body: (inout Value) -> Void) {
        let k = Self.normalized(key)
        var i = Int(truncatingIfNeeded: k) & mask
        while keys[i] != 0 {
            if keys[i] == k { body(&values[i]!); return }
            i = (i + 1) & mask
        }
    }

    private mutating func insert(_ k: UInt64, _ v: Value) {
        var i = Int(truncatingIfNeeded: k) & mask
        while keys[i] != 0 { i = (i + 1) & mask }
        keys[i] = k; values[i] = v; count += 1
    }

    private mutating func evictLighterHalf() {
        scratch.removeAll(keepingCapacity: true)
        for v in values where v != nil { scratch.append(v!.weight) }
        let cut = BoundedTable<Int, Value>.select(&scratch, scratch.count / 2)
        rebuild(slots: keys.count, keepingAbove: cut)
    }

    /// New slots; with `keepingAbove`, only entries heavier than it (and some equal to it) stay.
    /// The old slots are emptied as they are read (values moved, not copied) and kept as the
    /// spare for the next rebuild: a full table evicting again and again allocates nothing.
    private mutating func rebuild(slots: Int, keepingAbove cut: UInt64?) {
        if spareKeys.count != slots {
            spareKeys = [UInt64](repeating: 0, count: slots)
            spareValues = [Value?](repeating: nil, count: slots)
        }
        swap(&keys, &spareKeys)
        swap(&values, &spareValues)
        mask = slots - 1
        count = 0
        var ties = 0
        for i in 0..<spareKeys.count where spareKeys[i] != 0 {
            let k = spareKeys[i]
            spareKeys[i] = 0
            let v = spareValues[i].take()!
            if let cut {
                let w = v.weight
                if w < cut || (w == cut && ties >= capacity / 4) {
                    evictedKeys += 1; evictedWeight += w
                    continue
                }
                if w == cut { ties += 1 }
            }
            insert(k, v)
        }
        if spareKeys.count != slots { spareKeys = []; spareValues = [] }  // grown: the old size is not needed again
    }

    /// The entries (for rendering).
    public var entries: [UInt64: Value] {
        var d: [UInt64: Value] = [:]
        d.reserveCapacity(count)
        for i in 0..<keys.count where keys[i] != 0 { d[keys[i]] = values[i]! }
        return d
    }

    /// Every value (for rendering).
    public var allValues: [Value] { values.compactMap { $0 } }

    /// The `n` heaviest values, heaviest first; ties by `tieBreak` (ascending).
    public func topValues(_ n: Int, by weight: (Value) -> UInt64 = { $0.weight },
                          tieBreak: (Value, Value) -> Bool) -> [Value] {
        allValues.sorted { a, b in
            let wa = weight(a), wb = weight(b)
            return wa != wb ? wa > wb : tieBreak(a, b)
        }.prefix(n).map { $0 }
    }
}

extension HashedTable: Sendable where Value: Sendable {}
