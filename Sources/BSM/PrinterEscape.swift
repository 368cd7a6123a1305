// String output for the printer: praudit's plain form (NUL bytes dropped, everything else raw),
// praudit's XML escaping for exec arguments (entities + vis(3) C-style), our XML escaping that
// keeps every document well-formed, and the terminal-safe form that shows control bytes escaped.

extension OutputBuffer {
    /// praudit's print_string: every byte but NUL, raw.
    @inline(__always)
    public func appendPlain(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        if n == 0 { return }
        let src = p.baseAddress!.assumingMemoryBound(to: UInt8.self)
        // Fast path: no NUL except possibly a single terminating one.
        let body = src[n - 1] == 0 ? n - 1 : n
        reserve(n)
        var i = 0
        let dst = base + count
        var out = 0
        while i < body {
            let b = src[i]
            dst[out] = b
            out &+= b == 0 ? 0 : 1
            i &+= 1
        }
        count &+= out
    }

    /// One byte in vis(3) `VIS_CSTYLE` form (with the given extra white-space flags), as praudit's
    /// XML string printer does: graphic bytes as they are (`\` doubled), the rest escaped.
    @inline(__always)
    func appendVis(_ c: UInt8, encodeWhite: Bool) {
        if (c > 0x20 && c < 0x7f) {
            append(c)
            if c == 0x5c { append(0x5c) }
            return
        }
        if !encodeWhite && (c == 0x20 || c == 0x09 || c == 0x0a) { append(c); return }
        switch c {
        case 0x0a: append("\\n"); return
        case 0x0d: append("\\r"); return
        case 0x08: append("\\b"); return
        case 0x07: append("\\a"); return
        case 0x0b: append("\\v"); return
        case 0x09: append("\\t"); return
        case 0x0c: append("\\f"); return
        case 0x20: append("\\s"); return
        case 0x00: append("\\0"); return
        default: break
        }
        if c == 0xa0 { append("\\240"); return }
        append(0x5c)
        var x = c
        if x & 0x80 != 0 { x &= 0x7f; append(UInt8(ascii: "M")) }
        if x < 0x20 || x == 0x7f {
            append(UInt8(ascii: "^"))
            append(x == 0x7f ? UInt8(ascii: "?") : x &+ 0x40)
        } else {
            append(UInt8(ascii: "-"))
            append(x)
        }
    }

    /// praudit's print_xml_string (exec arguments and environment): stops at the first NUL,
    /// `& < > " '` as entities, everything else through vis(3) C-style (so bytes >= 0x80 become
    /// `\M-x`).
    public func appendXMLVis(_ p: UnsafeRawBufferPointer) {
        for c in p {
            switch c {
            case 0: return
            case UInt8(ascii: "&"): append("&amp;")
            case UInt8(ascii: "<"): append("&lt;")
            case UInt8(ascii: ">"): append("&gt;")
            case UInt8(ascii: "\""): append("&quot;")
            case UInt8(ascii: "'"): append("&apos;")
            default: appendVis(c, encodeWhite: false)
            }
        }
    }

    /// Text for an XML attribute (`attribute`) or element that stays well-formed for any input:
    /// NUL dropped (as praudit does); `&`, `<`, `>` after `]]`, and `"` in attributes as entities;
    /// valid UTF-8 and tab/newline/CR as they are; other control bytes, DEL and bytes that are
    /// not valid UTF-8 in vis(3) C-style. Identical to praudit's raw output whenever that was
    /// well-formed already.
    public func appendXMLSafe(_ p: UnsafeRawBufferPointer, attribute: Bool = true) {
        let n = p.count
        guard n > 0 else { return }
        let s = p.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var i = 0
        while i < n {
            let c = s[i]
            if c >= 0x20 && c < 0x7f {
                switch c {
                case UInt8(ascii: "&"): append("&amp;")
                case UInt8(ascii: "<"): append("&lt;")
                case UInt8(ascii: ">") where i >= 2 && s[i - 1] == 0x5d && s[i - 2] == 0x5d: append("&gt;")
                case UInt8(ascii: "\""): if attribute { append("&quot;") } else { append(c) }
                default: append(c)
                }
                i += 1
            } else if c == 0 {
                i += 1
            } else if c == 0x09 || c == 0x0a || c == 0x0d {
                append(c); i += 1
            } else if c >= 0x80, case let len = utf8SequenceLength(s, i, n, xml: true), len > 0 {
                append(UnsafeRawBufferPointer(start: s + i, count: len)); i += len
            } else {
                appendVis(c, encodeWhite: false); i += 1
            }
        }
    }

    /// Text for a terminal: NUL dropped (as praudit does), control bytes (C0, DEL, C1 encoded as
    /// UTF-8) and bytes that are not valid UTF-8 in vis(3) C-style, valid UTF-8 as it is.
    public func appendTerminalSafe(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        guard n > 0 else { return }
        let s = p.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var i = 0
        while i < n {
            let c = s[i]
            if c >= 0x20 && c < 0x7f {
                append(c); i += 1
            } else if c == 0 {
                i += 1
            } else if c >= 0x80, case let len = utf8SequenceLength(s, i, n, xml: false), len > 0,
                      !(c == 0xc2 && s[i + 1] < 0xa0) {
                append(UnsafeRawBufferPointer(start: s + i, count: len)); i += len
            } else {
                appendVis(c, encodeWhite: true); i += 1
            }
        }
    }

    /// A data-token string byte (`%c`, NUL included) made safe for a terminal.
    func appendTerminalByte(_ c: UInt8) {
        if c >= 0x20 && c < 0x7f { append(c) } else { appendVis(c, encodeWhite: true) }
    }
}

/// Length of the valid UTF-8 sequence starting at `s[i]` (a byte >= 0x80), or 0 if invalid.
/// With `xml`, code points XML 1.0 forbids (U+FFFE, U+FFFF) count as invalid.
@inline(__always)
func utf8SequenceLength(_ s: UnsafePointer<UInt8>, _ i: Int, _ n: Int, xml: Bool) -> Int {
    let c = s[i]
    @inline(__always) func cont(_ k: Int) -> Bool { i + k < n && s[i + k] & 0xc0 == 0x80 }
    if c >= 0xc2 && c <= 0xdf { return cont(1) ? 2 : 0 }
    if c >= 0xe0 && c <= 0xef {
        guard cont(1), cont(2) else { return 0 }
        let c1 = s[i + 1]
        if c == 0xe0 && c1 < 0xa0 { return 0 }          // overlong
        if c == 0xed && c1 >= 0xa0 { return 0 }         // surrogates
        if xml && c == 0xef && c1 == 0xbf && s[i + 2] >= 0xbe { return 0 }  // U+FFFE, U+FFFF
        return 3
    }
    if c >= 0xf0 && c <= 0xf4 {
        guard cont(1), cont(2), cont(3) else { return 0 }
        let c1 = s[i + 1]
        if c == 0xf0 && c1 < 0x90 { return 0 }
        if c == 0xf4 && c1 >= 0x90 { return 0 }
        return 4
    }
    return 0
}
