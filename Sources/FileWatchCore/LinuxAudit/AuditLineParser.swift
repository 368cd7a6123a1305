// The auditd log line grammar, bounds-checked (every index is checked against the end; any prefix of
// a valid line either parses or fails with a reason, never traps):
//
//   line    = [ "node=" NAME " " ] "type=" TYPE " " "msg=" ( "audit(" STAMP ")" [ ":" ] | "?" ) fields
//             [ 0x1D enriched ]
//   TYPE    = NAME | "UNKNOWN[" DIGITS "]"
//   STAMP   = SECONDS "." MILLIS ":" SERIAL
//   fields  = { " " | word | KEY "=" value }      (words without "=", as in AVC text, are skipped)
//   value   = '"' text '"' | "'" fields [ "'" ] | bare   (bare: up to a space; numbers, (null), ?, hex)
//   enriched = { " " | KEY "=" value }            (auditd's log_format=ENRICHED: UID="root")
//
// A netlink record carries its type as a number and starts at "audit(" (`parseBody`).

/// Why a line is not an audit record; `column` is the 1-based byte position of the problem.
public struct AuditLineError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var column: Int
    public var description: String { "\(reason) (column \(column))" }
}

public enum AuditLineParser {
    /// Longest line accepted (auditd's records are at most 8970 bytes plus enrichment).
    public static let maxLineBytes = 16 * 1024

    /// Parses one log line (without its newline; a trailing `\r` is ignored).
    public static func parse(_ line: UnsafeRawBufferPointer, lineNumber: UInt64 = 0) throws(AuditLineError) -> AuditRecord {
        var fields: [AuditField] = []
        var memo = AuditStampMemo()
        let b = try trimmed(line)
        let header = try parseLine(b, lineNumber: lineNumber, fields: &fields, memo: &memo)
        return fields.withUnsafeBufferPointer { f in
            AuditEventRecords(AuditRecordView(header: header, bytes: b, fields: f))[0]
        }
    }

    /// Parses one line held in an array.
    public static func parse(bytes: [UInt8], lineNumber: UInt64 = 0) throws(AuditLineError) -> AuditRecord {
        let result = bytes.withUnsafeBytes { p in
            Result { () throws(AuditLineError) -> AuditRecord in try parse(p, lineNumber: lineNumber) }
        }
        return try result.get()
    }

    /// The line without a trailing `\r`, at most `maxLineBytes` long.
    static func trimmed(_ line: UnsafeRawBufferPointer) throws(AuditLineError) -> UnsafeBufferPointer<UInt8> {
        var count = line.count
        if count > 0 && line[count - 1] == 0x0D { count -= 1 }
        guard count <= maxLineBytes else {
            throw AuditLineError(reason: "line longer than \(maxLineBytes) bytes", column: maxLineBytes + 1)
        }
        return UnsafeBufferPointer(rebasing: line.bindMemory(to: UInt8.self)[0..<count])
    }

    /// Parses a line (from `trimmed`) in place in the read buffer: its header, its fields appended to
    /// `fields` (emptied first) as offsets from the line's start. No copy of the line is made here;
    /// the assembler copies it into its event's buffer (bench/audit-replay.sh: parsing over an array
    /// with bounds checks was 22 % of the replay's CPU).
    static func parseLine(_ b: UnsafeBufferPointer<UInt8>, lineNumber: UInt64, fields: inout [AuditField],
                          memo: inout AuditStampMemo) throws(AuditLineError) -> AuditRecordHeader {
        fields.removeAll(keepingCapacity: true)
        var c = Cursor(bytes: b)
        var nodeRange: Range<Int32>? = nil
        if c.consume("node=") {
            let start = c.i
            c.skip { $0 != 0x20 }
            guard c.i > start else { throw c.error("empty node name") }
            nodeRange = Int32(start)..<Int32(c.i)
            c.skip { $0 == 0x20 }
        }
        guard c.consume("type=") else { throw c.error("no 'type=' at the start of the record") }
        let typeStart = c.i
        c.skip { $0 != 0x20 }
        let typeRange = Int32(typeStart)..<Int32(c.i)
        let type = try recordType(b, typeStart, c.i)
        c.skip { $0 == 0x20 }
        guard c.consume("msg=") else { throw c.error("no 'msg=' after the record type") }
        var stamp: AuditStamp? = nil
        if c.consume("?") {
            stamp = nil
        } else {
            stamp = try memo.parse(&c)
        }
        try parseFields(b, from: c.i, end: b.count, into: &fields, allowEnriched: true)
        return AuditRecordHeader(type: type, typeNameRange: typeRange, nodeRange: nodeRange, stamp: stamp, line: lineNumber)
    }

