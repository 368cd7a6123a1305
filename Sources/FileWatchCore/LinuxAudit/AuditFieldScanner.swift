// The `key=value` part of an audit record (AuditLineParser's grammar), scanned eight bytes a step
// over the line in place and written through a pointer into room the caller made once per line.
//
// Measured (callgrind, bench/audit-replay.sh's 100k-event log, 3.2 M fields): the scanner this
// replaces cost 166 instructions a field (591 M of 3,653 M): a runtime uniqueness check and a
// capacity check per appended field, five 32-bit range checks per field, and three
// compare-with-broadcast tests per word where one "below 0x21" test and one for '=' do.

/// Room for the fields of one line, kept from line to line (no allocation once it has grown).
struct AuditFieldRoom {
    private var storage: [AuditField] = []

    /// Fields a line of `count` bytes can hold at most: each takes a key byte and its `=`, and the
    /// `key=` spans of two fields never overlap (those inside `'…'` lie in the outer value).
    static func capacity(forLine count: Int) -> Int { count / 2 + 1 }

    /// Runs `body` with room for the fields of a line of `count` bytes.
    mutating func withRoom<R, E: Error>(forLine count: Int,
                                        _ body: (UnsafeMutableBufferPointer<AuditField>) throws(E) -> R) throws(E) -> R {
        let room = Self.capacity(forLine: count)
        if storage.count < room {
            storage.append(contentsOf: repeatElement(AuditField(keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0,
                                                                form: .bare, enriched: false),
                                                     count: room - storage.count))
        }
        return try storage.withUnsafeMutableBufferPointer { (p) throws(E) -> R in try body(p) }
    }
}

extension AuditLineParser {
    /// Fields of `b[from..<end]` written to `out` from `n` on; `'…'` values are parsed for fields
    /// inside them as well. `out` has room for `AuditFieldRoom.capacity(forLine: b.count)` fields;
    /// every read is checked against `end` ≤ `b.count`; offsets fit 32 bits (`b` ≤ 2 GiB).
    static func parseFields(_ b: UnsafeBufferPointer<UInt8>, from: Int, end: Int,
                            into out: UnsafeMutableBufferPointer<AuditField>, count n: inout Int,
                            allowEnriched: Bool) throws(AuditLineError) {
        precondition(from >= 0 && end <= b.count && b.count <= Int(Int32.max) && n >= 0)
        guard from < end, let base = b.baseAddress else { return }
        let p = UnsafeRawPointer(base)
        var enriched = false
        var i = from
        while i < end {
            let ch = base[i]
            if ch <= 0x20 || ch == 0x3D {  // one compare for a key's first byte, the usual case
                if ch == 0x20 || ch == 0x09 || ch == 0x0A || ch == 0x3D { i &+= 1; continue }  // blanks, a stray '='
                if ch == 0x1D {
                    guard allowEnriched, !enriched else { throw AuditLineError(reason: "unexpected 0x1D separator", column: i + 1) }
                    enriched = true
                    i &+= 1
                    continue
                }
                // Another control byte starts a key or word like any other.
            }
            let keyStart = i
            i = keyEnd(p, i &+ 1, end)  // the first byte is none of the key's stops
            // A word of free text (`avc:  denied  { read }`, `auditd start,`) is not a field.
            guard i < end, base[i] == 0x3D else { continue }
            let keyEnd = i
            i &+= 1  // '='
            precondition(n < out.count, "audit field room too small")
            if i < end, base[i] == 0x22 || base[i] == 0x27 {
                let quote = base[i]
                let start = i &+ 1
                let pattern = ByteWords.broadcast(quote)
                let j = ByteWords.scan(p, start, end) { ByteWords.equalBytes($0, pattern) }
                // systemd's SERVICE_START/STOP records long lacked the closing ' of msg='…': the
                // value then runs to the end of the line. A '"' is always closed by the kernel.
                guard j < end || quote == 0x27 else {
                    throw AuditLineError(reason: "unterminated quoted value of '\(String(decoding: b[keyStart..<keyEnd], as: UTF8.self))'",
                                         column: start)
                }
                out[n] = AuditField(keyStart: Int32(truncatingIfNeeded: keyStart), keyEnd: Int32(truncatingIfNeeded: keyEnd),
                                    valueStart: Int32(truncatingIfNeeded: start), valueEnd: Int32(truncatingIfNeeded: j),
                                    form: quote == 0x22 ? .quoted : .singleQuoted, enriched: enriched)
                n &+= 1
                if quote == 0x27 { try parseFields(b, from: start, end: j, into: out, count: &n, allowEnriched: false) }
                i = min(j &+ 1, end)
            } else {
                let start = i
                i = valueEnd(p, i, end)
                out[n] = AuditField(keyStart: Int32(truncatingIfNeeded: keyStart), keyEnd: Int32(truncatingIfNeeded: keyEnd),
                                    valueStart: Int32(truncatingIfNeeded: start), valueEnd: Int32(truncatingIfNeeded: i),
                                    form: .bare, enriched: enriched)
                n &+= 1
            }
        }
    }

    /// The first `=`, space or 0x1D at or after `i` (else `end`): a key's end.
    @inline(__always)
    static func keyEnd(_ p: UnsafeRawPointer, _ i: Int, _ end: Int) -> Int {
        var k = i
        while true {
            k = ByteWords.scan(p, k, end) { ByteWords.equalBytes($0, 0x3D3D_3D3D_3D3D_3D3D) | ByteWords.bytesBelow($0, 0x2121_2121_2121_2121) }
            guard k < end else { return end }
            let c = p.load(fromByteOffset: k, as: UInt8.self)
            if c == 0x3D || c == 0x20 || c == 0x1D { return k }
            k &+= 1  // a tab or other control byte: part of the key
        }
    }

    /// The first space or 0x1D at or after `i` (else `end`): a bare value's end.
    @inline(__always)
    static func valueEnd(_ p: UnsafeRawPointer, _ i: Int, _ end: Int) -> Int {
        var k = i
        while true {
            k = ByteWords.scan(p, k, end) { ByteWords.bytesBelow($0, 0x2121_2121_2121_2121) }
            guard k < end else { return end }
            let c = p.load(fromByteOffset: k, as: UInt8.self)
            if c == 0x20 || c == 0x1D { return k }
            k &+= 1
        }
    }
}
