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
        var room = AuditFieldRoom()
        var memo = AuditStampMemo()
        let b = try trimmed(line)
        return try room.withRoom(forLine: b.count) { (f) throws(AuditLineError) -> AuditRecord in
            var n = 0
            let header = try parseLine(b, lineNumber: lineNumber, fields: f, count: &n, memo: &memo)
            return AuditEventRecords(AuditRecordView(header: header, bytes: b, fields: UnsafeBufferPointer(rebasing: f[0..<n])))[0]
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

    /// Parses a line (from `trimmed`) in place in the read buffer: its header, its fields written to
    /// `fields` (room from `AuditFieldRoom` for a line this long), `count` of them, as offsets from
    /// the line's start. No copy of the line is made here; the assembler copies it into its event's
    /// buffer (bench/audit-replay.sh: parsing over an array with bounds checks was 22 % of the
    /// replay's CPU).
    static func parseLine(_ b: UnsafeBufferPointer<UInt8>, lineNumber: UInt64, fields: UnsafeMutableBufferPointer<AuditField>,
                          count: inout Int, memo: inout AuditStampMemo) throws(AuditLineError) -> AuditRecordHeader {
        count = 0
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
        c.i = ByteWords.scan(UnsafeRawPointer(b.baseAddress!), c.i, b.count) { ByteWords.equalBytes($0, 0x2020_2020_2020_2020) }
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
        try parseFields(b, from: c.i, end: b.count, into: fields, count: &count, allowEnriched: true)
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
        let header = AuditRecordHeader(type: type, typeNameRange: 0..<0, nodeRange: nil, stamp: stamp, line: 0)
        var room = AuditFieldRoom()
        return try room.withRoom(forLine: b.count) { (f) throws(AuditLineError) -> AuditRecord in
            var n = 0
            try parseFields(b, from: c.i, end: b.count, into: f, count: &n, allowEnriched: false)
            return AuditEventRecords(AuditRecordView(header: header, bytes: b, fields: UnsafeBufferPointer(rebasing: f[0..<n])))[0]
        }
    }

    // MARK: Parts

    private static func recordType(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(AuditLineError) -> UInt16 {
        guard end > start else { throw AuditLineError(reason: "empty record type", column: start + 1) }
        if let common = commonType(b, start, end) { return common }
        let name = UnsafeBufferPointer(rebasing: b[start..<end])
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

    /// The record types of nearly every line, told from their first eight bytes as one word (the
    /// names' bytes, little-endian) without a table lookup; nil leaves it to the table (callgrind:
    /// comparing byte by byte cost 88 instructions a line).
    @inline(__always)
    private static func commonType(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt16? {
        let n = end &- start
        guard n >= 3, n <= 9, start >= 0, b.count &- start >= 8, let base = b.baseAddress else { return nil }
        var w = UInt64(littleEndian: UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self))
        if n < 8 { w &= (1 &<< (UInt64(n) &* 8)) &- 1 }
        switch n {
        case 3: return w == 0x45_4F_45 ? AuditRecordTypes.eoe : w == 0x44_57_43 ? AuditRecordTypes.cwd : nil
        case 4: return w == 0x48_54_41_50 ? AuditRecordTypes.path : nil
        case 6: return w == 0x45_56_43_45_58_45 ? AuditRecordTypes.execve : nil
        case 7: return w == 0x4C_4C_41_43_53_59_53 ? AuditRecordTypes.syscall : nil
        case 9: return w == 0x4C_54_49_54_43_4F_52_50 && base[start + 8] == UInt8(ascii: "E") ? AuditRecordTypes.proctitle : nil
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
}

/// The last time stamp parsed, with its text up to `)`: the records of one event repeat it byte for
/// byte, so a line whose text matches takes the stamp without parsing its digits again. The text
/// (at most 32 bytes: `audit(` 6, seconds 10, `.mmm:` 5, serial 10, `)`) is kept in four words
/// compared in place (callgrind: the array it replaces cost 236 instructions a line).
struct AuditStampMemo {
    private var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    /// Bytes of `text` in use; 0 when none is kept.
    private var count = 0
    private var stamp = AuditStamp(seconds: 0, milliseconds: 0, serial: 0)

    /// `audit(SECONDS.MILLIS:SERIAL)` and an optional `:` at the cursor.
    mutating func parse(_ c: inout Cursor) throws(AuditLineError) -> AuditStamp {
        let n = count
        if n > 0, c.bytes.count - c.i >= n, matches(UnsafeRawPointer(c.bytes.baseAddress!) + c.i) {
            c.i += n
        } else {
            let start = c.i
            stamp = try AuditLineParser.parseStamp(&c)
            keep(UnsafeBufferPointer(rebasing: c.bytes[start..<c.i]))
        }
        _ = c.consume(":")
        return stamp
    }

    /// Whether the `count` bytes at `p` are the kept text.
    @inline(__always)
    private func matches(_ p: UnsafeRawPointer) -> Bool {
        var t = text
        let n = count
        return withUnsafeBytes(of: &t) { kept in
            memoryEqual(UnsafeRawBufferPointer(start: p, count: n), UnsafeRawBufferPointer(rebasing: kept[..<n]))
        }
    }

    private mutating func keep(_ stampText: UnsafeBufferPointer<UInt8>) {
        // "audit(" + 1 digit + "." + 1 digit + ":" + 1 digit + ")" is 12 bytes at least.
        guard stampText.count >= 8, stampText.count <= 32 else { count = 0; return }
        var t: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &t) { $0.copyMemory(from: UnsafeRawBufferPointer(stampText)) }
        text = t
        count = stampText.count
    }
}

extension AuditLineParser {
    /// Whether two buffers of the same length hold the same bytes (the shared `memoryEqual`).
    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        memoryEqual(UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b))
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
