// The durable spool: messages to ship, on disk until every collector has acknowledged them.
// One writer (the shipping sink's writer queue) appends; each collector reads with a cursor of its
// own and acknowledges. Bounded: past `maxBytes` the oldest segment is dropped and the collectors
// that had not acknowledged it find a gap, which they report as one loss record. File layout:
// SpoolFormat.swift.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FileWatchCore
import Synchronization
import SystemPackage

public final class Spool: Sendable {
    struct Segment {
        var first: UInt64
        /// The last sequence in it (first - 1 while empty).
        var last: UInt64
        var firstTime: Int64?
        var lastTime: Int64?
        var size: Int64
        var path: String
    }

    struct State {
        var segments: [Segment] = []
        var current: FileDescriptor?
        var nextSequence: UInt64 = 1
        /// The highest sequence written to a segment.
        var lastWritten: UInt64 = 0
        var acked: [String: UInt64] = [:]
        var ackedDirty = false
        var totalBytes: Int64 = 0
        var dropped: UInt64 = 0
        /// What this run dropped (for the times in loss records).
        var drops: [LossRecord] = []
        var needsSync = false
    }

    public let directory: String
    public let maxBytes: Int64
    let segmentBytes: Int64
    let keys: [String]
    let state: Mutex<State>
    /// The first sequence this run numbers: everything before it was on disk when the spool opened
    /// (the last segment checked then, record by record).
    let firstSequenceOfThisRun: UInt64

