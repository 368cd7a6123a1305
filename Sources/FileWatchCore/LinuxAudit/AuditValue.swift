// A field's value as text, numbers or hex-decoded bytes (one implementation over borrowed bytes,
// used in place by the mapper and through `AuditValue` by everything else), the kernel's hex
// encoding, and the record type table.

/// A field's value: a range of its record's bytes (shared, not copied).
public struct AuditValue: Sendable, Equatable {
    let storage: [UInt8]
    let range: Range<Int>
    public var form: AuditValueForm

    /// The value of `f`, a field of the record whose bytes start at `base` in `storage`.
    init(storage: [UInt8], base: Int, field f: AuditField) {
        self.storage = storage
        range = base + Int(f.valueStart)..<base + Int(f.valueEnd)
        form = f.form
    }

    public init(raw: [UInt8], form: AuditValueForm) { storage = raw; range = 0..<raw.count; self.form = form }

    public static func == (a: AuditValue, b: AuditValue) -> Bool { a.form == b.form && a.raw == b.raw }

    /// The value as written (without quotes).
    public var raw: [UInt8] { Array(storage[range]) }

    /// Whether the value is exactly `literal` as written.
    @inline(__always)
    public func `is`(_ literal: StaticString) -> Bool {
        storage.withUnsafeBufferPointer { Self.equals(UnsafeBufferPointer(rebasing: $0[range]), literal) }
    }

    /// `(null)` and `?`: the kernel had nothing to say.
    public var isAbsent: Bool { storage.withUnsafeBufferPointer { Self.isAbsent($0, range, form) } }

    static func isAbsent(_ storage: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ form: AuditValueForm) -> Bool {
        guard form == .bare, range.count <= 6, !range.isEmpty else { return false }
        let v = UnsafeBufferPointer(rebasing: storage[range])
        return equals(v, "(null)") || equals(v, "?") || equals(v, "(none)")
    }

    @inline(__always)
    static func equals(_ v: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard literal.utf8CodeUnitCount == v.count else { return false }
        let l = literal.utf8Start
        for k in 0..<v.count where v[k] != l[k] { return false }
        return true
    }

    /// The string the value stands for: quoted text as is, bare upper-case hex decoded (the
    /// kernel's encoding of untrusted strings), nil for `(null)`/`?`/`(none)`. Other bare values
    /// (numbers, words) as written.
    public var text: [UInt8]? { storage.withUnsafeBufferPointer { Self.text($0, range, form) } }

    static func text(_ storage: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ form: AuditValueForm) -> [UInt8]? {
        let v = UnsafeBufferPointer(rebasing: storage[range])
        if form != .bare { return Array(v) }
        if isAbsent(storage, range, form) { return nil }
        return AuditHex.decode(v) ?? Array(v)
    }

    /// A decimal number (`pid=123`, `exit=-13`).
    public var integer: Int64? { storage.withUnsafeBufferPointer { Self.integer($0, range) } }

    static func integer(_ storage: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
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
    public var hexNumber: UInt64? { storage.withUnsafeBufferPointer { Self.hexNumber($0, range) } }

    static func hexNumber(_ storage: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty, range.count <= 16 else { return nil }
        var n: UInt64 = 0
        for i in range {
            guard let d = AuditHex.digit(storage[i]) else { return nil }
            n = n << 4 | UInt64(d)
        }
        return n
    }

    /// An octal number (`mode=0100644`).
    public var octalNumber: UInt64? { storage.withUnsafeBufferPointer { Self.octalNumber($0, range) } }

    static func octalNumber(_ storage: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64? {
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
    public var id: UInt32? { Self.id(integer) }

    static func id(_ integer: Int64?) -> UInt32? {
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
