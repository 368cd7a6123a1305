import BSM

// Showing byte strings safely: for a terminal (text sink; BSM's one terminal escaper) and inside JSON strings.

extension OutputBuffer {
    /// Appends `raw` escaped for a terminal: BSM's one terminal escaper (`appendTerminalEscaped`,
    /// the same rendering as `print` on a terminal). Printable ASCII and valid UTF-8 as they are;
    /// `\` as `\\`; `\n`, `\t`, `\r`, ESC as `\n`, `\t`, `\r`, `\e`; every other control byte, DEL,
    /// invalid UTF-8 byte and dangerous scalar (C1 controls, bidi controls, line separators) as
    /// `\xNN` per byte.
    public func appendEscapedText(_ raw: [UInt8]) {
        raw.withUnsafeBytes { storage.appendTerminalEscaped($0) }
    }

    /// Same as `appendEscapedText(_: [UInt8])` for bytes in place (e.g. a String's UTF-8).
    public func appendEscapedText(_ p: UnsafeBufferPointer<UInt8>) {
        storage.appendTerminalEscaped(UnsafeRawBufferPointer(p))
    }

    /// Appends one field of a text line so that it cannot be mistaken for several or for the line's
    /// own words (` -> `, `args:`, `FAILED`): escaped as `appendEscapedText`, and when it is empty or
    /// holds a space or `"`, inside double quotes with each `"` as `\"` (the escaper doubles `\`, so
    /// `\"` inside quotes is always a quote of the field).
    public func appendTextField(_ raw: UnsafeBufferPointer<UInt8>) {
        guard raw.isEmpty || raw.contains(where: { $0 == 0x20 || $0 == 0x22 }) else {
            storage.appendTerminalEscaped(UnsafeRawBufferPointer(raw))
            return
        }
        append(UInt8(ascii: "\""))
        var start = 0
        for i in raw.indices where raw[i] == 0x22 {
            storage.appendTerminalEscaped(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: raw[start..<i])))
            append("\\\"")
            start = i + 1
        }
        storage.appendTerminalEscaped(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: raw[start...])))
        append(UInt8(ascii: "\""))
    }

    /// Same as `appendTextField(_: UnsafeBufferPointer<UInt8>)` for an array.
    public func appendTextField(_ raw: [UInt8]) {
        raw.withUnsafeBufferPointer { appendTextField($0) }
    }

    /// Appends `raw` as a JSON string literal (with quotes). Valid UTF-8 passes through; `"`, `\`,
    /// control characters, DEL and U+2028/U+2029 are escaped; each invalid byte becomes U+FFFD.
    /// Returns true when something was replaced (the caller then adds the exact bytes in base64).
    @discardableResult
    public func appendJSONString(_ raw: [UInt8]) -> Bool {
        raw.withUnsafeBufferPointer { appendJSONString($0) }
    }

    /// A String (valid UTF-8 by construction) as a JSON string literal.
    public func appendJSONString(_ s: String) {
        var s = s
        s.withUTF8 { _ = appendJSONString($0) }
    }

    /// Same as `appendJSONString(_: [UInt8])` for bytes in place.
    @discardableResult
    public func appendJSONString(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var lossy = false
        // Worst case: every byte becomes `\u00XX` (6), plus the quotes.
        write(maximum: 6 * p.count + 2) { q in
            var o = 0
            var i = 0
            let n = p.count
            q[o] = UInt8(ascii: "\""); o += 1
            let base = UnsafeRawPointer(p.baseAddress)
            while i < n {
                // Eight plain bytes at a time (printable ASCII but `"` and `\`), copied as they are:
                // measured, the byte loop was a seventh of an ECS record's cost.
                if n - i >= 8, let base {
                    let x = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    if Self.allPlainJSON(x) {
                        UnsafeMutableRawPointer(q + o).storeBytes(of: x.littleEndian, as: UInt64.self)
                        o += 8
                        i += 8
                        continue
                    }
                }
                let b = p[i]
                if b >= 0x20 && b < 0x7F {
                    if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { q[o] = UInt8(ascii: "\\"); o += 1 }
                    q[o] = b; o += 1
                    i += 1
                    continue
                }
                if b < 0x80 {
                    let c: UInt8
                    switch b {
                    case 0x0A: c = UInt8(ascii: "n")
                    case 0x09: c = UInt8(ascii: "t")
                    case 0x0D: c = UInt8(ascii: "r")
                    case 0x08: c = UInt8(ascii: "b")
                    case 0x0C: c = UInt8(ascii: "f")
                    default: c = 0
                    }
                    q[o] = UInt8(ascii: "\\")
                    if c != 0 {
                        q[o + 1] = c; o += 2
                    } else {
                        q[o + 1] = UInt8(ascii: "u"); q[o + 2] = 0x30; q[o + 3] = 0x30
                        q[o + 4] = hexDigit(b >> 4); q[o + 5] = hexDigit(b & 15); o += 6
                    }
                    i += 1
                    continue
                }
                let len = utf8ScalarLength(p.baseAddress!, i, n)
                if len == 0 {
                    lossy = true
                    q[o] = 0xEF; q[o + 1] = 0xBF; q[o + 2] = 0xBD; o += 3
                    i += 1
                } else if len == 3 && b == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9) {
                    // U+2028 / U+2029 → \u2028 / \u2029
                    q[o] = UInt8(ascii: "\\"); q[o + 1] = UInt8(ascii: "u"); q[o + 2] = UInt8(ascii: "2")
                    q[o + 3] = UInt8(ascii: "0"); q[o + 4] = UInt8(ascii: "2")
                    q[o + 5] = p[i + 2] == 0xA8 ? UInt8(ascii: "8") : UInt8(ascii: "9")
                    o += 6
                    i += 3
                } else {
                    for k in 0..<len { q[o + k] = p[i + k] }
                    o += len
                    i += len
                }
            }
            q[o] = UInt8(ascii: "\""); o += 1
            return o
        }
        return lossy
    }

    /// Whether all eight bytes of `x` are 0x20…0x7E other than `"` and `\` (ByteWords' tests: "any
    /// byte marked" is exact).
    @inline(__always)
    static func allPlainJSON(_ x: UInt64) -> Bool {
        ByteWords.nonASCII(x) | ByteWords.bytesBelow(x, 0x2020_2020_2020_2020)
            | ByteWords.equalBytes(x, 0x2222_2222_2222_2222) | ByteWords.equalBytes(x, 0x5C5C_5C5C_5C5C_5C5C)
            | ByteWords.equalBytes(x, 0x7F7F_7F7F_7F7F_7F7F) == 0
    }

    /// Appends `raw` as a quoted standard base64 string (RFC 4648, with padding).
    public func appendBase64String(_ raw: [UInt8]) {
        append(UInt8(ascii: "\""))
        appendBase64(raw)
        append(UInt8(ascii: "\""))
    }

    public func appendBase64(_ raw: [UInt8]) {
        raw.withUnsafeBufferPointer { p in
            write(maximum: 4 * (p.count / 3 + 1)) { q in
                base64Alphabet.withUnsafeBufferPointer { a in
                    var o = 0
                    var i = 0
                    while i + 3 <= p.count {
                        let v = UInt32(p[i]) << 16 | UInt32(p[i + 1]) << 8 | UInt32(p[i + 2])
                        q[o] = a[Int(v >> 18)]; q[o + 1] = a[Int(v >> 12 & 63)]
                        q[o + 2] = a[Int(v >> 6 & 63)]; q[o + 3] = a[Int(v & 63)]
                        o += 4
                        i += 3
                    }
                    let rest = p.count - i
                    if rest > 0 {
                        let v = UInt32(p[i]) << 16 | (rest == 2 ? UInt32(p[i + 1]) << 8 : 0)
                        q[o] = a[Int(v >> 18)]; q[o + 1] = a[Int(v >> 12 & 63)]
                        q[o + 2] = rest == 2 ? a[Int(v >> 6 & 63)] : UInt8(ascii: "=")
                        q[o + 3] = UInt8(ascii: "=")
                        o += 4
                    }
                    return o
                }
            }
        }
    }

    /// Lowercase hex of `raw`.
    public func appendHex(_ raw: [UInt8]) {
        write(maximum: 2 * raw.count) { q in
            for (i, b) in raw.enumerated() { q[2 * i] = hexDigit(b >> 4); q[2 * i + 1] = hexDigit(b & 15) }
            return 2 * raw.count
        }
    }
}

private let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

/// The escaped form of `raw` for a terminal, as a String (for messages; the sinks use the buffer form).
public func escapedForTerminal(_ raw: [UInt8]) -> String {
    let out = OutputBuffer(writer: MemoryWriter(), lineBuffered: false, threshold: 0)
    out.appendEscapedText(raw)
    return String(decoding: out.bytes, as: UTF8.self)
}
