// Record framing from any byte stream, with damage detection and resynchronization.
//
// A record is `header … trailer`: the header's byte count (u32 right after its id) is the whole
// record's length, and the last 7 bytes must be a trailer (0x13, magic 0xb105, count == length).
// A top-level `file` token (0x11: seconds u32, msec u32, name length u16, name) is its own record.
//
// On anything else (garbage, a truncated record, a byte count that does not land on a matching
// trailer, a byte count over the cap) the reader reports a `Damage` naming the offset and the
// problem, then scans forward for the next plausible record start — a header id whose byte
// count lands exactly on a valid trailer, or a plausible file token — so every valid record
// after the damage is still delivered. The header's byte count is never used to allocate: records
// are slices of the pushed input, and a count over `maximumRecordSize` is rejected.
//
// A damaged region is reported when it ends. One that goes on and on (`/dev/zero`, `/dev/urandom`)
// is also reported in parts while it is read: the first once it reaches 1 MiB, the next ones each
// twice as long as the one before, up to one per 256 MiB (`Damage.error` of the later parts says
// `stillDamaged`). `pendingDamage` is the part read so far, for a reader stopped early.

/// Incremental record reader: `push` chunks as they arrive, call `next()` until it returns nil,
/// call `finish()` at end of input and drain `next()` once more.
/// Records share storage with the pushed chunks (no copy unless a record spans two chunks).
public struct RecordReader: Sendable {
    public enum Item: Sendable, Hashable {
        case record(Record)
        case damage(Damage)
    }

    /// The default cap on a record's byte count (8 MiB).
    public static let defaultMaximumRecordSize = 8 << 20
    /// A damaged region still going on is reported once it is this long (then in parts twice as
    /// long, up to `longestDamagePart`).
    public static let firstDamagePart = 1 << 20
    public static let longestDamagePart = 256 << 20

    public let maximumRecordSize: Int
    /// Unconsumed input lives in `buffer[pos...]`; `buffer` is replaced, or appended to (records
    /// delivered from it hold their own copy-on-write reference: they never see a change).
    private var buffer: [UInt8] = []
    private var pos = 0
    /// Absolute stream offset of `buffer[0]`.
    private var bufferBase = 0
    private var finished = false
    /// When resynchronizing: where the damaged region started and its first error.
    private var damage: (start: Int, error: DecodeError)?
    private var prefetchSink: UInt8 = 0
    /// A record that straddled two pushed chunks, joined on push, delivered next.
    private var pendingRecord: Record?
    /// While waiting for the rest of a candidate at absolute offset `at`: bytes before `scanned`
    /// were already searched for a complete record that would prove the candidate wrong.
    private var waiting: (at: Int, scanned: Int)?
    /// While resynchronizing: the first candidate waiting for more input (absolute offset `at`),
    /// the later ones also waiting, and how far the input has been scanned.
    private var resync: (at: Int, undecided: [Int], frontier: Int)?
    /// The length at which the damaged region in progress is reported in part.
    private var damagePart = RecordReader.firstDamagePart

    public init(maximumRecordSize: Int = RecordReader.defaultMaximumRecordSize) {
        self.maximumRecordSize = max(maximumRecordSize, bsmMinimumRecordSize)
    }

    /// A reader over a complete input (already finished).
    public init(bytes: [UInt8], streamOffset: Int = 0, maximumRecordSize: Int = RecordReader.defaultMaximumRecordSize) {
        self.init(maximumRecordSize: maximumRecordSize)
        buffer = bytes
        bufferBase = streamOffset
        finished = true
    }

