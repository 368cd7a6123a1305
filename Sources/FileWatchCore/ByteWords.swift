// Eight bytes at a time (SWAR): the word tests every byte scanner here uses (the audit field
// scanner, the line splitter, the JSON scanner and escaper), in one place.
//
// `(x − 0x01…01) & ~x & 0x80…80` sets the top bit of each byte of `x` that is zero — and perhaps of
// bytes above a zero byte, which a borrow reached: the LOWEST marked byte is always exact, so a
// scan takes `trailingZeroBitCount / 8` of a little-endian word, and "any byte marked" is exact.

enum ByteWords {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// `byte` in each of the eight bytes.
    @inline(__always)
    static func broadcast(_ byte: UInt8) -> UInt64 { UInt64(byte) &* ones }

    /// The high bit of each byte of `w` equal to the byte broadcast in `pattern` (exact at the lowest).
    @inline(__always)
    static func equalBytes(_ w: UInt64, _ pattern: UInt64) -> UInt64 {
        let x = w ^ pattern
        return (x &- ones) & ~x & highs
    }

    /// The high bit of each byte of `w` below the byte broadcast in `limit` (≤ 0x80; exact at the lowest).
    @inline(__always)
    static func bytesBelow(_ w: UInt64, _ limit: UInt64) -> UInt64 {
        (w &- limit) & ~w & highs
    }

    /// The high bit of each byte of `w` that is 0x80 or above.
    @inline(__always)
    static func nonASCII(_ w: UInt64) -> UInt64 { w & highs }

    /// The first index in `start..<end` whose byte `test` marks (a word test exact at its lowest
    /// mark), else `end`. Eight bytes a step; the last one to seven bytes are read as the top of
    /// the word ending at `end` (when `end` ≥ 8), the bytes before `start` shifted out.
    @inline(__always)
    static func scan(_ p: UnsafeRawPointer, _ start: Int, _ end: Int, _ test: (UInt64) -> UInt64) -> Int {
        var i = start
        while i &+ 8 <= end {
            let m = test(UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            if m != 0 { return i &+ m.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        guard i < end else { return end }
        if end >= 8 {
            let dropped = UInt64(8 &- (end &- i)) &* 8  // bits of the bytes before `i`: 8…56
            let w = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: end &- 8, as: UInt64.self)) &>> dropped
            let m = test(w) & (UInt64.max &>> dropped)
            return m != 0 ? i &+ m.trailingZeroBitCount &>> 3 : end
        }
        while i < end {
            // The byte alone in a word: only its own mark counts (the zero bytes above it could be marked).
            if test(UInt64(p.load(fromByteOffset: i, as: UInt8.self))) & 0x80 != 0 { return i }
            i &+= 1
        }
        return end
    }
}
