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
        var count = line.count
        if count > 0 && line[count - 1] == 0x0D { count -= 1 }
        guard count <= maxLineBytes else {
            throw AuditLineError(reason: "line longer than \(maxLineBytes) bytes", column: maxLineBytes + 1)
        }
        // Parsed in place in the read buffer (bench/audit-replay.sh: parsing over an array with
        // bounds checks was 22 % of the replay's CPU); the record keeps one copy of the line.
        let b = UnsafeBufferPointer(rebasing: line.bindMemory(to: UInt8.self)[0..<count])
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
            stamp = try parseStamp(&c)
        }
        var fields: [AuditField] = []
        fields.reserveCapacity(32)
        try parseFields(&c, end: count, into: &fields, allowEnriched: true)
        return AuditRecord(type: type, bytes: Array(b), typeNameRange: typeRange, nodeRange: nodeRange,
                           stamp: stamp, fields: fields, line: lineNumber)
    }

    /// Parses one line held in an array.
    public static func parse(bytes: [UInt8], lineNumber: UInt64 = 0) throws(AuditLineError) -> AuditRecord {
        let result = bytes.withUnsafeBytes { p in
            Result { () throws(AuditLineError) -> AuditRecord in try parse(p, lineNumber: lineNumber) }
        }
        return try result.get()
    }

    /// Parses a netlink record: `audit(SEC.MS:SERIAL): fields`, its type given by the message header.
    public static func parseBody(_ body: UnsafeRawBufferPointer, type: UInt16) throws(AuditLineError) -> AuditRecord {
        var bytes = Array(body)
        while let last = bytes.last, last == 0 || last == 0x0A { bytes.removeLast() }
        let result = bytes.withUnsafeBufferPointer { b in
            Result { () throws(AuditLineError) -> (AuditStamp, [AuditField]) in
                var c = Cursor(bytes: b)
                let stamp = try parseStamp(&c)
                var fields: [AuditField] = []
                fields.reserveCapacity(32)
                try parseFields(&c, end: b.count, into: &fields, allowEnriched: false)
                return (stamp, fields)
            }
        }
        let (stamp, fields) = try result.get()
        return AuditRecord(type: type, bytes: bytes, typeNameRange: 0..<0, nodeRange: nil, stamp: stamp,
                           fields: fields, line: 0)
    }

    // MARK: Parts

    private static func recordType(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(AuditLineError) -> UInt16 {
        guard end > start else { throw AuditLineError(reason: "empty record type", column: start + 1) }
        let name = b[start..<end]
        let unknown = Array("UNKNOWN[".utf8)
        if name.count > unknown.count + 1, name.starts(with: unknown), name.last == UInt8(ascii: "]") {
            var n = 0
            for d in name.dropFirst(unknown.count).dropLast() {
                guard (0x30...0x39).contains(d), n < 100_000 else {
                    throw AuditLineError(reason: "bad number in record type UNKNOWN[…]", column: start + 1)
                }
                n = n * 10 + Int(d - 0x30)
            }
            guard n <= Int(UInt16.max) else { throw AuditLineError(reason: "record type number out of range", column: start + 1) }
            return UInt16(n)
        }
        if let common = commonType(name) { return common }
        for ch in name where !((0x41...0x5A).contains(ch) || (0x30...0x39).contains(ch) || ch == 0x5F) {
            throw AuditLineError(reason: "record type is not an upper-case name", column: start + 1)
        }
        return AuditRecordTypes.number(String(decoding: name, as: UTF8.self)) ?? 0
    }

    /// The record types of nearly every line, told from their bytes without a table lookup.
    @inline(__always)
    private static func commonType(_ name: Slice<UnsafeBufferPointer<UInt8>>) -> UInt16? {
        func equals(_ literal: StaticString) -> Bool {
            guard literal.utf8CodeUnitCount == name.count else { return false }
            let l = literal.utf8Start
            var i = name.startIndex, k = 0
            while i < name.endIndex { if name[i] != l[k] { return false }; i += 1; k += 1 }
            return true
        }
        switch name.count {
        case 3: return equals("EOE") ? AuditRecordTypes.eoe : equals("CWD") ? AuditRecordTypes.cwd : nil
        case 4: return equals("PATH") ? AuditRecordTypes.path : nil
        case 6: return equals("EXECVE") ? AuditRecordTypes.execve : nil
        case 7: return equals("SYSCALL") ? AuditRecordTypes.syscall : nil
        case 9: return equals("PROCTITLE") ? AuditRecordTypes.proctitle : nil
        default: return nil
        }
    }

    /// `audit(SECONDS.MILLIS:SERIAL)` and an optional `:`.
    private static func parseStamp(_ c: inout Cursor) throws(AuditLineError) -> AuditStamp {
        guard c.consume("audit(") else { throw c.error("no 'audit(' time stamp") }
        let seconds = try c.number(maxDigits: 19, what: "seconds")
        guard c.consume(".") else { throw c.error("no '.' in the time stamp") }
        let millis = try c.number(maxDigits: 3, what: "milliseconds")
        guard c.consume(":") else { throw c.error("no ':' before the serial number") }
        let serial = try c.number(maxDigits: 20, what: "serial number")
        guard c.consume(")") else { throw c.error("no ')' after the time stamp") }
        _ = c.consume(":")
        return AuditStamp(seconds: seconds, milliseconds: UInt32(millis), serial: serial)
    }

    /// Fields up to `end`; `'…'` values are parsed for fields inside them as well.
    private static func parseFields(_ c: inout Cursor, end: Int, into fields: inout [AuditField],
                                    allowEnriched: Bool) throws(AuditLineError) {
        var enriched = false
        let b = c.bytes
        while c.i < end {
            let ch = b[c.i]
            if ch == 0x20 || ch == 0x09 || ch == 0x0A { c.i += 1; continue }
            if ch == 0x1D {
                guard allowEnriched, !enriched else { throw c.error("unexpected 0x1D separator") }
                enriched = true
                c.i += 1
                continue
            }
            let keyStart = c.i
            while c.i < end, b[c.i] != 0x3D, b[c.i] != 0x20, b[c.i] != 0x1D { c.i += 1 }
            guard c.i < end, b[c.i] == 0x3D, c.i > keyStart else {
                // A word of free text (`avc:  denied  { read }`, `auditd start,`): not a field.
                if c.i == keyStart { c.i += 1 }
                continue
            }
            let keyEnd = c.i
            c.i += 1  // '='
            var field = AuditField(keyStart: Int32(keyStart), keyEnd: Int32(keyEnd), valueStart: Int32(c.i),
                                   valueEnd: Int32(c.i), form: .bare, enriched: enriched)
            if c.i < end, b[c.i] == 0x22 || b[c.i] == 0x27 {
                let quote = b[c.i]
                let start = c.i + 1
                var j = start
                while j < end, b[j] != quote { j += 1 }
                // systemd's SERVICE_START/STOP records long lacked the closing ' of msg='…': the
                // value then runs to the end of the line. A '"' is always closed by the kernel.
                guard j < end || quote == 0x27 else {
                    throw AuditLineError(reason: "unterminated quoted value of '\(String(decoding: b[keyStart..<keyEnd], as: UTF8.self))'",
                                         column: start)
                }
                field.valueStart = Int32(start)
                field.valueEnd = Int32(j)
                field.form = quote == 0x22 ? .quoted : .singleQuoted
                fields.append(field)
                if quote == 0x27 {
                    var inner = Cursor(bytes: b)
                    inner.i = start
                    try parseFields(&inner, end: j, into: &fields, allowEnriched: false)
                }
                c.i = min(j + 1, end)
            } else {
                while c.i < end, b[c.i] != 0x20, b[c.i] != 0x1D { c.i += 1 }
                field.valueEnd = Int32(c.i)
                fields.append(field)
            }
        }
    }
}

/// A position in a line with bounds-checked reads.
struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func consume(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard bytes.count - i >= n else { return false }
        let matches = literal.withUTF8Buffer { lit in
            for k in 0..<n where bytes[i + k] != lit[k] { return false }
            return true
        }
        if matches { i += n }
        return matches
    }

    mutating func skip(while predicate: (UInt8) -> Bool) {
        while i < bytes.count, predicate(bytes[i]) { i += 1 }
    }

    mutating func number(maxDigits: Int, what: String) throws(AuditLineError) -> UInt64 {
        let start = i
        var n: UInt64 = 0
        while i < bytes.count, (0x30...0x39).contains(bytes[i]) {
            guard i - start < maxDigits else { throw error("\(what) too long") }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(bytes[i] - 0x30))
            guard !o1, !o2 else { throw error("\(what) out of range") }
            n = s
            i += 1
        }
        guard i > start else { throw error("no \(what) in the time stamp") }
        return n
    }

    func error(_ reason: String) -> AuditLineError { AuditLineError(reason: reason, column: i + 1) }
}