    /// Absolute offset of the next unconsumed byte.
    public var offset: Int { pendingRecord?.offset ?? (bufferBase + pos) }
    /// Bytes buffered but not yet consumed.
    public var bufferedByteCount: Int { buffer.count - pos + (pendingRecord?.count ?? 0) }
    /// The damaged region being skipped right now, up to the end of the input so far: not yet
    /// reported because its end (the next valid record) has not come. A reader stopped now says
    /// it with this. nil when none.
    public var pendingDamage: Damage? {
        guard let (start, first) = damage else { return nil }
        return Damage(offset: start, error: first, skipped: bufferBase + buffer.count - start)
    }
    public var isFinished: Bool { finished }

    /// Appends input. Drain `next()` after each push.
    public mutating func push(_ chunk: [UInt8]) {
        precondition(!finished, "push after finish")
        if chunk.isEmpty { return }
        if pos >= buffer.count {
            bufferBase += buffer.count
            buffer = chunk
            pos = 0
            return
        }
        // The usual case in chunked reading: the previous chunk ended inside a record. Join only
        // that record's bytes and keep reading the new chunk in place (no copy of the chunk).
        if damage == nil, pendingRecord == nil, let r = joinedRecord(chunk) {
            pendingRecord = r.record
            bufferBase += buffer.count
            buffer = chunk
            pos = r.consumed
            waiting = nil
            return
        }
        if pos * 2 < buffer.count {
            // Little consumed (a long candidate waits for its end): append, amortized, instead of
            // copying what is buffered for every chunk. The records already delivered keep their own
            // (copy-on-write) storage.
            buffer.append(contentsOf: chunk)
            return
        }
        var b: [UInt8] = []
        b.reserveCapacity(buffer.count - pos + chunk.count)
        b.append(contentsOf: buffer[pos...])
        b.append(contentsOf: chunk)
        bufferBase += pos
        buffer = b
        pos = 0
    }

    /// If the unconsumed rest of `buffer` is the start of a header record that `chunk` completes,
    /// that record (copied into its own storage) and how many bytes of `chunk` it took.
    private func joinedRecord(_ chunk: [UInt8]) -> (record: Record, consumed: Int)? {
        let left = buffer.count - pos
        guard left > 0, left < bsmMinimumRecordSize + maximumRecordSize else { return nil }
        let id = buffer[pos]
        guard id == 0x14 || id == 0x15 || id == 0x74 || id == 0x79 else { return nil }
        // The byte count right after the id may itself straddle the two chunks.
        var size = 0
        for k in 1...4 {
            let i = pos + k
            let b = i < buffer.count ? buffer[i] : (i - buffer.count < chunk.count ? chunk[i - buffer.count] : nil)
            guard let b else { return nil }
            size = size << 8 | Int(b)
        }
        guard size >= bsmMinimumRecordSize, size <= maximumRecordSize, size > left, size - left <= chunk.count else { return nil }
        var joined: [UInt8] = []
        joined.reserveCapacity(size)
        joined.append(contentsOf: buffer[pos...])
        joined.append(contentsOf: chunk[0..<(size - left)])
        let valid = joined.withUnsafeBytes { Self.quickRecordLength($0, 0, maximumRecordSize).0 == size }
        guard valid else { return nil }
        return (Record(kind: .record, offset: bufferBase + pos, bytes: BSMBytes(joined)), size - left)
    }

    public mutating func push<C: Collection>(contentsOf chunk: C) where C.Element == UInt8 {
        push(Array(chunk))
    }

    /// Marks the end of input: a partial record left over is reported as damage.
    public mutating func finish() { finished = true }

    private enum Candidate {
        case record(Int)
        case file(Int)
        case needMore(DecodeError)
        case invalid(DecodeError)
    }


