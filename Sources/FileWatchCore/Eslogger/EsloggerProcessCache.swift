// Most eslogger lines of a busy Mac come from a few processes, and eslogger prints a process's
// object (tokens, executable with its stat block, code-signing members: about 1.3 KB) the same way
// in each of its events. The decoder asks this cache first, at the object's first byte: an entry
// whose exact bytes start there is a hit and the object ends where the entry's bytes end, so a hit
// costs a hash of the first `keyBytes` bytes and one comparison, instead of a structural skip over
// 1.3 KB of quoted members and a walk of some 60 members. (Measured with callgrind on
// bench/eslogger-gen.py output: the skip, hash and compare of the earlier cache were about a third
// of the instructions per line.) The mechanics are the JSON Lines decoder's (JSONObjectCache.swift);
// this class holds one for a stream. The audit token and parent ids are near the start of real
// objects, so 128 bytes tell processes apart; objects shorter than that are not kept.

/// Decoded process objects by their exact bytes. Bounded: `capacity` entries.
public final class EsloggerProcessCache {
    /// Bytes hashed to find an object's set; shorter objects are not kept.
    public static let keyBytes = 128
    /// Objects kept per set (objects with the same first `keyBytes` bytes).
    public static var setSize: Int { JSONObjectCache<EsloggerProcess?>.ways }
    @exclusivity(unchecked) private var table: JSONObjectCache<EsloggerProcess?>  // one stream's, one thread

    public init(capacity: Int = 2048) { table = JSONObjectCache(slots: capacity, keyBytes: Self.keyBytes) }

    public var count: Int { table.count }
    public var hits: UInt64 { table.hits }
    public var misses: UInt64 { table.misses }

    /// The process decoded before from the object whose bytes start at `input[start]`, assigned to
    /// `process`, and the offset just after that object; nil (`process` untouched) when no kept
    /// object starts there (then skip and decode the object, and `store` it).
    func lookup(_ input: UnsafeRawBufferPointer, at start: Int, into process: inout EsloggerProcess?) -> Int? {
        table.lookup(input, at: start, into: &process)
    }

    /// Keeps the process decoded from `raw` (one complete JSON object).
    func store(_ raw: UnsafeRawBufferPointer, _ process: EsloggerProcess?) {
        table.store(raw, 0..<raw.count, process)
    }
}
