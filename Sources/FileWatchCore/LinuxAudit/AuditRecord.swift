// One record of the Linux kernel audit (a line of auditd's log, or one netlink message): its type,
// time stamp, and its fields as offsets from the record's first byte (values are decoded on demand).
// The records of one event live in one `AuditEventRecords` buffer; `AuditRecordView` reads one of
// them in place (the only implementation of field lookup), `AuditRecord` is a record by value.

/// `audit(SECONDS.MILLIS:SERIAL)`: the event a record belongs to (with the node, when logged).
public struct AuditStamp: Hashable, Sendable, Comparable {
    public var seconds: UInt64
    public var milliseconds: UInt32
    public var serial: UInt64

    public init(seconds: UInt64, milliseconds: UInt32, serial: UInt64) {
        self.seconds = seconds; self.milliseconds = milliseconds; self.serial = serial
    }

    /// Milliseconds since the epoch.
    public var timeMilliseconds: UInt64 { seconds &* 1000 &+ UInt64(milliseconds) }
    /// Microseconds since the epoch (the event model's clock).
    public var timeMicroseconds: Int64 { Int64(truncatingIfNeeded: timeMilliseconds &* 1000) }

    public static func < (a: AuditStamp, b: AuditStamp) -> Bool {
        (a.timeMilliseconds, a.serial) < (b.timeMilliseconds, b.serial)
    }
}

/// How a value was written.
public enum AuditValueForm: UInt8, Sendable {
    /// `key="text"` (the kernel quotes strings without spaces, quotes or control bytes).
    case quoted
    /// `key='…'` (user-space `msg='…'`; its inner fields are parsed as fields of the record too).
    case singleQuoted
    /// `key=value`: numbers, `(null)`, `?`, or upper-case hex of a string that needed encoding.
    case bare
}

/// One `key=value` of a record; offsets from the record's first byte. For quoted values the range
/// excludes the quotes. Made only by `AuditLineParser`, which keeps every range inside its record.
public struct AuditField: Sendable, Equatable {
    public var keyStart: Int32
    public var keyEnd: Int32
    public var valueStart: Int32
    public var valueEnd: Int32
    public var form: AuditValueForm
    /// After the 0x1D separator: auditd's ENRICHED fields (`UID="root"`).
    public var enriched: Bool
}

/// What a record says besides its fields.
public struct AuditRecordHeader: Sendable {
    /// The record type number (`type=SYSCALL` is 1300); 0 when the name is not in the table.
    public var type: UInt16
    /// Where `type=NAME` names the type (empty for netlink records, which carry the number).
    var typeNameRange: Range<Int32>
    /// `node=NAME` before the type, when logged.
    var nodeRange: Range<Int32>?
    /// nil for records that carry none (`msg=?`).
    public var stamp: AuditStamp?
    /// Where the record came from (1-based line number in its file; 0 for live records).
    public var line: UInt64
}

/// One record read in place: bytes and fields borrowed from a read buffer or from an event's
/// buffer, valid only inside the closure that lends them. Every range of `fields` lies inside
/// `bytes`: views are made only of the parser's output (its offsets are indices of its
/// bounds-checked scan) and of an `AuditEventRecords`' entries (`append` asserts it in debug
/// builds), so the reads below stay in bounds.
struct AuditRecordView {
    let header: AuditRecordHeader
    let bytes: UnsafeBufferPointer<UInt8>
    let fields: UnsafeBufferPointer<AuditField>

    var type: UInt16 { header.type }

    /// The first field named `key` (of the kernel's part unless `enriched`).
    func field(named key: UnsafeBufferPointer<UInt8>, enriched: Bool = false) -> AuditField? {
        let n = key.count
        guard n > 0 else { return nil }
        let k0 = key[0]
        for f in fields where Int(f.keyEnd &- f.keyStart) == n && bytes[Int(f.keyStart)] == k0 && f.enriched == enriched {
            var i = Int(f.keyStart) &+ 1, j = 1
            while j < n, bytes[i] == key[j] { i &+= 1; j &+= 1 }
            if j == n { return f }
        }
        return nil
    }

    @inline(__always)
    func field(_ key: StaticString, enriched: Bool = false) -> AuditField? {
        key.withUTF8Buffer { field(named: $0, enriched: enriched) }
    }

    @inline(__always)
    func range(_ f: AuditField) -> Range<Int> { Int(f.valueStart)..<Int(f.valueEnd) }

    func text(_ f: AuditField) -> [UInt8]? { AuditValue.text(bytes, range(f), f.form) }
    func integer(_ f: AuditField) -> Int64? { AuditValue.integer(bytes, range(f)) }
    func hexNumber(_ f: AuditField) -> UInt64? { AuditValue.hexNumber(bytes, range(f)) }
    func octalNumber(_ f: AuditField) -> UInt64? { AuditValue.octalNumber(bytes, range(f)) }
    func valueIs(_ f: AuditField, _ literal: StaticString) -> Bool {
        AuditValue.equals(UnsafeBufferPointer(rebasing: bytes[range(f)]), literal)
    }

