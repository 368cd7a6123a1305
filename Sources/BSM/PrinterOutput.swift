// The printer's output byte buffer: one growable block of raw memory, filled by the printer and
// drained (written) by the caller in large chunks. No String is built per token; every formatter
// writes digits and bytes straight into this buffer.

/// A growable byte buffer for hot-path output. Not thread-safe; one per printer.
public final class OutputBuffer {
    @exclusivity(unchecked) @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    /// Number of valid bytes.
    @exclusivity(unchecked) @usableFromInline var used: Int
    public internal(set) var count: Int {
        @inline(__always) get { used }
        @inline(__always) set { used = newValue }
    }

    public init(capacity: Int = 1 << 20) {
        let cap = max(capacity, 64)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
        self.capacity = cap
        used = 0
    }

    deinit { base.deallocate() }

    /// Makes room for at least `extra` more bytes.
    @inlinable @inline(__always)
    public func reserve(_ extra: Int) {
        if used &+ extra > capacity { grow(used + extra) }
    }

    @usableFromInline @inline(never)
    func grow(_ needed: Int) {
        var newCap = capacity * 2
        while newCap < needed { newCap *= 2 }
        let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: newCap)
        nb.update(from: base, count: count)
        base.deallocate()
        base = nb
        capacity = newCap
    }

    /// Appends one byte.
    @inlinable @inline(__always)
    public func append(_ b: UInt8) {
        if used == capacity { grow(used + 1) }
        base[used] = b
        used &+= 1
    }

    /// Appends one byte; the caller has reserved room.
    @inline(__always)
    func appendUnchecked(_ b: UInt8) {
        base[count] = b
        count &+= 1
    }

    /// Appends raw bytes.
    @inlinable @inline(__always)
    public func append(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        if n == 0 { return }
        reserve(n)
        let src = p.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let dst = base + used
        if n <= 32 {
            // Short pieces (delimiters, names, numbers) are cheaper by hand than through memmove.
            var i = 0
            while i < n { dst[i] = src[i]; i &+= 1 }
        } else {
            dst.update(from: src, count: n)
        }
        used &+= n
    }

    /// Appends the bytes of an array.
    @inlinable @inline(__always)
    public func append(_ a: [UInt8]) {
        a.withUnsafeBytes { append($0) }
    }

    /// Appends the bytes of a slice.
    @inline(__always)
    public func append(_ a: ArraySlice<UInt8>) {
        a.withUnsafeBytes { append($0) }
    }

    /// Appends a static ASCII string (literal).
    @inlinable @inline(__always)
    public func append(_ s: StaticString) {
        append(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Appends the UTF-8 of a String (not for hot paths).
    public func append(string s: String) {
        var s = s
        s.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Writes at most `maximum` bytes through a pointer; `body` returns how many it wrote. A count
    /// outside 0...maximum traps: the bytes past the reserved room would already have overwritten
    /// the heap, so going on would be worse.
    @inlinable @inline(__always)
    public func write(maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(maximum)
        let written = body(base + used)
        precondition(written >= 0 && written <= maximum, "OutputBuffer.write: wrote more than the reserved maximum")
        used &+= written
    }

    /// Forgets the content, keeps the memory.
    public func removeAll() { count = 0 }

    /// Drops the last `n` bytes.
    public func removeLast(_ n: Int) { count = max(0, count - n) }

    /// The content, valid until the next mutation.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// A copy of the content.
    public var array: [UInt8] { Array(bytes) }

    // MARK: numbers

    /// `%u` of an unsigned 64-bit value.
    @inline(__always)
    public func appendDecimal(_ v: UInt64) {
        if v < 10 { append(UInt8(truncatingIfNeeded: v) &+ 48); return }
        reserve(20)
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &tmp) { t in
            while x != 0 {
                let q = x / 10
                t[23 - n] = UInt8(truncatingIfNeeded: x &- q &* 10) &+ 48
                n &+= 1
                x = q
            }
            (base + count).update(from: t.baseAddress!.assumingMemoryBound(to: UInt8.self) + (24 - n), count: n)
        }
        count &+= n
    }

    /// `%u` of a 32-bit value.
    @inline(__always)
    public func appendDecimal(_ v: UInt32) { appendDecimal(UInt64(v)) }

    /// `%d` of a signed value.
    @inline(__always)
    public func appendDecimal(signed v: Int64) {
        if v < 0 {
            append(UInt8(ascii: "-"))
            appendDecimal(UInt64(bitPattern: 0 &- v))  // 0 - Int64.min wraps to its magnitude
        } else {
            appendDecimal(UInt64(v))
        }
    }

    /// `%x` (lowercase, no prefix).
    @inline(__always)
    public func appendHex(_ v: UInt64) {
        reserve(16)
        if v == 0 { appendUnchecked(48); return }
        let digits = (64 - v.leadingZeroBitCount + 3) / 4
        var i = digits - 1
        var x = v
        while i >= 0 {
            base[count + i] = hexDigit(UInt8(truncatingIfNeeded: x & 0xf))
            x >>= 4
            i -= 1
        }
        count &+= digits
    }

    /// `0x%x`.
    @inline(__always)
    public func appendHex0x(_ v: UInt64) {
        append("0x")
        appendHex(v)
    }

    /// `%#x`: `0` for zero, `0x…` otherwise.
    @inline(__always)
    public func appendAltHex(_ v: UInt64) {
        if v == 0 { append(UInt8(ascii: "0")) } else { appendHex0x(v) }
    }

    /// `%o`.
    public func appendOctal(_ v: UInt64) {
        reserve(22)
        if v == 0 { appendUnchecked(48); return }
        let digits = (64 - v.leadingZeroBitCount + 2) / 3
        var i = digits - 1
        var x = v
        while i >= 0 {
            base[count + i] = UInt8(truncatingIfNeeded: x & 7) &+ 48
            x >>= 3
            i -= 1
        }
        count &+= digits
    }

    /// `%02x` of one byte.
    @inline(__always)
    public func appendHexByte(_ b: UInt8) {
        reserve(2)
        base[count] = hexDigit(b >> 4)
        base[count + 1] = hexDigit(b & 0xf)
        count &+= 2
    }

    /// `0x` followed by `%02x` of every byte (praudit's print_mem); nothing at all for no bytes.
    public func appendMemory(_ p: UnsafeRawBufferPointer) {
        if p.isEmpty { return }
        reserve(2 + 2 * p.count)
        appendUnchecked(48); appendUnchecked(120)
        for b in p {
            base[count] = hexDigit(b >> 4)
            base[count + 1] = hexDigit(b & 0xf)
            count &+= 2
        }
    }

    /// `%2d`-style: decimal right-aligned in `width` with spaces.
    func appendPadded(_ v: Int, width: Int, pad: UInt8) {
        var digits = 1
        var x = v / 10
        while x != 0 { digits += 1; x /= 10 }
        var p = width - digits
        while p > 0 { append(pad); p -= 1 }
        appendDecimal(UInt64(v))
    }
}
