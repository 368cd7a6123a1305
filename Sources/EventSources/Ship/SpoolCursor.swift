// A collector's reading position in the spool: the records after what it acknowledged, in order,
// and the gaps where records are missing (dropped when the spool was full, or never written).

import FileWatchCore
import SystemPackage

final class SpoolCursor {
    enum Item {
        case record(SpoolRecord)
        /// Sequences `first ... last` are not in the spool.
        case gap(first: UInt64, last: UInt64)
    }

    let spool: Spool
    /// The next sequence to read.
    private(set) var next: UInt64
    private var fd: FileDescriptor?
    private var segmentFirst: UInt64 = 0
    /// The file offset of the next record to decode.
    private var offset: Int64 = 0
    /// Bytes read ahead: `buffer[position..<filled]` are the segment's bytes from `offset` on (kept
    /// across calls, so a caller taking a few records at a time does not read the file again).
    private var buffer = [UInt8](repeating: 0, count: 256 << 10)
    private var position = 0
    private var filled = 0

    init(spool: Spool, after acknowledged: UInt64) {
        self.spool = spool
        self.next = acknowledged + 1
    }

    deinit { try? fd?.close() }

    /// Reads from `sequence` on again (after a reconnect: what was not acknowledged).
    func rewind(to sequence: UInt64) {
        guard sequence != next else { return }
        next = sequence
        closeSegment()
    }

    private func closeSegment() {
        try? fd?.close()
        fd = nil
        offset = 0
        position = 0
        filled = 0
    }

    /// Whether the read-ahead holds a whole record at `position` (by its length field).
    private func hasWholeRecord() -> Bool {
        let available = filled - position
        guard available >= SpoolRecord.headerSize else { return false }
        let n = buffer.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: UInt32.self))) }
        return n > SpoolRecord.maxPayload || available >= SpoolRecord.headerSize + n
    }

    /// Whether records after `next` have been written.
    var hasMore: Bool { next <= spool.lastWritten }

    /// Up to `maxRecords` items (about `maxBytes` of payload) from `next` on; empty when caught up.
    func read(maxRecords: Int, maxBytes: Int) -> [Item] {
        let (segments, oldest, lastWritten) = spool.locate(next)
        guard next <= lastWritten else { return [] }
        var items: [Item] = []
        var bytes = 0
        if let oldest, next < oldest {
            items.append(.gap(first: next, last: oldest - 1))
            next = oldest
            closeSegment()
        }
        for (index, seg) in segments.enumerated() {
            if seg.last < next { continue }
            if fd == nil || segmentFirst != seg.first {
                closeSegment()
                guard let opened = try? FileDescriptor.open(seg.path, .readOnly, options: [.closeOnExec]) else {
                    return items  // dropped meanwhile: the next read finds the gap
                }
                fd = opened
                segmentFirst = seg.first
            }
            while offset < seg.size {
                if position == filled || !hasWholeRecord() {
                    // Keep the undecoded tail, grow for a record larger than the buffer, read on.
                    let tail = filled - position
                    if tail > 0 && position > 0 { buffer.replaceSubrange(0..<tail, with: buffer[position..<filled]) }
                    position = 0
                    filled = tail
                    if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
                    let want = Int(min(Int64(buffer.count - filled), seg.size - offset - Int64(filled)))
                    guard want > 0 else { offset = seg.size; break }  // cannot happen below the written size
                    let n = (try? buffer.withUnsafeMutableBytes {
                        try fd!.read(fromAbsoluteOffset: offset + Int64(filled),
                                     into: UnsafeMutableRawBufferPointer(rebasing: $0[filled..<(filled + want)]))
                    }) ?? 0
                    if n == 0 { return items }
                    filled += n
                }
                let decoded = buffer.withUnsafeBytes { SpoolRecord.decode(UnsafeRawBufferPointer(rebasing: $0[position..<filled]),
                                                                       trustedFrom: spool.firstSequenceOfThisRun) }
                guard case .record(let r, let size) = decoded else {
                    if case .damaged = decoded { offset = seg.size; position = 0; filled = 0 }  // cannot happen below the written size
                    continue
                }
                position += size
                offset += Int64(size)
                if r.sequence < next { continue }
                if r.sequence > next { items.append(.gap(first: next, last: r.sequence - 1)) }
                items.append(.record(r))
                bytes += r.payload.count
                next = r.sequence + 1
                if items.count >= maxRecords || bytes >= maxBytes { return items }
            }
            if index < segments.count - 1 { closeSegment() }
        }
        return items
    }
}
