import BSM

// Byte output shared by the sinks: one growing buffer, written out per event (interactive) or in
// batches (files, pipes). The actual write syscall lives in EventSources (`FileDescriptorWriter`).

/// Where sink bytes go. Implementations write everything or throw.
public protocol ByteWriter: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Writes a batch holding `events` whole events (the last possibly unfinished, when an alert
    /// is flushed early). A writer may drop the batch whole, counting them as lost (a full disk),
    /// instead of writing part of it. Default: `write(bytes)`.
    func write(_ bytes: UnsafeRawBufferPointer, events: Int) throws
}

extension ByteWriter {
    public func write(_ bytes: UnsafeRawBufferPointer, events: Int) throws { try write(bytes) }
}

/// Collects bytes in memory (tests, and anything that wants the output as a value).
public final class MemoryWriter: ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// The buffer between a sink and its writer: BSM's raw-memory `OutputBuffer` (no exclusivity
/// checks or copy-on-write per byte; the escaping loops write through a pointer after reserving
/// their worst case) plus a flush policy.
///
/// `lineBuffered` (a terminal): every event is written at once. Otherwise bytes are written when
/// 64 KiB are pending, when the event clock moved on by a second since the last write (so a slow
/// live stream still reaches a log file promptly), when the source goes idle, and at the end.
public final class OutputBuffer {
    @usableFromInline let storage: BSM.OutputBuffer
    public let writer: ByteWriter
    public let lineBuffered: Bool
    public let threshold: Int
    private var lastWriteTime: Int64 = 0
    /// Events ended since the last write, and the byte count at the last end (bytes beyond it
    /// belong to an event still being written).
    private var pendingEvents = 0
    private var endedCount = 0
    /// `appendRFC3339`'s text up to the fraction for the last second it wrote.
    var rfc3339Memo: (second: Int64, prefix: [UInt8])?

    public init(writer: ByteWriter, lineBuffered: Bool, threshold: Int = 64 * 1024) {
        self.writer = writer
        self.lineBuffered = lineBuffered
        self.threshold = threshold
        storage = BSM.OutputBuffer(capacity: max(threshold + 4096, 256))
    }

    /// Bytes pending.
    public var count: Int { storage.count }
    /// A copy of the pending bytes (tests, messages).
    public var bytes: [UInt8] { storage.array }

    /// Makes room for `extra` more bytes.
    @inline(__always) public func reserve(_ extra: Int) { storage.reserve(extra) }

    /// Writes at most `maximum` bytes through a pointer; `body` returns how many it wrote.
    @inline(__always) public func write(maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        storage.write(maximum: maximum, body)
    }

    @inline(__always) public func append(_ b: UInt8) { storage.append(b) }
    @inline(__always) public func append(_ p: UnsafeRawBufferPointer) { storage.append(p) }
    @inline(__always) public func append(_ p: UnsafeBufferPointer<UInt8>) { storage.append(UnsafeRawBufferPointer(p)) }
    @inline(__always) public func append(_ s: StaticString) { storage.append(s) }
    @inline(__always) public func append(contentsOf b: [UInt8]) { storage.append(b) }
    /// A String's UTF-8. Disfavored so that literals pick the cheaper StaticString overload.
    @_disfavoredOverload
    public func append(_ s: String) { storage.append(string: s) }

    /// Decimal digits of `v`, no allocation (BSM's formatter: one division per digit).
    @inline(__always) public func appendDecimal(_ v: Int64) { storage.appendDecimal(signed: v) }

    @inline(__always) public func appendDecimal(_ v: UInt64) { storage.appendDecimal(v) }

    /// `v` as exactly `width` decimal digits (zero padded; `v` ≥ 0).
    public func appendPadded(_ v: Int, width: Int) {
        write(maximum: width) { q in
            var x = v
            var i = width
            while i > 0 { i -= 1; q[i] = 0x30 + UInt8(x % 10); x /= 10 }
            return width
        }
    }

    /// The pending bytes, removed from the buffer (a message built in place).
    public func takeBytes() -> [UInt8] {
        defer { storage.removeAll() }
        return storage.array
    }

    /// Call after each complete event; writes out when due.
    public func endOfEvent(time: Int64) throws {
        if storage.count > endedCount {  // not already written early (alerts)
            pendingEvents += 1
            endedCount = storage.count
        }
        if lineBuffered || count >= threshold || time &- lastWriteTime >= 1_000_000 {
            lastWriteTime = time
            try flush()
        }
    }

    /// Call after each complete event when batches are cut by size alone (whole records copied
    /// from a trail: their times say nothing about now).
    @inline(__always)
    public func endOfEvent() throws {
        pendingEvents &+= 1
        endedCount = storage.count
        if lineBuffered || storage.count >= threshold { try flush() }
    }

    /// Writes everything pending.
    public func flush() throws {
        guard storage.count > 0 else { return }
        let events = pendingEvents + (storage.count > endedCount ? 1 : 0)
        defer { storage.removeAll(); pendingEvents = 0; endedCount = 0 }
        try writer.write(storage.bytes, events: events)
    }
}
