// Byte output shared by the sinks: one growing buffer, written out per event (interactive) or in
// batches (files, pipes). The actual write syscall lives in EventSources (`FileDescriptorWriter`).

/// Where sink bytes go. Implementations write everything or throw.
public protocol ByteWriter: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// Collects bytes in memory (tests, and anything that wants the output as a value).
public final class MemoryWriter: ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// The buffer between a sink and its writer: one growable block of raw memory (no exclusivity
/// checks or copy-on-write per byte; the escaping loops write through a pointer after reserving
/// their worst case).
///
/// `lineBuffered` (a terminal): every event is written at once. Otherwise bytes are written when
/// 64 KiB are pending, when the event clock moved on by a second since the last write (so a slow
/// live stream still reaches a log file promptly), when the source goes idle, and at the end.
public final class OutputBuffer {
    // Single-threaded and never accessed re-entrantly: no dynamic exclusivity checks per byte.
    @exclusivity(unchecked) @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    /// Bytes pending.
    @exclusivity(unchecked) public internal(set) var count: Int = 0
    public let writer: ByteWriter
    public let lineBuffered: Bool
    public let threshold: Int
    private var lastWriteTime: Int64 = 0

    public init(writer: ByteWriter, lineBuffered: Bool, threshold: Int = 64 * 1024) {
        self.writer = writer
        self.lineBuffered = lineBuffered
        self.threshold = threshold
        capacity = max(threshold + 4096, 256)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// A copy of the pending bytes (tests, messages).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Makes room for `extra` more bytes.
    @inline(__always) public func reserve(_ extra: Int) {
        if count &+ extra > capacity { grow(count + extra) }
    }

    @inline(never) func grow(_ needed: Int) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        nb.update(from: base, count: count)
        base.deallocate()
        base = nb
        capacity = c
    }

    /// Writes at most `maximum` bytes through a pointer; `body` returns how many it wrote.
    @inline(__always) public func write(maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(maximum)
        let written = body(base + count)
        count &+= written
    }

    @inline(__always) public func append(_ b: UInt8) {
        if count == capacity { grow(count + 1) }
        base[count] = b
        count &+= 1
    }
    @inline(__always) public func append(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        if n == 0 { return }
        reserve(n)
        (base + count).update(from: p.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
        count &+= n
    }
    @inline(__always) public func append(_ p: UnsafeBufferPointer<UInt8>) { append(UnsafeRawBufferPointer(p)) }
    @inline(__always) public func append(_ s: StaticString) {
        append(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
    @inline(__always) public func append(contentsOf b: [UInt8]) { b.withUnsafeBytes { append($0) } }
    /// A String's UTF-8. Disfavored so that literals pick the cheaper StaticString overload.
    @_disfavoredOverload
    public func append(_ s: String) {
        var s = s
        s.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Decimal digits of `v`, no allocation.
    public func appendDecimal(_ v: Int64) {
        if v < 0 {
            append(UInt8(ascii: "-"))
            appendDecimal(UInt64(bitPattern: 0 &- v))  // magnitude, also for Int64.min
        } else {
            appendDecimal(UInt64(v))
        }
    }

    public func appendDecimal(_ v: UInt64) {
        if v < 10 { append(0x30 + UInt8(v)); return }
        var digits = 0
        var x = v
        while x > 0 { digits += 1; x /= 10 }
        write(maximum: digits) { q in
            var x = v
            var i = digits
            while x > 0 { i -= 1; q[i] = 0x30 + UInt8(x % 10); x /= 10 }
            return digits
        }
    }

    /// `v` as exactly `width` decimal digits (zero padded; `v` ≥ 0).
    public func appendPadded(_ v: Int, width: Int) {
        write(maximum: width) { q in
            var x = v
            var i = width
            while i > 0 { i -= 1; q[i] = 0x30 + UInt8(x % 10); x /= 10 }
            return width
        }
    }

    /// Call after each complete event; writes out when due.
    public func endOfEvent(time: Int64) throws {
        if lineBuffered || count >= threshold || time &- lastWriteTime >= 1_000_000 {
            lastWriteTime = time
            try flush()
        }
    }

    /// Writes everything pending.
    public func flush() throws {
        guard count > 0 else { return }
        defer { count = 0 }
        try writer.write(UnsafeRawBufferPointer(start: base, count: count))
    }
}
