// A bounded table keyed by 64-bit StableHash values: open addressing on the key's own bits (no
// Hasher, no key comparison beyond one word), at most `capacity` entries, the lighter half
// forgotten when full (counted as in BoundedTable). The report's hot tables (programs, files,
// directories) use it: one probe sequence per event and table.
//
// Layout and finding are kept apart. Entries sit in `slots` by linear probing on the key's low
// bits, and that layout decides what the page shows: an eviction keeps ties in slot order, and
// the values are listed in slot order. But keeping ties in slot order packs the survivors into
// the low slots (their home slots are low), and linear probing then walks that one long run on
// every miss: measured at about 300 probes per event in the files table of a capture with many
// equally busy files. So the layout is only maintained, never walked:
// - a key is found through `index`, a second open-addressing table on the key's high bits
//   (independent of which low slots survived), which holds the key's slot;
// - a new key's slot — the first free slot at or after its home, as linear probing would choose
//   — comes from `nextFree`, a union-find over the slots (path compression: a run is crossed
//   once, not per insert).
// Entries, evictions and order are exactly those of plain linear probing.

public struct HashedTable<Value: Weighted> {
    public let capacity: Int
    /// The layout: keys by slot (0: free), values beside them.
    private var keys: [UInt64]
    private var values: [Value?]
    private var mask: Int
    /// The finding: key → slot, open addressing on the key's high 32 bits (same size as `keys`).
    private var indexKeys: [UInt64]
    private var indexSlots: [Int32]
    /// For a free slot itself; for a used one, a later slot (cyclically) with only used slots
    /// before it: following it leads to the first free slot.
    private var nextFree: [Int32]
    public private(set) var count = 0
    public private(set) var evictedKeys: UInt64 = 0
    public private(set) var evictedWeight: UInt64 = 0
    private var scratch: [UInt64] = []

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
        keys = []; values = []; indexKeys = []; indexSlots = []; nextFree = []; mask = 0
        reset(slots: initial)
    }

    public var isApproximate: Bool { evictedKeys > 0 }

    /// Slot of `key` (0 is reserved for free slots: a hash of 0 is taken as 1).
    @inline(__always) static func normalized(_ key: UInt64) -> UInt64 { key == 0 ? 1 : key }

    /// Empty arrays of `slots` slots (a power of two).
    private mutating func reset(slots: Int) {
        keys = [UInt64](repeating: 0, count: slots)
        values = [Value?](repeating: nil, count: slots)
        indexKeys = [UInt64](repeating: 0, count: slots)
        indexSlots = [Int32](repeating: 0, count: slots)
        nextFree = (0..<Int32(slots)).map { $0 }
        mask = slots - 1
        count = 0
    }

    /// Position in `indexKeys` of `k`, or of the free position where it would go.
    @inline(__always) private func indexPosition(_ k: UInt64) -> Int {
        var j = Int(truncatingIfNeeded: k >> 32) & mask
        while true {
            let x = indexKeys[j]
            if x == k || x == 0 { return j }
            j = (j &+ 1) & mask
        }
    }

    /// The first free slot at or after `home` (cyclically), compressing the path walked.
    @inline(__always) private mutating func freeSlot(from home: Int) -> Int {
        var r = home
        while Int(nextFree[r]) != r { r = Int(nextFree[r]) }
        var x = home
        while x != r { let n = Int(nextFree[x]); nextFree[x] = Int32(r); x = n }
        return r
    }

    /// Stores `v` under `k` (absent, and room for it): the slot linear probing would give it.
    /// `v` is moved in (no copy of its names).
    private mutating func place(_ k: UInt64, _ v: consuming Value, indexPosition j: Int) {
        let i = freeSlot(from: Int(truncatingIfNeeded: k) & mask)
        keys[i] = k; values[i] = consume v
        nextFree[i] = Int32((i + 1) & mask)
        indexKeys[j] = k; indexSlots[j] = Int32(i)
        count += 1
    }

    /// Updates the entry for `key`, creating it with `make()` first when absent.
    @inline(__always)
    public mutating func update(_ key: UInt64, make: () -> Value, _ body: (inout Value) -> Void) {
        let k = Self.normalized(key)
        let j = indexPosition(k)
        if indexKeys[j] == k { body(&values[Int(indexSlots[j])]!); return }
        if evictedKeys > 0 && admitEvery > 1 {
            misses += 1
            if misses % admitEvery != 0 { return }
        }
        var v = make()
        body(&v)
        if count >= capacity {
            evictLighterHalf()
        } else if (count + 1) * 2 > keys.count {
            rebuild(slots: keys.count * 2, keepingAbove: nil)
        } else {
            place(k, v, indexPosition: j)
            return
        }
        place(k, v, indexPosition: indexPosition(k))
    }

    /// Updates the entry for `key` when there is one.
    public mutating func updateIfPresent(_ key: UInt64, _ body: (inout Value) -> Void) {
        let k = Self.normalized(key)
        let j = indexPosition(k)
        if indexKeys[j] == k { body(&values[Int(indexSlots[j])]!) }
    }

    private mutating func evictLighterHalf() {
        scratch.removeAll(keepingCapacity: true)
        // Weights read in place, in slot order (iterating `values` copied every entry: a retain
        // and a release of its names each, measured as most of an eviction's time).
        values.withUnsafeBufferPointer { p in
            for i in 0..<p.count { if let w = p[i]?.weight { scratch.append(w) } }
        }
        let cut = BoundedTable<Int, Value>.select(&scratch, scratch.count / 2)
        rebuild(slots: keys.count, keepingAbove: cut)
    }

    /// New slots; with `keepingAbove`, only entries heavier than it (and some equal to it, the
    /// first in slot order) stay. Values are moved, not copied, in slot order.
    private mutating func rebuild(slots: Int, keepingAbove cut: UInt64?) {
        let oldKeys = keys
        var oldValues = values
        values = []  // `oldValues` is then the only reference: taking from it moves
        reset(slots: slots)
        var ties = 0
        for i in 0..<oldKeys.count where oldKeys[i] != 0 {
            let k = oldKeys[i]
            let v = oldValues[i].take()!
            if let cut {
                let w = v.weight
                if w < cut || (w == cut && ties >= capacity / 4) {
                    evictedKeys += 1; evictedWeight += w
                    continue
                }
                if w == cut { ties += 1 }
            }
            place(k, v, indexPosition: indexPosition(k))
        }
    }

    /// The entries (for rendering).
    public var entries: [UInt64: Value] {
        var d: [UInt64: Value] = [:]
        d.reserveCapacity(count)
        for i in 0..<keys.count where keys[i] != 0 { d[keys[i]] = values[i]! }
        return d
    }

    /// Every value (for rendering), in slot order.
    public var allValues: [Value] { values.compactMap { $0 } }

    /// The `n` heaviest values, heaviest first; ties by `tieBreak` (ascending).
    public func topValues(_ n: Int, by weight: (Value) -> UInt64 = { $0.weight },
                          tieBreak: (Value, Value) -> Bool) -> [Value] {
        let all = allValues
        let weights = all.map(weight)
        // Positions are sorted, not the values (the same comparisons, so the same order): moving
        // large values (a program's own tables) cost more than the comparisons (measured).
        return all.indices.sorted { a, b in
            weights[a] != weights[b] ? weights[a] > weights[b] : tieBreak(all[a], all[b])
        }.prefix(n).map { all[$0] }
    }
}

extension HashedTable: Sendable where Value: Sendable {}