    /// Checks whether a record or file token starts at `i`. A file token needs a plausible name
    /// (NUL-terminated, no other NUL); `strict` (while resynchronizing) also demands that the end
    /// of input or another valid record start follows it.
    private func classify(_ p: UnsafeRawBufferPointer, _ i: Int, strict: Bool) -> Candidate {
        let avail = p.count - i
        let abs = bufferBase + i
        let b = p[i]
        switch b {
        case 0x14, 0x15, 0x74, 0x79:
            guard avail >= 5 else {
                return .needMore(DecodeError(offset: abs, reason: .truncatedRecord(needed: bsmMinimumRecordSize, available: avail)))
            }
            let size = be32(p, i + 1)
            if size < UInt32(bsmMinimumRecordSize) { return .invalid(DecodeError(offset: abs, reason: .recordTooSmall(size: size))) }
            if Int(size) > maximumRecordSize {
                return .invalid(DecodeError(offset: abs, reason: .recordTooLarge(size: size, limit: maximumRecordSize)))
            }
            let n = Int(size)
            guard avail >= n else {
                return .needMore(DecodeError(offset: abs, reason: .truncatedRecord(needed: n, available: avail)))
            }
            let t = i + n - bsmTrailerSize
            if p[t] != 0x13 { return .invalid(DecodeError(offset: abs, reason: .missingTrailer(size: size))) }
            let magic = be16(p, t + 1)
            if magic != bsmTrailerMagic {
                return .invalid(DecodeError(offset: bufferBase + t, reason: .badTrailerMagic(magic)))
            }
            let count = be32(p, t + 3)
            if count != size { return .invalid(DecodeError(offset: abs, reason: .byteCountMismatch(header: size, trailer: count))) }
            return .record(n)
        case 0x11:
            guard avail >= 11 else {
                return .needMore(DecodeError(offset: abs, reason: .truncatedToken(id: .otherFile32, needed: 11, available: avail)))
            }
            let len = Int(be16(p, i + 9))
            let n = 11 + len
            guard avail >= n else {
                return .needMore(DecodeError(offset: abs, reason: .truncatedToken(id: .otherFile32, needed: n, available: avail)))
            }
            // A trail file name: NUL-terminated, no other NUL (au_to_file writes strlen + 1 bytes).
            guard len >= 1, p[i + n - 1] == 0 else { return .invalid(DecodeError(offset: abs, reason: .badFileToken)) }
            for k in (i + 11)..<(i + n - 1) where p[k] == 0 {
                _ = k
                return .invalid(DecodeError(offset: abs, reason: .badFileToken))
            }
            if strict {
                // What follows must be the end of input or another valid record start.
                let f = i + n
                if f == p.count {
                    if !finished {
                        return .needMore(DecodeError(offset: abs, reason: .truncatedToken(id: .otherFile32, needed: n + 1, available: avail)))
                    }
                } else {
                    switch classify(p, f, strict: false) {
                    case .record, .file: break
                    case .needMore(let e): if !finished { return .needMore(e) } else { return .invalid(DecodeError(offset: abs, reason: .badFileToken)) }
                    case .invalid: return .invalid(DecodeError(offset: abs, reason: .badFileToken))
                    }
                }
            }
            return .file(n)
        default:
            return .invalid(DecodeError(offset: abs, reason: .unknownRecordStart(id: b)))
        }
    }

    /// The next record or damage report, or nil when more input is needed (or, after `finish()`,
    /// at the end).
    public mutating func next() -> Item? {
        if let r = pendingRecord {
            pendingRecord = nil
            return .record(r)
        }
        // Fast path: a well-formed header record right here.
        if damage == nil && pos < buffer.count {
            let (n, touched) = buffer.withUnsafeBytes { p in Self.quickRecordLength(p, pos, maximumRecordSize) }
            prefetchSink &+= touched
            if n > 0 {
                let r = Record(kind: .record, offset: bufferBase &+ pos, bytes: BSMBytes(unchecked: buffer, pos, pos &+ n))
                pos &+= n
                return .record(r)
            }
        }
        return slowNext()
    }