    /// Parses a netlink record: `audit(SEC.MS:SERIAL): fields`, its type given by the message header.
    public static func parseBody(_ body: UnsafeRawBufferPointer, type: UInt16) throws(AuditLineError) -> AuditRecord {
        var count = body.count
        while count > 0, body[count - 1] == 0 || body[count - 1] == 0x0A { count -= 1 }
        let b = UnsafeBufferPointer(rebasing: body.bindMemory(to: UInt8.self)[0..<count])
        var c = Cursor(bytes: b)
        var memo = AuditStampMemo()
        let stamp = try memo.parse(&c)
        var fields: [AuditField] = []
        try parseFields(b, from: c.i, end: b.count, into: &fields, allowEnriched: false)
        let header = AuditRecordHeader(type: type, typeNameRange: 0..<0, nodeRange: nil, stamp: stamp, line: 0)
        return fields.withUnsafeBufferPointer { f in
            AuditEventRecords(AuditRecordView(header: header, bytes: b, fields: f))[0]
        }
    }

    // MARK: Parts

    private static func recordType(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(AuditLineError) -> UInt16 {
        guard end > start else { throw AuditLineError(reason: "empty record type", column: start + 1) }
        let name = UnsafeBufferPointer(rebasing: b[start..<end])
        if let common = commonType(name) { return common }
        let unknown: StaticString = "UNKNOWN["
        let u = unknown.utf8CodeUnitCount
        if name.count > u + 1, AuditValue.equals(UnsafeBufferPointer(rebasing: name[0..<u]), unknown),
           name[name.count - 1] == UInt8(ascii: "]") {
            var n = 0
            for d in name[u..<(name.count - 1)] {
                guard (0x30...0x39).contains(d), n < 100_000 else {
                    throw AuditLineError(reason: "bad number in record type UNKNOWN[…]", column: start + 1)
                }
                n = n * 10 + Int(d - 0x30)
            }
            guard n <= Int(UInt16.max) else { throw AuditLineError(reason: "record type number out of range", column: start + 1) }
            return UInt16(n)
        }
        for ch in name where !((0x41...0x5A).contains(ch) || (0x30...0x39).contains(ch) || ch == 0x5F) {
            throw AuditLineError(reason: "record type is not an upper-case name", column: start + 1)
        }
        return AuditRecordTypes.number(String(decoding: name, as: UTF8.self)) ?? 0
    }

    /// The record types of nearly every line, told from their bytes without a table lookup.
    @inline(__always)
    private static func commonType(_ name: UnsafeBufferPointer<UInt8>) -> UInt16? {
        switch name.count {
        case 3: return AuditValue.equals(name, "EOE") ? AuditRecordTypes.eoe : AuditValue.equals(name, "CWD") ? AuditRecordTypes.cwd : nil
        case 4: return AuditValue.equals(name, "PATH") ? AuditRecordTypes.path : nil
        case 6: return AuditValue.equals(name, "EXECVE") ? AuditRecordTypes.execve : nil
        case 7: return AuditValue.equals(name, "SYSCALL") ? AuditRecordTypes.syscall : nil
        case 9: return AuditValue.equals(name, "PROCTITLE") ? AuditRecordTypes.proctitle : nil
        default: return nil
        }
    }

    /// `audit(SECONDS.MILLIS:SERIAL)` (the optional `:` after it is left to the caller).
    fileprivate static func parseStamp(_ c: inout Cursor) throws(AuditLineError) -> AuditStamp {
        guard c.consume("audit(") else { throw c.error("no 'audit(' time stamp") }
        let seconds = try c.number(maxDigits: 19, what: "seconds")
        guard c.consume(".") else { throw c.error("no '.' in the time stamp") }
        let millis = try c.number(maxDigits: 3, what: "milliseconds")
        guard c.consume(":") else { throw c.error("no ':' before the serial number") }
        let serial = try c.number(maxDigits: 20, what: "serial number")
        guard c.consume(")") else { throw c.error("no ')' after the time stamp") }
        return AuditStamp(seconds: seconds, milliseconds: UInt32(millis), serial: serial)
    }

    /// Fields of `b[from..<end]`; `'…'` values are parsed for fields inside them as well. The scan
    /// runs over the read buffer with plain indices, every read checked against `end` ≤ `b.count`.
    private static func parseFields(_ b: UnsafeBufferPointer<UInt8>, from: Int, end: Int, into fields: inout [AuditField],
                                    allowEnriched: Bool) throws(AuditLineError) {
        precondition(from >= 0 && end <= b.count)
        var enriched = false
        var i = from
        while i < end {
            let ch = b[i]
            if ch == 0x20 || ch == 0x09 || ch == 0x0A { i &+= 1; continue }
            if ch == 0x1D {
                guard allowEnriched, !enriched else { throw AuditLineError(reason: "unexpected 0x1D separator", column: i + 1) }
                enriched = true
                i &+= 1
                continue
            }
            let keyStart = i
            i = scan(b, i, end, 0x3D, 0x20, 0x1D)
            guard i < end, b[i] == 0x3D, i > keyStart else {
                // A word of free text (`avc:  denied  { read }`, `auditd start,`): not a field.
                if i == keyStart { i &+= 1 }
                continue
            }
            let keyEnd = i
            i &+= 1  // '='
            if i < end, b[i] == 0x22 || b[i] == 0x27 {
                let quote = b[i]
                let start = i &+ 1
                let j = scan(b, start, end, quote, quote, quote)
                // systemd's SERVICE_START/STOP records long lacked the closing ' of msg='…': the
                // value then runs to the end of the line. A '"' is always closed by the kernel.
                guard j < end || quote == 0x27 else {
                    throw AuditLineError(reason: "unterminated quoted value of '\(String(decoding: b[keyStart..<keyEnd], as: UTF8.self))'",
                                         column: start)
                }
                fields.append(AuditField(keyStart: Int32(keyStart), keyEnd: Int32(keyEnd), valueStart: Int32(start),
                                         valueEnd: Int32(j), form: quote == 0x22 ? .quoted : .singleQuoted, enriched: enriched))
                if quote == 0x27 { try parseFields(b, from: start, end: j, into: &fields, allowEnriched: false) }
                i = min(j &+ 1, end)
            } else {
                let start = i
                i = scan(b, i, end, 0x20, 0x1D, 0x1D)
                fields.append(AuditField(keyStart: Int32(keyStart), keyEnd: Int32(keyEnd), valueStart: Int32(start),
                                         valueEnd: Int32(i), form: .bare, enriched: enriched))
            }
        }
    }
}

extension AuditLineParser {
    /// The first index in `i..<end` whose byte is `x`, `y` or `z`, else `end`; `end` ≤ `b.count`.
    /// Eight bytes a step (bench/audit-replay.sh: the byte loops were 15 % of a replay's CPU): a
    /// word is loaded only when all its eight bytes lie before `end`; a byte of the word equal to
    /// `x` gives a zero byte in `w ^ xxxxxxxx`, found by the has-zero-byte test, whose lowest set bit
    /// is exact (borrows only mark bytes above a true zero). The rest goes a byte at a time.
    @inline(__always)
    static func scan(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ x: UInt8, _ y: UInt8, _ z: UInt8) -> Int {
        precondition(start >= 0 && end <= b.count)
        var i = start
        if let base = b.baseAddress, end - start >= 8 {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            let px = ones &* UInt64(x), py = ones &* UInt64(y), pz = ones &* UInt64(z)
            while i &+ 8 <= end {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let a = w ^ px, c = w ^ py, d = w ^ pz
                let m = ((a &- ones) & ~a | (c &- ones) & ~c | (d &- ones) & ~d) & highs
                if m != 0 { return i &+ m.trailingZeroBitCount >> 3 }
                i &+= 8
            }
        }
        while i < end {
            let v = b[i]
            if v == x || v == y || v == z { return i }
            i &+= 1
        }
        return end
    }
}

/// The last time stamp parsed, with its text up to `)`: the records of one event repeat it byte for
/// byte, so a line whose text matches takes the stamp without parsing its digits again.
struct AuditStampMemo {
    private var text: [UInt8] = []
    private var stamp = AuditStamp(seconds: 0, milliseconds: 0, serial: 0)