    /// The key of `f` as its first eight bytes in one word, its length in the top byte (keys of
    /// up to seven bytes; 0 for longer ones): one compare per wanted key (`AuditFieldKey`).
    @inline(__always)
    func keyCode(_ f: AuditField) -> UInt64 {
        let n = Int(f.keyEnd &- f.keyStart)
        guard n <= 7 else { return 0 }
        if Int(f.keyStart) &+ 8 <= bytes.count {
            // One load (a key is followed by `=` and its value), the bytes past the key masked
            // off: callgrind, 100k-event log: SubjectFields' byte loop was 236 M Ir.
            let w = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + Int(f.keyStart)).loadUnaligned(as: UInt64.self))
            return UInt64(n) << 56 | w & ((1 << (UInt64(n) &* 8)) &- 1)
        }
        var code = UInt64(n) << 56
        var i = Int(f.keyStart), shift: UInt64 = 0
        while shift < UInt64(n) * 8 { code |= UInt64(bytes[i]) << shift; i &+= 1; shift &+= 8 }
        return code
    }

    /// The type's name: the one logged, else the table's, else `UNKNOWN[n]`.
    var typeName: String {
        let r = header.typeNameRange
        if !r.isEmpty { return String(decoding: bytes[Int(r.lowerBound)..<Int(r.upperBound)], as: UTF8.self) }
        return AuditRecordTypes.name(header.type) ?? "UNKNOWN[\(header.type)]"
    }

    var node: ByteString? {
        header.nodeRange.map { ByteString(bytes[Int($0.lowerBound)..<Int($0.upperBound)]) }
    }

    /// Whether the node is `node` (no copy of the name).
    func hasNode(_ node: ByteString?) -> Bool {
        guard let r = header.nodeRange else { return node == nil }
        guard let node else { return false }
        return node.bytes.elementsEqual(bytes[Int(r.lowerBound)..<Int(r.upperBound)])
    }
}

/// One audit record by value (a record of an event's shared buffer: no copy is made).
public struct AuditRecord: Sendable {
    let storage: AuditEventRecords
    let index: Int

    /// A view of this record for the duration of `body`.
    func withView<R>(_ body: (AuditRecordView) -> R) -> R { storage.withViews { body($0[index]) } }

    public var header: AuditRecordHeader { storage.entries[index].header }
    public var type: UInt16 { header.type }
    public var stamp: AuditStamp? { header.stamp }
    public var line: UInt64 { header.line }
    public var typeName: String { withView { $0.typeName } }
    public var node: ByteString? { withView { $0.node } }
    /// The bytes the record holds (a log line without its newline, or a netlink payload).
    public var bytes: [UInt8] { let e = storage.entries[index]; return Array(storage.bytes[Int(e.byteStart)..<Int(e.byteEnd)]) }
    /// Its fields, offsets from its first byte.
    public var fields: [AuditField] { let e = storage.entries[index]; return Array(storage.fields[Int(e.fieldStart)..<Int(e.fieldEnd)]) }

    /// The first field named `key` (of the kernel's part unless `enriched`).
    @inline(__always)
    public func field(_ key: StaticString, enriched: Bool = false) -> AuditValue? {
        key.withUTF8Buffer { field(named: $0, enriched: enriched) }
    }

    public func field(named key: UnsafeBufferPointer<UInt8>, enriched: Bool = false) -> AuditValue? {
        withView { $0.field(named: key, enriched: enriched) }.map {
            AuditValue(storage: storage.bytes, base: Int(storage.entries[index].byteStart), field: $0)
        }
    }

    public func field(named key: String, enriched: Bool = false) -> AuditValue? {
        var k = key
        return k.withUTF8 { field(named: $0, enriched: enriched) }
    }

    /// `field(key)?.integer`.
    public func integer(_ key: StaticString) -> Int64? { withView { v in v.field(key).flatMap { v.integer($0) } } }
    /// `field(key)?.hexNumber`.
    public func hexNumber(_ key: StaticString) -> UInt64? { withView { v in v.field(key).flatMap { v.hexNumber($0) } } }
    /// `field(key)?.octalNumber`.
    public func octalNumber(_ key: StaticString) -> UInt64? { withView { v in v.field(key).flatMap { v.octalNumber($0) } } }
    /// `field(key)?.id`.
    public func id(_ key: StaticString) -> UInt32? { AuditValue.id(integer(key)) }

    /// Every field as (key, raw value) text, for tests and debugging.
    public var fieldPairs: [(key: String, value: String)] {
        withView { v in
            v.fields.map { f in
                (String(decoding: v.bytes[Int(f.keyStart)..<Int(f.keyEnd)], as: UTF8.self),
                 String(decoding: v.bytes[v.range(f)], as: UTF8.self))
            }
        }
    }
}