    /// The fast path of `next()` for callers that look at bytes only: hands each well-formed
    /// header record at the current position (complete in the buffered input, trailer valid) to
    /// `body` with its absolute offset, without making a `Record` (no reference counting per
    /// record), until `body` returns false (that record is then left unconsumed), a record is not
    /// well-formed, or the buffered input ends. Everything else (damage, `file` tokens, a record
    /// split across two pushes) is left for `next()`.
    public mutating func consumeFramedRecords(_ body: (UnsafeRawBufferPointer, Int) throws -> Bool) rethrows {
        guard damage == nil, pendingRecord == nil, pos < buffer.count else { return }
        let storage = buffer
        let base = bufferBase
        let maxSize = maximumRecordSize
        var i = pos
        var touched: UInt8 = 0
        defer {
            pos = i
            prefetchSink &+= touched
        }
        try storage.withUnsafeBytes { p in
            while i < p.count {
                let (n, t) = Self.quickRecordLength(p, i, maxSize)
                touched &+= t
                guard n > 0 else { return }
                guard try body(UnsafeRawBufferPointer(rebasing: p[i..<(i &+ n)]), base &+ i) else { return }
                i &+= n
            }
        }
    }

    /// Length of the valid header record at `i` (header id, byte count within limits and
    /// available, matching trailer), or 0. Also touches a byte 2 KiB ahead so the memory system
    /// streams the input in (framing is otherwise bound by one cache miss per record).
    @inline(__always)
    private static func quickRecordLength(_ p: UnsafeRawBufferPointer, _ i: Int, _ maxSize: Int) -> (Int, UInt8) {
        let count = p.count
        let touched = p[min(i &+ 2048, count &- 1)]
        guard count &- i >= bsmMinimumRecordSize else { return (0, touched) }
        let b = p[i]
        guard b == 0x14 || b == 0x15 || b == 0x74 || b == 0x79 else { return (0, touched) }
        let size = Int(be32(p, i &+ 1))
        guard size >= bsmMinimumRecordSize, size <= maxSize, size <= count &- i else { return (0, touched) }
        let t = i &+ size &- bsmTrailerSize
        guard p[t] == 0x13, be16(p, t &+ 1) == bsmTrailerMagic, Int(be32(p, t &+ 3)) == size else { return (0, touched) }
        return (size, touched)
    }

    /// First position at or after `from` where a complete, valid record (strict check) starts,
    /// and the first position before it that could still become one with more input.
    private func findComplete(_ p: UnsafeRawBufferPointer, from: Int) -> (complete: Int?, undecided: Int?) {
        var i = from
        var undecided: Int? = nil
        while i < p.count {
            let b = p[i]
            if b == 0x14 || b == 0x15 || b == 0x74 || b == 0x79 || b == 0x11 {
                switch classify(p, i, strict: true) {
                case .record, .file: return (i, undecided)
                case .needMore: if undecided == nil { undecided = i }
                case .invalid: break
                }
            }
            i += 1
        }
        return (nil, undecided)
    }