    /// `audit(SECONDS.MILLIS:SERIAL)` and an optional `:` at the cursor.
    mutating func parse(_ c: inout Cursor) throws(AuditLineError) -> AuditStamp {
        let n = text.count
        if n > 0, c.bytes.count - c.i >= n,
           text.withUnsafeBufferPointer({ AuditLineParser.equal($0, UnsafeBufferPointer(rebasing: c.bytes[c.i..<(c.i + n)])) }) {
            c.i += n
        } else {
            let start = c.i
            stamp = try AuditLineParser.parseStamp(&c)
            if c.i - start <= 64 {
                text.removeAll(keepingCapacity: true)
                text.append(contentsOf: c.bytes[start..<c.i])
            } else {
                text.removeAll()
            }
        }
        _ = c.consume(":")
        return stamp
    }
}

extension AuditLineParser {
    /// Whether two buffers of the same length hold the same bytes (eight at a time).
    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = a.count
        guard n == b.count else { return false }
        var i = 0
        if n >= 8, let pa = a.baseAddress, let pb = b.baseAddress {
            let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb)
            while i + 8 <= n {
                if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
                i += 8
            }
        }
        while i < n { if a[i] != b[i] { return false }; i += 1 }
        return true
    }
}

/// A position in a line with bounds-checked reads.
struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    @inline(__always)
    mutating func consume(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard bytes.count - i >= n else { return false }
        let l = literal.utf8Start
        for k in 0..<n where bytes[i + k] != l[k] { return false }
        i += n
        return true
    }

    @inline(__always)
    mutating func skip(while predicate: (UInt8) -> Bool) {
        while i < bytes.count, predicate(bytes[i]) { i += 1 }
    }

    /// Decimal digits (at most `maxDigits`); `what` names the number in errors.
    @inline(__always)
    mutating func number(maxDigits: Int, what: StaticString) throws(AuditLineError) -> UInt64 {
        let start = i
        var n: UInt64 = 0
        while i < bytes.count {
            let d = bytes[i] &- 0x30
            guard d < 10 else { break }
            guard i - start < maxDigits else { throw error("\(what) too long") }
            // 19 digits always fit in 64 bits: only the 20th can overflow.
            if i - start >= 19 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(d))
                guard !o1, !o2 else { throw error("\(what) out of range") }
                n = s
            } else {
                n = n &* 10 &+ UInt64(d)
            }
            i += 1
        }
        guard i > start else { throw error("no \(what) in the time stamp") }
        return n
    }

    func error(_ reason: String) -> AuditLineError { AuditLineError(reason: reason, column: i + 1) }
}
