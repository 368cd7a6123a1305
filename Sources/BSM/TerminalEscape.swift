// The one terminal escaper: how `watch`'s text output, its messages and `print` on a terminal show
// bytes that could act on a terminal or disguise text. (Piped `print` output stays byte-identical
// to praudit; XML and JSON have their own escaping.)
//
//   printable ASCII              as is, `\` doubled
//   \n \t \r ESC                 `\n` `\t` `\r` `\e`
//   other C0 controls, NUL, DEL  `\xNN`
//   valid UTF-8                  as is, except the scalars below
//   C1 controls U+0080–U+009F, bidi marks, embeddings, overrides and isolates (U+061C, U+200E,
//   U+200F, U+202A–U+202E, U+2066–U+2069), line/paragraph separators U+2028/U+2029
//                                `\xNN` per byte (`\xe2\x80\xae` for U+202E)
//   bytes that are not valid UTF-8   `\xNN` per byte

/// Length of the valid UTF-8 scalar starting at `s[i]` (`i < n`), or 0 when the bytes there are not
/// valid UTF-8 (stray continuation byte, overlong form, surrogate, above U+10FFFF, cut short).
/// An ASCII byte is a scalar of length 1.
@inlinable @inline(__always)
public func utf8ScalarLength(_ s: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
    let b0 = s[i]
    if b0 < 0x80 { return 1 }
    @inline(__always) func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
        k < n && s[k] >= lo && s[k] <= hi
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

/// Is the valid 2- or 3-byte scalar at `s[i]` one a terminal acts on or that reorders or splits
/// text: a C1 control, a bidi mark/embedding/override/isolate, or a line/paragraph separator?
@inlinable @inline(__always)
public func isTerminalUnsafeScalar(_ s: UnsafePointer<UInt8>, _ i: Int, length: Int) -> Bool {
    let b0 = s[i], b1 = s[i + 1]
    if length == 2 {
        return (b0 == 0xC2 && b1 <= 0x9F)              // U+0080–U+009F
            || (b0 == 0xD8 && b1 == 0x9C)              // U+061C ARABIC LETTER MARK
    }
    guard length == 3, b0 == 0xE2 else { return false }
    let b2 = s[i + 2]
    if b1 == 0x80 {
        return b2 == 0x8E || b2 == 0x8F                // U+200E, U+200F
            || (b2 >= 0xA8 && b2 <= 0xAE)              // U+2028–U+202E
    }
    return b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9      // U+2066–U+2069
}

/// Lowercase hex digit of `n` (0…15).
@inlinable @inline(__always)
public func hexDigit(_ n: UInt8) -> UInt8 { n < 10 ? n &+ 48 : n &+ 87 }

extension OutputBuffer {
    /// Appends `p` escaped for a terminal (see the table at the top of this file).
    public func appendTerminalEscaped(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        guard n > 0 else { return }
        let s = p.baseAddress!.assumingMemoryBound(to: UInt8.self)
        reserve(4 * n)  // worst case: every byte becomes `\xNN`
        var q = base + used
        @inline(__always) func hex(_ b: UInt8) {
            q[0] = 0x5C; q[1] = 0x78; q[2] = hexDigit(b >> 4); q[3] = hexDigit(b & 15)
            q += 4
        }
        var i = 0
        while i < n {
            let b = s[i]
            if b >= 0x20 && b < 0x7F {
                if b == 0x5C { q[0] = 0x5C; q += 1 }
                q[0] = b; q += 1
                i += 1
            } else if b < 0x80 {
                let c: UInt8
                switch b {
                case 0x0A: c = UInt8(ascii: "n")
                case 0x09: c = UInt8(ascii: "t")
                case 0x0D: c = UInt8(ascii: "r")
                case 0x1B: c = UInt8(ascii: "e")
                default: c = 0
                }
                if c != 0 { q[0] = 0x5C; q[1] = c; q += 2 } else { hex(b) }
                i += 1
            } else {
                let len = utf8ScalarLength(s, i, n)
                if len > 0 && !isTerminalUnsafeScalar(s, i, length: len) {
                    for k in 0..<len { q[k] = s[i + k] }
                    q += len
                    i += len
                } else {
                    let end = i + max(len, 1)
                    while i < end { hex(s[i]); i += 1 }
                }
            }
        }
        used = q - base
    }

    /// One byte escaped for a terminal (a `data` token's characters): a byte ≥ 0x80 on its own is
    /// never valid UTF-8, so it is `\xNN`.
    public func appendTerminalEscaped(byte b: UInt8) {
        withUnsafeBytes(of: b) { appendTerminalEscaped($0) }
    }
}