    private mutating func slowNext() -> Item? {
        let storage = buffer
        return storage.withUnsafeBytes { p -> Item? in
            while true {
                if let (start, first) = damage {
                    // Resynchronizing: scan for the next plausible record start. A candidate that
                    // needs more input is waited for, unless a complete valid record follows it in
                    // what is already buffered (then its byte count cannot be right). Candidates
                    // waiting from the last call are looked at again (each in O(1)) and only the
                    // bytes after `frontier` are scanned: linear however long the waiting goes on.
                    var pending: Int? = nil
                    var undecided: [Int] = []  // absolute offsets of the candidates after `pending` still waiting
                    var i = pos
                    @inline(__always) func found(_ k: Int) -> Item {
                        pos = k
                        damage = nil
                        resync = nil
                        damagePart = Self.firstDamagePart
                        return .damage(Damage(offset: start, error: first, skipped: bufferBase + k - start))
                    }
                    if let r = resync, r.at == bufferBase + pos {
                        for at in CollectionOfOne(r.at) + r.undecided {
                            let k = at - bufferBase
                            switch classify(p, k, strict: true) {
                            case .record, .file: return found(k)
                            case .needMore: if !finished { if pending == nil { pending = k } else { undecided.append(at) } }
                            case .invalid: break
                            }
                        }
                        i = max(i, r.frontier - bufferBase)
                    }
                    while i < p.count {
                        if pending == nil, bufferBase + i - start >= damagePart {
                            // Endless damage is said while it is read: this part, now.
                            pos = i
                            resync = nil
                            damage = (bufferBase + i, DecodeError(offset: bufferBase + i, reason: .stillDamaged))
                            damagePart = min(damagePart * 2, Self.longestDamagePart)
                            return .damage(Damage(offset: start, error: first, skipped: bufferBase + i - start))
                        }
                        let b = p[i]
                        if b == 0x14 || b == 0x15 || b == 0x74 || b == 0x79 || b == 0x11 {
                            switch classify(p, i, strict: true) {
                            case .record, .file:
                                return found(i)
                            case .needMore:
                                if finished { break }
                                if pending == nil { pending = i } else { undecided.append(bufferBase + i) }
                            case .invalid:
                                break
                            }
                        }
                        i += 1
                    }
                    if finished {
                        pos = p.count
                        damage = nil
                        resync = nil
                        damagePart = Self.firstDamagePart
                        return .damage(Damage(offset: start, error: first, skipped: bufferBase + p.count - start))
                    }
                    if let q = pending {
                        pos = q
                        resync = (bufferBase + q, undecided, bufferBase + p.count)
                    } else {
                        pos = p.count
                        resync = nil
                    }
                    // Endless damage is said while it is read, in parts of exactly `damagePart` bytes
                    // (everything before `pos` is damaged; the candidates waited for stay in `resync`).
                    if bufferBase + pos - start >= damagePart {
                        let cut = start + damagePart
                        damage = (cut, DecodeError(offset: cut, reason: .stillDamaged))
                        damagePart = min(damagePart * 2, Self.longestDamagePart)
                        return .damage(Damage(offset: start, error: first, skipped: cut - start))
                    }
                    return nil
                }
                if pos >= p.count { return nil }
                switch classify(p, pos, strict: false) {
                case .record(let n):
                    let r = Record(kind: .record, offset: bufferBase + pos, bytes: BSMBytes(unchecked: storage, pos, pos + n))
                    pos += n
                    waiting = nil
                    return .record(r)
                case .file(let n):
                    let r = Record(kind: .file, offset: bufferBase + pos, bytes: BSMBytes(unchecked: storage, pos, pos + n))
                    pos += n
                    waiting = nil
                    return .record(r)
                case .needMore(let e):
                    if finished {
                        damage = (bufferBase + pos, e)
                        resync = nil
                        pos += 1
                        continue
                    }
                    // More input may complete this record, but not if a complete valid record
                    // already starts inside the bytes it claims: then its byte count is wrong.
                    var from = pos + 1
                    if let w = waiting, w.at == bufferBase + pos { from = max(from, w.scanned - bufferBase) }
                    let found = findComplete(p, from: from)
                    if let j = found.complete {
                        damage = (bufferBase + pos, DecodeError(offset: bufferBase + pos, reason: .overlapsNextRecord(nextOffset: bufferBase + j)))
                        waiting = nil
                        pos += 1
                        continue
                    }
                    waiting = (bufferBase + pos, bufferBase + (found.undecided ?? p.count))
                    return nil
                case .invalid(let e):
                    damage = (bufferBase + pos, e)
                    waiting = nil
                    pos += 1
                }
            }
        }
    }

    /// Frames a complete input: every valid record and every damaged region, in order.
    public static func items(in bytes: [UInt8], maximumRecordSize: Int = defaultMaximumRecordSize) -> [Item] {
        var r = RecordReader(bytes: bytes, maximumRecordSize: maximumRecordSize)
        var out: [Item] = []
        while let it = r.next() { out.append(it) }
        return out
    }
}
