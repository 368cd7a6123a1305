// Most eslogger lines of a busy Mac come from a few processes, and eslogger prints a process's
// object (tokens, executable with its stat block, code-signing members: about 1.3 KB) the same way
// in each of its events. The decoder finds the object's end with a structural skip, and decodes it
// only when these exact bytes were not decoded before: a hit costs a hash over the bytes and one
// comparison instead of walking some 60 members.

/// Decoded process objects by their exact bytes. Bounded: at `capacity` entries it starts afresh.
public final class EsloggerProcessCache {
    struct Entry {
        var raw: [UInt8]
        var process: EsloggerProcess?
    }

    public let capacity: Int
    private var entries: [UInt64: Entry] = [:]
    public private(set) var hits: UInt64 = 0
    public private(set) var misses: UInt64 = 0

    public init(capacity: Int = 1024) { self.capacity = max(1, capacity) }

    public var count: Int { entries.count }

    /// The process decoded from exactly these bytes before; nil when there is none (then `decode`
    /// it and `store` the result).
    func lookup(_ raw: UnsafeRawBufferPointer) -> EsloggerProcess?? {
        let h = Self.hash(raw)
        if let e = entries[h], e.raw.count == raw.count,
           e.raw.withUnsafeBytes({ memoryEqual($0, raw) }) {
            hits &+= 1
            return .some(e.process)
        }
        misses &+= 1
        return nil
    }

    func store(_ raw: UnsafeRawBufferPointer, _ process: EsloggerProcess?) {
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[Self.hash(raw)] = Entry(raw: Array(raw), process: process)
    }

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

/// Byte-wise equality of two equally long buffers, eight bytes at a time.
@inline(__always) func memoryEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    let n = a.count
    guard n == b.count else { return false }
    var i = 0
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
