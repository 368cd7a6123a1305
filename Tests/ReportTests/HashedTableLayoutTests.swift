import FileWatchCore
import Testing
@testable import Report

/// HashedTable finds keys through a second index and free slots through union-find, but what the
/// page shows depends on its layout (ties kept in slot order, values listed in slot order): it must
/// hold, evict and list exactly what plain linear probing does. The reference below is the table
/// as it was before (probing the slots themselves), written out as simply as possible.
@Suite struct HashedTableLayoutTests {
    struct Entry: Weighted, Equatable { var key: UInt64; var weight: UInt64 }

    /// Plain linear probing: the same growth, eviction (median cut, ties in slot order up to a
    /// quarter of the capacity) and admission rule.
    struct Reference {
        let capacity: Int, admitEvery: Int
        var keys: [UInt64], values: [Entry?]
        var count = 0, misses = 0
        var evictedKeys: UInt64 = 0, evictedWeight: UInt64 = 0

        init(capacity: Int, admitEvery: Int) {
            self.capacity = max(2, capacity); self.admitEvery = max(1, admitEvery)
            var slots = 8
            while slots < self.capacity * 2 { slots <<= 1 }
            keys = Array(repeating: 0, count: min(slots, 64)); values = Array(repeating: nil, count: keys.count)
        }

        mutating func insert(_ k: UInt64, _ v: Entry) {
            var i = Int(truncatingIfNeeded: k) & (keys.count - 1)
            while keys[i] != 0 { i = (i + 1) & (keys.count - 1) }
            keys[i] = k; values[i] = v; count += 1
        }

        mutating func rebuild(slots: Int, cut: UInt64?) {
            let oldKeys = keys, oldValues = values
            keys = Array(repeating: 0, count: slots); values = Array(repeating: nil, count: slots); count = 0
            var ties = 0
            for i in oldKeys.indices where oldKeys[i] != 0 {
                let v = oldValues[i]!
                if let cut {
                    if v.weight < cut || (v.weight == cut && ties >= capacity / 4) { evictedKeys += 1; evictedWeight += v.weight; continue }
                    if v.weight == cut { ties += 1 }
                }
                insert(oldKeys[i], v)
            }
        }

        mutating func add(_ key: UInt64, _ w: UInt64) {
            let k = key == 0 ? 1 : key
            var i = Int(truncatingIfNeeded: k) & (keys.count - 1)
            while keys[i] != 0 {
                if keys[i] == k { values[i]!.weight += w; return }
                i = (i + 1) & (keys.count - 1)
            }
            if evictedKeys > 0 && admitEvery > 1 { misses += 1; if misses % admitEvery != 0 { return } }
            if count >= capacity {
                var weights = values.compactMap { $0?.weight }
                weights.sort()
                rebuild(slots: keys.count, cut: weights[weights.count / 2])
            } else if (count + 1) * 2 > keys.count {
                rebuild(slots: keys.count * 2, cut: nil)
            }
            insert(k, Entry(key: key, weight: w))
        }

        var allValues: [Entry] { values.compactMap { $0 } }
    }

    /// Keys from a small pool (so they come back, and weights tie a lot), with low bits that
    /// collide often (runs form), in a deterministic pseudo-random order.
    @Test(arguments: [(capacity: 16, admitEvery: 1), (capacity: 64, admitEvery: 1), (capacity: 50, admitEvery: 4), (capacity: 300, admitEvery: 1)])
    func holdsEvictsAndListsAsPlainLinearProbing(capacity: Int, admitEvery: Int) {
        var table = HashedTable<Entry>(capacity: capacity, admitEvery: admitEvery)
        var reference = Reference(capacity: capacity, admitEvery: admitEvery)
        var x: UInt64 = 0x1234_5678_9ABC_DEF1
        for step in 0..<30_000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            let pool = UInt64(capacity * 6)
            // Low bits from a narrow range: many keys share home slots.
            let key = ((x % pool) << 8) | ((x >> 40) & 7)
            let w: UInt64 = (x >> 50) % 3 == 0 ? 2 : 1
            table.update(key, make: { Entry(key: key, weight: 0) }) { $0.weight += w }
            reference.add(key, w)
            if step % 1000 == 999 || step < 200 {
                #expect(table.allValues == reference.allValues, "step \(step)")
                #expect(table.count == reference.count && table.evictedKeys == reference.evictedKeys
                        && table.evictedWeight == reference.evictedWeight, "step \(step)")
            }
        }
        #expect(table.isApproximate)
        #expect(table.allValues == reference.allValues)
    }
}
