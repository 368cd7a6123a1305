// String output for the printer: praudit's plain form (NUL bytes dropped, everything else raw),
// praudit's XML escaping for exec arguments (entities + vis(3) C-style), our XML escaping that
// keeps every document well-formed; on a terminal, the one terminal escaper (TerminalEscape.swift).

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

    /// One byte in vis(3) `VIS_CSTYLE` form, as praudit's XML string printer does (white space
    /// not encoded): graphic bytes, space, tab and newline as they are (`\` doubled), the rest
    /// escaped.
    ///
    /// `xml`: the result is XML-escaped as well (escaping after every other escaping): `\M-<`,
    /// `\M-&`, `\M-"` … carry an ASCII byte of their own that would otherwise open an element or
    /// an entity, or end an attribute.
    @inline(__always)
    func appendVis(_ c: UInt8, xml: Bool = false) {
        if (c > 0x20 && c < 0x7f) {
            append(c)
            if c == 0x5c { append(0x5c) }
            return
        }
        if c == 0x20 || c == 0x09 || c == 0x0a { append(c); return }
        switch c {
        case 0x0d: append("\\r"); return
        case 0x08: append("\\b"); return
        case 0x07: append("\\a"); return
        case 0x0b: append("\\v"); return
        case 0x0c: append("\\f"); return
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
            if xml { appendXMLEscaped(x) } else { append(x) }
        }
    }

    /// One printable ASCII byte, as an entity where XML needs one (in elements and attributes).
    @inline(__always)
    func appendXMLEscaped(_ c: UInt8) {
        switch c {
        case UInt8(ascii: "&"): append("&amp;")
        case UInt8(ascii: "<"): append("&lt;")
        case UInt8(ascii: ">"): append("&gt;")
        case UInt8(ascii: "\""): append("&quot;")
        case UInt8(ascii: "'"): append("&apos;")
        default: append(c)
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
            default: appendVis(c, xml: true)
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
            } else if c >= 0x80, case let len = xmlUTF8SequenceLength(s, i, n), len > 0 {
                append(UnsafeRawBufferPointer(start: s + i, count: len)); i += len
            } else {
                appendVis(c, xml: true); i += 1
            }
        }
    }

    /// A string token's bytes for a terminal: the one terminal escaper (TerminalEscape.swift),
    /// without the string's terminating NUL. A NUL inside the string is shown (`\x00`) where piped
    /// output drops it as praudit does: on a terminal `/etc/pass\0wd` must not pass for `/etc/passwd`.
    @inline(__always)
    public func appendTerminalString(_ p: UnsafeRawBufferPointer) {
        if let last = p.last, last == 0 {
            appendTerminalEscaped(UnsafeRawBufferPointer(rebasing: p.dropLast()))
        } else {
            appendTerminalEscaped(p)
        }
    }
}

/// Length of the valid UTF-8 sequence at `s[i]` (a byte >= 0x80) that XML 1.0 allows, or 0:
/// invalid UTF-8, U+FFFE and U+FFFF count as 0.
@inline(__always)
func xmlUTF8SequenceLength(_ s: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
    let len = utf8ScalarLength(s, i, n)
    if len == 3 && s[i] == 0xef && s[i + 1] == 0xbf && s[i + 2] >= 0xbe { return 0 }  // U+FFFE, U+FFFF
    return len
}
