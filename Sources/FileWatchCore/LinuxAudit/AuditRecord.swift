// One record of the Linux kernel audit (a line of auditd's log, or one netlink message): its type,
// time stamp, and its fields as ranges into the record's own bytes (values are decoded on demand).

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

/// One `key=value` of a record; offsets into `AuditRecord.bytes`. For quoted values the range
/// excludes the quotes.
public struct AuditField: Sendable, Equatable {
    public var keyStart: Int32
    public var keyEnd: Int32
    public var valueStart: Int32
    public var valueEnd: Int32
    public var form: AuditValueForm
    /// After the 0x1D separator: auditd's ENRICHED fields (`UID="root"`).
    public var enriched: Bool
}

/// One audit record.
public struct AuditRecord: Sendable {
    /// The record type number (`type=SYSCALL` is 1300); 0 when the name is not in the table.
    public var type: UInt16
    /// The bytes the record holds (a log line without its newline, or a netlink payload).
    public var bytes: [UInt8]
    /// Where `type=NAME` names the type (empty for netlink records, which carry the number).
    public var typeNameRange: Range<Int32>
    /// `node=NAME` before the type, when logged.
    public var nodeRange: Range<Int32>?
    /// nil for records that carry none (`msg=?`).
    public var stamp: AuditStamp?
    public var fields: [AuditField]
    /// Where the record came from (1-based line number in its file; 0 for live records).
    public var line: UInt64

    /// The type's name: the one logged, else the table's, else `UNKNOWN[n]`.
    public var typeName: String {
        if !typeNameRange.isEmpty { return String(decoding: bytes[Int(typeNameRange.lowerBound)..<Int(typeNameRange.upperBound)], as: UTF8.self) }
        return AuditRecordTypes.name(type) ?? "UNKNOWN[\(type)]"
    }

    public var node: ByteString? {
        nodeRange.map { ByteString(bytes[Int($0.lowerBound)..<Int($0.upperBound)]) }
    }

    /// The first field named `key` (of the kernel's part unless `enriched`).
    @inline(__always)
    public func field(_ key: StaticString, enriched: Bool = false) -> AuditValue? {
        key.withUTF8Buffer { field(named: $0, enriched: enriched) }
    }

    public func field(named key: UnsafeBufferPointer<UInt8>, enriched: Bool = false) -> AuditValue? {
        let n = key.count
        guard n > 0 else { return nil }
        let k0 = key[0]
        let hit: AuditField? = bytes.withUnsafeBufferPointer { b in
            fields.withUnsafeBufferPointer { fs in
                for f in fs where Int(f.keyEnd &- f.keyStart) == n && b[Int(f.keyStart)] == k0 && f.enriched == enriched {
                    var i = Int(f.keyStart) &+ 1, j = 1
                    while j < n, b[i] == key[j] { i &+= 1; j &+= 1 }
                    if j == n { return f }
                }
                return nil
            }
        }
        return hit.map { AuditValue(storage: bytes, field: $0) }
    }

    public func field(named key: String, enriched: Bool = false) -> AuditValue? {
        var k = key
        return k.withUTF8 { field(named: $0, enriched: enriched) }
    }

    /// Every field as (key, raw value) text, for tests and debugging.
    public var fieldPairs: [(key: String, value: String)] {
        fields.map { f in
            (String(decoding: bytes[Int(f.keyStart)..<Int(f.keyEnd)], as: UTF8.self),
             String(decoding: bytes[Int(f.valueStart)..<Int(f.valueEnd)], as: UTF8.self))
        }
    }
}

/// A field's value: a range of its record's bytes (shared, not copied).
public struct AuditValue: Sendable, Equatable {
    let storage: [UInt8]
    let range: Range<Int>
    public var form: AuditValueForm

    init(storage: [UInt8], field f: AuditField) {
        self.storage = storage
        range = Int(f.valueStart)..<Int(f.valueEnd)
        form = f.form
    }

    public init(raw: [UInt8], form: AuditValueForm) { storage = raw; range = 0..<raw.count; self.form = form }

    public static func == (a: AuditValue, b: AuditValue) -> Bool { a.form == b.form && a.raw == b.raw }

    /// The value as written (without quotes).
    public var raw: [UInt8] { Array(storage[range]) }

    /// Whether the value is exactly `literal` as written.
    @inline(__always)
    public func `is`(_ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { lit in
            guard lit.count == range.count else { return false }
            var i = range.lowerBound
            for c in lit { if storage[i] != c { return false }; i += 1 }
            return true
        }
    }

    /// `(null)` and `?`: the kernel had nothing to say.
    public var isAbsent: Bool {
        form == .bare && (self.is("(null)") || self.is("?") || self.is("(none)"))
    }

