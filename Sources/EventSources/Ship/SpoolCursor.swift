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
    private var offset: Int64 = 0
    private var buffer = [UInt8](repeating: 0, count: 256 << 10)

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
                let want = Int(min(Int64(buffer.count), seg.size - offset))
                let n = (try? buffer.withUnsafeMutableBytes {
                    try fd!.read(fromAbsoluteOffset: offset, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<want]))
                }) ?? 0
                if n == 0 { return items }
                var start = 0
                while start < n {
                    let decoded = buffer.withUnsafeBytes { SpoolRecord.decode(UnsafeRawBufferPointer(rebasing: $0[start..<n])) }
                    guard case .record(let r, let size) = decoded else {
                        if case .damaged = decoded { offset = seg.size }  // cannot happen below the written size
                        break
                    }
                    start += size
                    offset += Int64(size)
                    if r.sequence < next { continue }
                    if r.sequence > next { items.append(.gap(first: next, last: r.sequence - 1)) }
                    items.append(.record(r))
                    bytes += r.payload.count
                    next = r.sequence + 1
                    if items.count >= maxRecords || bytes >= maxBytes { return items }
                }
                if start == 0 {
                    // A record larger than the buffer.
                    buffer += [UInt8](repeating: 0, count: buffer.count)
                }
            }
            if index < segments.count - 1 { closeSegment() }
        }
        return items
    }
}