    /// Opens (or makes) the spool in `directory` for the collectors `keys`; recovers a segment cut
    /// short by a kill.
    public init(directory: String, maxBytes: Int64, collectorKeys keys: [String]) throws(SystemCallError) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.segmentBytes = max(16 << 10, min(16 << 20, maxBytes / 8))
        self.keys = keys
        try SpoolFiles.makeDirectory(directory)
        var s = State()
        let firsts = try SpoolFiles.list(directory).compactMap(SpoolFiles.segmentFirst).sorted()
        for (i, first) in firsts.enumerated() {
            let path = directory + "/" + SpoolFiles.segmentName(first)
            let isLast = i == firsts.count - 1
            var seg = Segment(first: first, last: isLast ? first &- 1 : firsts[i + 1] &- 1, size: 0, path: path)
            try Self.scan(&seg, fully: isLast)
            if isLast && seg.size == 0 && i > 0 { _ = unlink(path); continue }
            s.segments.append(seg)
            s.totalBytes += seg.size
        }
        s.lastWritten = s.segments.last.map { $0.last } ?? 0
        let stored = SpoolFiles.readNumber(directory + "/sequence") ?? 1
        s.nextSequence = max(stored, s.lastWritten + 1, 1)
        for key in keys { s.acked[key] = SpoolFiles.readNumber(directory + "/acked-" + key) ?? 0 }
        firstSequenceOfThisRun = s.nextSequence
        state = Mutex(s)
    }

    /// Reads a segment's first record (its time) and, when `fully`, all of them: the last sequence and
    /// time, and the valid size (the file is truncated to it).
    static func scan(_ seg: inout Segment, fully: Bool) throws(SystemCallError) {
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(seg.path, .readWrite, options: [.closeOnExec]) } catch {
            throw SystemCallError("open", (error as? Errno) ?? .ioError, object: seg.path)
        }
        defer { try? fd.close() }
        let fileSize = (try? fd.seek(offset: 0, from: .end)) ?? 0
        var offset: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var filled = 0
        var valid: Int64 = 0
        outer: while true {
            let n = (try? buffer.withUnsafeMutableBytes {
                try fd.read(fromAbsoluteOffset: offset, into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...]))
            }) ?? 0
            offset += Int64(n)
            filled += n
            var start = 0
            while true {
                let decoded = buffer.withUnsafeBytes { SpoolRecord.decode(UnsafeRawBufferPointer(rebasing: $0[start..<filled])) }
                guard case .record(let r, let size) = decoded else {
                    if case .damaged = decoded { break outer }
                    break
                }
                if seg.firstTime == nil { seg.firstTime = r.time }
                seg.last = r.sequence
                seg.lastTime = r.time
                start += size
                valid += Int64(size)
                if !fully { break outer }
            }
            if n == 0 { break }
            // Keep the incomplete tail; grow the buffer for a record larger than it.
            buffer.replaceSubrange(0..<(filled - start), with: buffer[start..<filled])
            filled -= start
            if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        }
        if fully {
            if valid < fileSize { _ = ftruncate(fd.rawValue, off_t(valid)) }
            seg.size = valid
        } else {
            seg.size = fileSize
        }
    }

    /// The sequence number the next record gets (persisted: monotonic across restarts).
    public var nextSequence: UInt64 { state.withLock { $0.nextSequence } }

    /// Reserves `count` sequence numbers (the messages carry them before they reach the disk).
    public func reserveSequences(_ count: Int) -> UInt64 {
        state.withLock { s in
            let first = s.nextSequence
            s.nextSequence += UInt64(count)
            return first
        }
    }

    /// Appends records (in sequence order); drops the oldest segments past the size limit and reports
    /// what that lost for each collector. Called by one writer at a time.
    func append(_ records: [SpoolRecord]) throws(SystemCallError) -> [LossRecord] {
        guard !records.isEmpty else { return [] }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.reduce(0) { $0 + $1.storedSize })
        for r in records { r.encode(into: &bytes) }
        return try state.withLock { s throws(SystemCallError) -> [LossRecord] in
            if s.current == nil || (s.segments.last?.size ?? 0) >= segmentBytes { try roll(&s, first: records[0].sequence) }
            do {
                _ = try s.current!.writeAll(bytes)
            } catch {
                throw SystemCallError("write", (error as? Errno) ?? .ioError, object: s.segments.last?.path)
            }
            let n = s.segments.count - 1
            if s.segments[n].firstTime == nil { s.segments[n].firstTime = records[0].time }
            s.segments[n].last = records[records.count - 1].sequence
            s.segments[n].lastTime = records[records.count - 1].time
            s.segments[n].size += Int64(bytes.count)
            s.totalBytes += Int64(bytes.count)
            s.lastWritten = records[records.count - 1].sequence
            s.needsSync = true
            return enforceLimit(&s)
        }
    }

    /// Starts a new segment at `first` (keeping an empty current one).
    private func roll(_ s: inout State, first: UInt64) throws(SystemCallError) {
        if let last = s.segments.last, last.size == 0, s.current != nil { return }
        if let fd = s.current { _ = fsync(fd.rawValue); try? fd.close() }
        let path = directory + "/" + SpoolFiles.segmentName(first)
        do {
            s.current = try FileDescriptor.open(path, .writeOnly, options: [.create, .append, .closeOnExec],
                                                permissions: [.ownerReadWrite])
        } catch {
            throw SystemCallError("open", (error as? Errno) ?? .ioError, object: path)
        }
        s.segments.append(Segment(first: first, last: first &- 1, size: 0, path: path))
        try? SpoolFiles.writeNumber(s.nextSequence, to: directory + "/sequence", sync: false)
    }

    /// Drops the oldest segments while the spool is over its limit (never the one being written).
    private func enforceLimit(_ s: inout State) -> [LossRecord] {
        var losses: [LossRecord] = []
        while s.totalBytes > maxBytes, s.segments.count > 1 {
            let seg = s.segments.removeFirst()
            _ = unlink(seg.path)
            s.totalBytes -= seg.size
            let slowest = keys.map { s.acked[$0] ?? 0 }.min() ?? 0
            let first = max(seg.first, slowest + 1)
            if seg.last >= first {
                s.dropped += seg.last - first + 1
                let loss = LossRecord(count: seg.last - first + 1, firstSequence: first, lastSequence: seg.last,
                                      firstTime: first == seg.first ? seg.firstTime : nil, lastTime: seg.lastTime,
                                      reason: "the spool was full (--spool-max)")
                losses.append(loss)
                s.drops.append(loss)
                if s.drops.count > 64 { s.drops.removeFirst() }
            }
        }
        return losses
    }

    /// Makes what was appended durable (fsync), when something was.
    public func sync() {
        let fd: Int32? = state.withLock { s in
            guard s.needsSync, let fd = s.current else { return nil }
            s.needsSync = false
            return fd.rawValue
        }
        if let fd { _ = fsync(fd) }
    }

    /// Records that `key` has acknowledged every sequence up to `sequence`.
    public func acknowledge(_ key: String, upTo sequence: UInt64) {
        state.withLock { s in
            if sequence > s.acked[key] ?? 0 { s.acked[key] = sequence; s.ackedDirty = true }
        }
    }

    public func acknowledged(_ key: String) -> UInt64 { state.withLock { $0.acked[key] ?? 0 } }

    /// The highest sequence written.
    public var lastWritten: UInt64 { state.withLock { $0.lastWritten } }

    /// Records written but not yet acknowledged by `key` (gaps included).
    public func backlog(_ key: String) -> UInt64 {
        state.withLock { s in s.lastWritten > (s.acked[key] ?? 0) ? s.lastWritten - (s.acked[key] ?? 0) : 0 }
    }

    /// Events dropped because the spool was full, this run.
    public var dropped: UInt64 { state.withLock { $0.dropped } }

    /// Writes the acknowledged positions and the next sequence, and deletes the segments every
    /// collector has acknowledged (never the one being written).
    public func checkpoint() {
        let (acked, next, doomed): ([String: UInt64], UInt64, [String]) = state.withLock { s in
            let slowest = keys.map { s.acked[$0] ?? 0 }.min() ?? 0
            var doomed: [String] = []
            while s.segments.count > 1, s.segments[0].last <= slowest {
                let seg = s.segments.removeFirst()
                s.totalBytes -= seg.size
                doomed.append(seg.path)
            }
            let dirty = s.ackedDirty
            s.ackedDirty = false
            return (dirty ? s.acked : [:], s.nextSequence, doomed)
        }
        for path in doomed { _ = unlink(path) }
        for (key, seq) in acked { try? SpoolFiles.writeNumber(seq, to: directory + "/acked-" + key, sync: false) }
        try? SpoolFiles.writeNumber(next, to: directory + "/sequence", sync: false)
    }

    /// Syncs, checkpoints and closes the segment being written.
    public func close() {
        sync()
        checkpoint()
        state.withLock { s in
            if let fd = s.current { try? fd.close() }
            s.current = nil
        }
    }

    /// Where sequence `sequence` is (or would be): the segments from the one holding it, the oldest
    /// sequence still stored, and the highest written.
    func locate(_ sequence: UInt64) -> (segments: [Segment], oldest: UInt64?, lastWritten: UInt64) {
        state.withLock { s in
            let i = s.segments.lastIndex { $0.first <= sequence } ?? 0
            return (Array(s.segments[i...]), s.segments.first?.first, s.lastWritten)
        }
    }

    /// The event times of a lost stretch, as far as this run dropped it itself (unknown after a restart).
    func lostTimes(_ first: UInt64, _ last: UInt64) -> (Int64?, Int64?) {
        state.withLock { s in
            let overlapping = s.drops.filter { $0.lastSequence >= first && $0.firstSequence <= last }
            return (overlapping.first?.firstTime, overlapping.last?.lastTime)
        }
    }
}