    /// The string the value stands for: quoted text as is, bare upper-case hex decoded (the
    /// kernel's encoding of untrusted strings), nil for `(null)`/`?`/`(none)`. Other bare values
    /// (numbers, words) as written.
    public var text: [UInt8]? {
        if form != .bare { return raw }
        if isAbsent { return nil }
        return AuditHex.decode(storage[range]) ?? raw
    }

    /// A decimal number (`pid=123`, `exit=-13`).
    public var integer: Int64? {
        var i = range.lowerBound, negative = false
        if i < range.upperBound, storage[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < range.upperBound, range.upperBound - i <= 18 else { return nil }
        var n: Int64 = 0
        while i < range.upperBound {
            let d = storage[i] &- 0x30
            guard d < 10 else { return nil }
            n = n * 10 + Int64(d)
            i += 1
        }
        return negative ? -n : n
    }

    /// A hexadecimal number without `0x` (`arch=c000003e`, `a1=10800`).
    public var hexNumber: UInt64? {
        guard !range.isEmpty, range.count <= 16 else { return nil }
        var n: UInt64 = 0
        for i in range {
            guard let d = AuditHex.digit(storage[i]) else { return nil }
            n = n << 4 | UInt64(d)
        }
        return n
    }

    /// An octal number (`mode=0100644`).
    public var octalNumber: UInt64? {
        guard !range.isEmpty, range.count <= 21 else { return nil }
        var n: UInt64 = 0
        for i in range {
            let d = storage[i] &- 0x30
            guard d < 8 else { return nil }
            n = n << 3 | UInt64(d)
        }
        return n
    }

    /// An id (`uid=1000`; `4294967295` and `unset` mean none).
    public var id: UInt32? {
        guard let n = integer, n >= 0, n < 4294967295 else { return nil }
        return UInt32(n)
    }
}

/// The kernel's encoding of strings it does not trust (`audit_log_n_untrustedstring`): a string
/// with a `"`, a byte below 0x21 or above 0x7e is written as upper-case hex, others in quotes.
public enum AuditHex {
    @inline(__always)
    static func digit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    /// Upper-case hex (the kernel writes upper case) of even length → bytes; nil otherwise.
    public static func decode(_ hex: some RandomAccessCollection<UInt8>) -> [UInt8]? {
        guard !hex.isEmpty, hex.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(hex.count / 2)
        var i = hex.startIndex
        while i != hex.endIndex {
            let h = hex[i], l = hex[hex.index(after: i)]
            guard (0x30...0x39).contains(h) || (0x41...0x46).contains(h),
                  (0x30...0x39).contains(l) || (0x41...0x46).contains(l), let hd = digit(h), let ld = digit(l) else { return nil }
            out.append(hd << 4 | ld)
            i = hex.index(i, offsetBy: 2)
        }
        return out
    }

    /// Whether the kernel would hex-encode `bytes`.
    public static func needsEncoding(_ bytes: [UInt8]) -> Bool {
        bytes.contains { $0 == UInt8(ascii: "\"") || $0 < 0x21 || $0 > 0x7e }
    }

    /// The value as the kernel logs it: `"text"` or upper-case hex.
    public static func encode(_ bytes: [UInt8]) -> [UInt8] {
        guard needsEncoding(bytes) else { return [UInt8(ascii: "\"")] + bytes + [UInt8(ascii: "\"")] }
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return out
    }
}

/// Record type numbers ↔ names (generated from the kernel's and libaudit's headers).
public enum AuditRecordTypes {
    public static let syscall: UInt16 = 1300
    public static let path: UInt16 = 1302
    public static let cwd: UInt16 = 1307
    public static let execve: UInt16 = 1309
    public static let eoe: UInt16 = 1320
    public static let proctitle: UInt16 = 1327

    static let byName: [String: UInt16] = {
        var d: [String: UInt16] = [:]
        for (n, name) in LinuxAuditTables.recordTypes { d["\(name)"] = n }
        return d
    }()
    static let byNumber: [UInt16: String] = {
        var d: [UInt16: String] = [:]
        for (n, name) in LinuxAuditTables.recordTypes where d[n] == nil { d[n] = "\(name)" }
        return d
    }()

    public static func number(_ name: String) -> UInt16? { byName[name] }
    public static func name(_ number: UInt16) -> String? { byNumber[number] }

    /// Types that always make an event by themselves: user-space messages (1100–1299, 2100–2999),
    /// which the kernel logs with a serial of their own and no syscall records.
    public static func isSingleRecord(_ type: UInt16) -> Bool {
        (1100...1299).contains(type) || (2100...2999).contains(type)
    }

    /// auditd's own records (DAEMON_START, DAEMON_ROTATE, …: 1200–1299), numbered by auditd's own
    /// counter from a random start (auditd.c `send_audit_event`), not by the kernel's serials.
    public static func isDaemon(_ type: UInt16) -> Bool { (1200...1299).contains(type) }
}
