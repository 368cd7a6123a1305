// Showing byte strings safely: for a terminal (text sink) and inside JSON strings.

/// Length of the valid UTF-8 scalar starting at `i`, or 0 when the bytes there are not valid UTF-8
/// (stray continuation byte, overlong form, surrogate, > U+10FFFF, truncated sequence).
@inline(__always)
func utf8ScalarLength(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
    let b0 = p[i]
    if b0 < 0x80 { return 1 }
    let n = p.count
    @inline(__always) func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
        k < n && p[k] >= lo && p[k] <= hi
    }
    switch b0 {
    case 0xC2...0xDF: return cont(i + 1) ? 2 : 0
    case 0xE0: return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0
    case 0xE1...0xEC, 0xEE, 0xEF: return cont(i + 1) && cont(i + 2) ? 3 : 0
    case 0xED: return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0
    case 0xF0: return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0
    case 0xF1...0xF3: return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0
    case 0xF4: return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0
    default: return 0
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// Is the 2- or 3-byte scalar at `i` one a terminal may act on or that reorders text:
/// C1 controls (U+0080–U+009F), line/paragraph separators (U+2028/9), bidi embeddings/overrides
/// (U+202A–U+202E) and isolates (U+2066–U+2069)?
@inline(__always)
private func isDangerousScalar(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ len: Int) -> Bool {
    if len == 2 { return p[i] == 0xC2 && p[i + 1] <= 0x9F }
    if len == 3 && p[i] == 0xE2 {
        let b1 = p[i + 1], b2 = p[i + 2]
        if b1 == 0x80 && b2 >= 0xA8 && b2 <= 0xAE { return true }
        if b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9 { return true }
    }
    return false
}

extension OutputBuffer {
    /// Appends `raw` for a terminal: printable ASCII and valid UTF-8 as is; `\` as `\\`; `\n`, `\t`,
    /// `\r`, ESC as `\n`, `\t`, `\r`, `\e`; every other control byte, DEL, invalid UTF-8 byte and
    /// dangerous scalar (C1 controls, bidi overrides, line separators) as `\xNN` per byte.
    public func appendEscapedText(_ raw: [UInt8]) {
        raw.withUnsafeBufferPointer { appendEscapedText($0) }
    }

    /// Same as `appendEscapedText(_: [UInt8])` for bytes in place (e.g. a String's UTF-8).
    public func appendEscapedText(_ p: UnsafeBufferPointer<UInt8>) {
        do {
            var i = 0
            while i < p.count {
                let b = p[i]
                if b >= 0x20 && b < 0x7F {
                    if b == UInt8(ascii: "\\") { bytes.append(b) }
                    bytes.append(b)
                    i += 1
                    continue
                }
                switch b {
                case 0x0A: append("\\n"); i += 1; continue
                case 0x09: append("\\t"); i += 1; continue
                case 0x0D: append("\\r"); i += 1; continue
                case 0x1B: append("\\e"); i += 1; continue
                default: break
                }
                let len = b < 0x80 ? 0 : utf8ScalarLength(p, i)
                if len > 0 && !isDangerousScalar(p, i, len) {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<(i + len)]))
                    i += len
                } else {
                    let count = max(len, 1)
                    for k in i..<(i + count) {
                        bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "x"))
                        bytes.append(hexDigits[Int(p[k] >> 4)]); bytes.append(hexDigits[Int(p[k] & 15)])
                    }
                    i += count
                }
            }
        }
    }

    /// A String (valid UTF-8 by construction) as a JSON string literal.
    public func appendJSONString(_ s: String) {
        var s = s
        s.withUTF8 { _ = appendJSONString($0) }
    }

    /// Appends `raw` as a JSON string literal (with quotes). Valid UTF-8 passes through; `"`, `\`,
    /// control characters, DEL and U+2028/U+2029 are escaped; each invalid byte becomes U+FFFD.
    /// Returns true when something was replaced (the caller then adds the exact bytes in base64).
    @discardableResult
    public func appendJSONString(_ raw: [UInt8]) -> Bool {
        raw.withUnsafeBufferPointer { appendJSONString($0) }
    }

    /// Same as `appendJSONString(_: [UInt8])` for bytes in place.
    @discardableResult
    public func appendJSONString(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var lossy = false
        bytes.append(UInt8(ascii: "\""))
        do {
            var i = 0
            while i < p.count {
                let b = p[i]
                if b >= 0x20 && b < 0x7F {
                    if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                    bytes.append(b)
                    i += 1
                    continue
                }
                if b < 0x80 {
                    switch b {
                    case 0x0A: append("\\n")
                    case 0x09: append("\\t")
                    case 0x0D: append("\\r")
                    case 0x08: append("\\b")
                    case 0x0C: append("\\f")
                    default:
                        append("\\u00")
                        bytes.append(hexDigits[Int(b >> 4)]); bytes.append(hexDigits[Int(b & 15)])
                    }
                    i += 1
                    continue
                }
                let len = utf8ScalarLength(p, i)
                if len == 0 {
                    lossy = true
                    bytes.append(0xEF); bytes.append(0xBF); bytes.append(0xBD)
                    i += 1
                } else if len == 3 && b == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9) {
                    append(p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029")
                    i += 3
                } else {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<(i + len)]))
                    i += len
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
        return lossy
    }

    /// Appends `raw` as a quoted standard base64 string (RFC 4648, with padding).
    public func appendBase64String(_ raw: [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        appendBase64(raw)
        bytes.append(UInt8(ascii: "\""))
    }

    public func appendBase64(_ raw: [UInt8]) {
        raw.withUnsafeBufferPointer { p in
            base64Alphabet.withUnsafeBufferPointer { a in
                var i = 0
                while i + 3 <= p.count {
                    let v = UInt32(p[i]) << 16 | UInt32(p[i + 1]) << 8 | UInt32(p[i + 2])
                    bytes.append(a[Int(v >> 18)]); bytes.append(a[Int(v >> 12 & 63)])
                    bytes.append(a[Int(v >> 6 & 63)]); bytes.append(a[Int(v & 63)])
                    i += 3
                }
                let rest = p.count - i
                if rest == 1 {
                    let v = UInt32(p[i]) << 16
                    bytes.append(a[Int(v >> 18)]); bytes.append(a[Int(v >> 12 & 63)])
                    append("==")
                } else if rest == 2 {
                    let v = UInt32(p[i]) << 16 | UInt32(p[i + 1]) << 8
                    bytes.append(a[Int(v >> 18)]); bytes.append(a[Int(v >> 12 & 63)])
                    bytes.append(a[Int(v >> 6 & 63)]); bytes.append(UInt8(ascii: "="))
                }
            }
        }
    }

    /// Lowercase hex of `raw`.
    public func appendHex(_ raw: [UInt8]) {
        for b in raw { bytes.append(hexDigits[Int(b >> 4)]); bytes.append(hexDigits[Int(b & 15)]) }
    }
}

private let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

/// The escaped form of `raw` for a terminal, as a String (for messages; the sinks use the buffer form).
public func escapedForTerminal(_ raw: [UInt8]) -> String {
    let out = OutputBuffer(writer: MemoryWriter(), lineBuffered: false, threshold: 0)
    out.appendEscapedText(raw)
    return String(decoding: out.bytes, as: UTF8.self)
}
