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

/// The buffer between a sink and its writer.
///
/// `lineBuffered` (a terminal): every event is written at once. Otherwise bytes are written when
/// 64 KiB are pending, when the event clock moved on by a second since the last write (so a slow
/// live stream still reaches a log file promptly), when the source goes idle, and at the end.
public final class OutputBuffer {
    public var bytes: [UInt8]
    public let writer: ByteWriter
    public let lineBuffered: Bool
    public let threshold: Int
    private var lastWriteTime: Int64 = 0

    public init(writer: ByteWriter, lineBuffered: Bool, threshold: Int = 64 * 1024) {
        self.writer = writer
        self.lineBuffered = lineBuffered
        self.threshold = threshold
        bytes = []
        bytes.reserveCapacity(threshold + 4096)
    }

    @inline(__always) public func append(_ b: UInt8) { bytes.append(b) }
    @inline(__always) public func append(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }
    @inline(__always) public func append(contentsOf b: [UInt8]) { bytes.append(contentsOf: b) }
    public func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Decimal digits of `v`, no allocation.
    public func appendDecimal(_ v: Int64) {
        if v < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDecimal(UInt64(bitPattern: 0 &- v))  // magnitude, also for Int64.min
        } else {
            appendDecimal(UInt64(v))
        }
    }

    public func appendDecimal(_ v: UInt64) {
        if v < 10 { bytes.append(0x30 + UInt8(v)); return }
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes ≥ 20 digits
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &tmp) { buf in
            while x > 0 {
                buf[23 - n] = 0x30 + UInt8(x % 10)
                x /= 10
                n += 1
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[(24 - n)...]))
        }
    }

    /// `v` as exactly `width` decimal digits (zero padded).
    public func appendPadded(_ v: Int, width: Int) {
        var div = 1
        for _ in 1..<width { div *= 10 }
        var x = v
        while div > 0 {
            bytes.append(0x30 + UInt8((x / div) % 10))
            x %= div
            div /= 10
        }
    }

    /// Call after each complete event; writes out when due.
    public func endOfEvent(time: Int64) throws {
        if lineBuffered || bytes.count >= threshold || time &- lastWriteTime >= 1_000_000 {
            lastWriteTime = time
            try flush()
        }
    }

    /// Writes everything pending.
    public func flush() throws {
        guard !bytes.isEmpty else { return }
        defer { bytes.removeAll(keepingCapacity: true) }
        try bytes.withUnsafeBytes { try writer.write($0) }
    }
}
