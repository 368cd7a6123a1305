// The records of one audit event in one buffer: their bytes back to back, all their fields in one
// array (offsets from their own record's first byte), and one entry per record saying where its
// bytes and fields are. The assembler keeps one per open event and empties it for reuse once the
// event is mapped, so grouping records into events allocates nothing after the buffers have grown
// to a usual event's size (bench/audit-replay.sh: two arrays per record, then copied into the
// event, were ~18 % of a log replay's CPU in retain, release and free).

public struct AuditEventRecords: RandomAccessCollection, Sendable {
    struct Entry: Sendable {
        var header: AuditRecordHeader
        var byteStart: Int32
        var byteEnd: Int32
        var fieldStart: Int32
        var fieldEnd: Int32
    }

    /// The records' bytes are its first `byteCount`, their fields the first `fieldCount` of
    /// `fields`; what lies beyond is room kept from earlier events (never read). Appending copies
    /// into that room through one pointer (callgrind: `append(contentsOf:)` on the two arrays cost
    /// ~250 instructions a record besides the copying, 90 M of a 100k-event replay).
    private(set) var bytes: [UInt8] = []
    private(set) var fields: [AuditField] = []
    private(set) var entries: [Entry] = []
    private(set) var byteCount = 0
    private var fieldCount = 0

    /// Bytes one buffer may hold (offsets are 32-bit); the assembler completes an event before.
    static let maxBytes = 1 << 30
    /// Capacity kept for reuse after an event (a huge event's buffers are given back).
    static let keptBytes = 256 * 1024

    public init() {}

    /// One record alone (a parsed line or netlink message).
    init(_ record: AuditRecordView) { append(record) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { entries.count }
    public subscript(i: Int) -> AuditRecord { AuditRecord(storage: self, index: i) }

    /// Copies one record in (its bytes and fields; its entry).
    mutating func append(_ r: AuditRecordView) {
        let n = r.bytes.count
        precondition(byteCount + n <= Self.maxBytes, "audit event buffer full")
        // Every field inside its record: what makes the unchecked reads of views safe. Views are
        // made only of the parser's output (whose offsets are indices of its bounds-checked scan,
        // from…end ≤ the line's length) and of entries `append` wrote; debug builds (every test)
        // check it here. Release builds skip it: 16 instructions a field, 55 M of a 100k-event
        // replay's 3,186 M (callgrind).
        assert(Self.fieldsInside(r), "audit field outside its record")
        let byteStart = byteCount, fieldStart = fieldCount
        let k = r.fields.count
        if bytes.count - byteStart < n { Self.grow(&bytes, to: byteStart + n, zero: 0) }
        if fields.count - fieldStart < k {
            Self.grow(&fields, to: fieldStart + k, zero: AuditField(keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0, form: .bare, enriched: false))
        }
        if n > 0 {
            bytes.withUnsafeMutableBufferPointer { UnsafeMutableBufferPointer(rebasing: $0[byteStart..<(byteStart + n)]).update(fromContentsOf: r.bytes) }
        }
        if k > 0 {
            fields.withUnsafeMutableBufferPointer { UnsafeMutableBufferPointer(rebasing: $0[fieldStart..<(fieldStart + k)]).update(fromContentsOf: r.fields) }
        }
        byteCount = byteStart + n
        fieldCount = fieldStart + k
        entries.append(Entry(header: r.header, byteStart: Int32(byteStart), byteEnd: Int32(byteCount),
                             fieldStart: Int32(fieldStart), fieldEnd: Int32(fieldCount)))
    }

    /// Whether every field of `r` lies inside its bytes (as unsigned 32-bit numbers widened to 64
    /// bits, start ≤ end ≤ n, which also says start ≥ 0, holds when no difference wraps).
    static func fieldsInside(_ r: AuditRecordView) -> Bool {
        let limit = UInt64(r.bytes.count)
        var wrapped: UInt64 = 0
        for f in r.fields {
            let ks = UInt64(UInt32(bitPattern: f.keyStart)), ke = UInt64(UInt32(bitPattern: f.keyEnd))
            let vs = UInt64(UInt32(bitPattern: f.valueStart)), ve = UInt64(UInt32(bitPattern: f.valueEnd))
            wrapped |= (ke &- ks) | (limit &- ke) | (ve &- vs) | (limit &- ve)
        }
        return wrapped >> 63 == 0
    }

    /// Makes `array` at least `count` long (doubling up to `maxBytes`: appends stay amortized constant).
    private static func grow<T>(_ array: inout [T], to count: Int, zero: T) {
        array.append(contentsOf: repeatElement(zero, count: Swift.max(count, Swift.min(2 * array.count, maxBytes)) - array.count))
    }

    /// Empties the buffer, keeping its capacity unless it grew past `keptBytes`.
    mutating func removeAll() {
        byteCount = 0
        fieldCount = 0
        if bytes.count > Self.keptBytes {
            bytes = []
            fields = []
            entries = []
        } else {
            entries.removeAll(keepingCapacity: true)
        }
    }

    /// Views of every record, valid during `body` (the buffers are borrowed once for all of them).
    func withViews<R>(_ body: (Views) -> R) -> R {
        bytes.withUnsafeBufferPointer { b in
            fields.withUnsafeBufferPointer { f in
                entries.withUnsafeBufferPointer { e in
                    body(Views(bytes: UnsafeBufferPointer(rebasing: b[0..<byteCount]),
                               fields: UnsafeBufferPointer(rebasing: f[0..<fieldCount]), entries: e))
                }
            }
        }
    }

    struct Views {
        let bytes: UnsafeBufferPointer<UInt8>
        let fields: UnsafeBufferPointer<AuditField>
        let entries: UnsafeBufferPointer<Entry>

        var count: Int { entries.count }

        /// Record `i` (bounds-checked: the entries' ranges were set by `append`).
        subscript(i: Int) -> AuditRecordView {
            precondition(i >= 0 && i < entries.count)
            let e = entries[i]
            return AuditRecordView(header: e.header,
                                   bytes: UnsafeBufferPointer(rebasing: bytes[Int(e.byteStart)..<Int(e.byteEnd)]),
                                   fields: UnsafeBufferPointer(rebasing: fields[Int(e.fieldStart)..<Int(e.fieldEnd)]))
        }

        /// The type of record `i` without making its view.
        func type(_ i: Int) -> UInt16 { precondition(i >= 0 && i < entries.count); return entries[i].header.type }
    }
}
