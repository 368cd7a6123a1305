// A capture repeats the same objects line after line: filewatcher's JSON Lines print a process's
// object (pid, names, user, command line: 150 bytes and more) the same way in each of its events,
// and `bsm_event` takes a handful of forms. Decoding such an object again costs a walk over its
// members and an allocation per name (measured: about 40 % of the instructions per line of a
// BSM trail's capture). This cache keeps decoded objects with their exact bytes and recognizes
// one at the scanner's position: an entry whose bytes start there is a hit, and the object ends
// where the entry's bytes end (a complete JSON value is decided by its own bytes: what follows
// cannot change where it ends or what it holds).
//
// Two-way set-associative: an object's set is a hash of its first `keyBytes` bytes (for a
// process: the pid and ppid), so a lookup costs one hash of a few words and at most two
// comparisons; a new object goes first in its set and the older first moves second (two objects
// sharing a set both stay: measured, direct mapping lost a tenth of the processes of a 100-process
// capture to such pairs). Objects shorter than `keyBytes` are not kept (they are cheap to
// decode). Memory is bounded by `slots` entries of the longest objects seen (each at most a line).

struct JSONObjectCache<Value> {
    /// Entries per set.
    static var ways: Int { 2 }
    /// Bytes hashed to find an object's slot (a multiple of 8).
    let keyBytes: Int
    /// Slot by slot: an object's bytes (empty: the slot is free; kept objects are not) and its
    /// value, apart (measured: reading an `(bytes, value)` entry copied and released both, about
    /// 600 instructions a line with eslogger's 1.3 KB processes).
    private var raws: [[UInt8]]
    private var values: [Value?]
    private let mask: Int
    private(set) var hits: UInt64 = 0
    private(set) var misses: UInt64 = 0

    /// - Parameters:
    ///   - slots: entries kept (rounded up to a power of two).
    ///   - keyBytes: bytes hashed from an object's start (rounded up to a multiple of 8).
    init(slots: Int, keyBytes: Int) {
        var n = 2
        while n < slots { n <<= 1 }
        raws = Array(repeating: [], count: n)
        values = Array(repeating: nil, count: n)
        mask = n - 1
        self.keyBytes = max(8, (keyBytes + 7) & ~7)
    }

    /// The first slot of the set for the object starting at `start` (the second is the next
    /// one), or nil when fewer than `keyBytes` bytes remain there (such an object is not kept).
    @inline(__always) private func set(_ input: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        guard start >= 0, input.count - start >= keyBytes else { return nil }
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        var i = start
        let end = start + keyBytes
        while i < end {
            h = (h ^ UInt64(littleEndian: input.loadUnaligned(fromByteOffset: i, as: UInt64.self))) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i &+= 8
        }
        return Int(truncatingIfNeeded: h ^ (h >> 32)) & mask & ~1
    }

    /// When the object at the scanner's next value (after whitespace) was decoded before: its
    /// value, with the scanner moved past the object. Otherwise nil and the scanner not moved
    /// (except past whitespace).
    mutating func lookup(_ s: inout JSONScanner) -> Value? {
        s.skipWhitespace()
        guard let (value, end) = lookup(s.input, at: s.position) else { return nil }
        s.position = end
        return value
    }

    /// The value decoded before from the object whose bytes start at `input[start]`, and the offset
    /// just after that object; nil when no kept object starts there.
    mutating func lookup(_ input: UnsafeRawBufferPointer, at start: Int) -> (value: Value, end: Int)? {
        guard let (slot, end) = find(input, at: start) else { return nil }
        return (values[slot]!, end)
    }

    /// As `lookup`, the value assigned to `value` (measured with eslogger's 1.3 KB processes: the
    /// returned tuple's copy and release were about 600 instructions a line); the offset just
    /// after the object, or nil with `value` untouched.
    mutating func lookup(_ input: UnsafeRawBufferPointer, at start: Int, into value: inout Value) -> Int? {
        guard let (slot, end) = find(input, at: start) else { return nil }
        value = values[slot]!
        return end
    }

    /// The slot of the kept object whose bytes start at `input[start]`, and the offset after it.
    private mutating func find(_ input: UnsafeRawBufferPointer, at start: Int) -> (slot: Int, end: Int)? {
        guard let first = set(input, start) else { misses &+= 1; return nil }
        for i in first..<first + Self.ways {
            let n = raws[i].count
            if n == 0 { break }
            if n <= input.count - start,
               raws[i].withUnsafeBytes({ memoryEqual($0, UnsafeRawBufferPointer(rebasing: input[start..<start + n])) }) {
                hits &+= 1
                return (i, start + n)
            }
        }
        misses &+= 1
        return nil
    }

    /// Objects kept now.
    var count: Int { raws.reduce(0) { $0 + ($1.isEmpty ? 0 : 1) } }

    /// Keeps `value`, decoded from the complete object `input[range]`.
    mutating func store(_ input: UnsafeRawBufferPointer, _ range: Range<Int>, _ value: Value) {
        guard range.lowerBound >= 0, range.upperBound <= input.count, range.count >= keyBytes,
              let i = set(input, range.lowerBound) else { return }
        // The second way's entry is dropped (its buffer reused), the first moves there.
        raws.swapAt(i, i + 1)
        values.swapAt(i, i + 1)
        raws[i].removeAll(keepingCapacity: true)
        raws[i].append(contentsOf: UnsafeRawBufferPointer(rebasing: input[range]))
        values[i] = value
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
    if i < n && n >= 8 {  // the last one to seven bytes: the word ending at `n` (overlapping the one before)
        return a.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
    }
    while i < n {
        if a[i] != b[i] { return false }
        i &+= 1
    }
    return true
}
