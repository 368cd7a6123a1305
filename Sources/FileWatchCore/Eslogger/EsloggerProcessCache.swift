// Most eslogger lines of a busy Mac come from a few processes, and eslogger prints a process's
// object (tokens, executable with its stat block, code-signing members: about 1.3 KB) the same way
// in each of its events. The decoder asks this cache first, at the object's first byte: an entry
// whose exact bytes start there is a hit — the object ends where the entry's bytes end (a complete
// JSON value is decided by its own bytes: what follows cannot change where it ends), so a hit
// costs a hash of the first `keyBytes` bytes and one comparison, instead of a structural skip
// over 1.3 KB of quoted members, a hash over all of it and a walk of some 60 members.
// (Measured with callgrind on bench/eslogger-gen.py output: the skip, hash and compare of the
// earlier cache were about a third of the instructions per line.)
//
// Entries are found by a hash of their first `keyBytes` bytes (the audit token and parent ids are
// near the start of real objects); objects shorter than that are not kept (they are cheap to
// decode). Several objects may share a first `keyBytes` bytes (or a bucket): a bucket holds up
// to `bucketCapacity` of them, the newest first.

/// Decoded process objects by their exact bytes. Bounded: at `capacity` entries it starts afresh.
public final class EsloggerProcessCache {
    struct Entry {
        var key: UInt64
        var raw: [UInt8]
        var process: EsloggerProcess?
    }

    public let capacity: Int
    /// Bytes hashed to find an object's bucket; shorter objects are not kept.
    public static let keyBytes = 128
    /// Objects kept per bucket (objects with the same first `keyBytes` bytes).
    public static let bucketCapacity = 4
    /// Buckets by the key's low bits (an array, not a Dictionary: no second hash per line).
    private var buckets = [[Entry]](repeating: [], count: 1024)
    public private(set) var count = 0
    public private(set) var hits: UInt64 = 0
    public private(set) var misses: UInt64 = 0

    public init(capacity: Int = 1024) { self.capacity = max(1, capacity) }

    /// The process decoded before from the object whose bytes start at `input[start]`, and the
    /// offset just after that object; nil when no kept object starts there (then skip and decode
    /// the object, and `store` it).
    func lookup(_ input: UnsafeRawBufferPointer, at start: Int) -> (process: EsloggerProcess?, end: Int)? {
        let available = input.count - start
        guard available >= Self.keyBytes else {
            misses &+= 1
            return nil
        }
        let key = Self.hash(UnsafeRawBufferPointer(rebasing: input[start..<start + Self.keyBytes]))
        for e in buckets[Self.slot(key)] where e.key == key && e.raw.count <= available {
            let same = e.raw.withUnsafeBytes {
                memoryEqual($0, UnsafeRawBufferPointer(rebasing: input[start..<start + $0.count]))
            }
            if same {
                hits &+= 1
                return (e.process, start + e.raw.count)
            }
        }
        misses &+= 1
        return nil
    }

    /// Keeps the process decoded from `raw` (one complete JSON object).
    func store(_ raw: UnsafeRawBufferPointer, _ process: EsloggerProcess?) {
        guard raw.count >= Self.keyBytes else { return }
        if count >= capacity {
            for i in buckets.indices { buckets[i].removeAll() }
            count = 0
        }
        let key = Self.hash(UnsafeRawBufferPointer(rebasing: raw[0..<Self.keyBytes]))
        let slot = Self.slot(key)
        if buckets[slot].count >= Self.bucketCapacity { buckets[slot].removeLast(); count -= 1 }
        buckets[slot].insert(Entry(key: key, raw: Array(raw), process: process), at: 0)
        count += 1
    }

    @inline(__always) static func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: key & 1023) }

    /// A quick 64-bit hash of the bytes, eight at a time (not for adversaries: a collision only
    /// costs the comparison that follows).
    static func hash(_ p: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(p.count)
        var i = 0
        let n = p.count
        while i &+ 8 <= n {
            h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i &+= 8
        }
        while i < n {
            h = (h ^ UInt64(p[i])) &* 0xC4CE_B9FE_1A85_EC53
            i &+= 1
        }
        return h ^ (h >> 32)
    }
}

/// Byte-wise equality of two buffers, 32 bytes at a time (the process cache compares 1.3 KB
/// objects on every line: measured).
@inline(__always) func memoryEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    let n = a.count
    guard n == b.count else { return false }
    var i = 0
    while i &+ 32 <= n {
        let d = (a.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            | (a.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self) ^ b.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self))
            | (a.loadUnaligned(fromByteOffset: i &+ 16, as: UInt64.self) ^ b.loadUnaligned(fromByteOffset: i &+ 16, as: UInt64.self))
            | (a.loadUnaligned(fromByteOffset: i &+ 24, as: UInt64.self) ^ b.loadUnaligned(fromByteOffset: i &+ 24, as: UInt64.self))
        if d != 0 { return false }
        i &+= 32
    }
    while i &+ 8 <= n {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i &+= 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i &+= 1
    }
    return true
}
