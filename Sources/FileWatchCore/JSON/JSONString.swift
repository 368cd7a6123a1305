// Strings: located by the scanner (quotes, escapes checked), decoded only when asked.
//
// Bytes that are not valid UTF-8. RFC 8259 wants JSON text in UTF-8, but file names on Linux and
// macOS are bytes, and a producer may copy them into a string unchanged. The scanner accepts any
// byte ≥ 0x80 inside a string and decoding returns it unchanged (flagged `.invalidUTF8` when the
// result is not valid UTF-8), so such names round-trip exactly.
//
// Our own JSONSink never writes invalid UTF-8: it writes U+FFFD for each such byte and, beside the
// member, a twin `<name>_base64` holding the exact bytes (e.g. `"path":"a\u{FFFD}"` then
// `"path_base64":"YYA="`; `args` has `args_base64`, an array). A reader of our captures reads the
// text member and, when the twin follows, replaces it with `decodeBase64(_:)` of the twin.
//
// Lone surrogates. `\uD800`–`\uDFFF` escapes that do not form a high+low pair encode no Unicode
// scalar and have no UTF-8 form: each is decoded as U+FFFD and flagged `.loneSurrogate`
// (the caller decides whether that is acceptable; for a file name it means the name is not exact).

import BSM

/// A string located in the scanner's input: its content between the quotes, still escaped.
public struct JSONString: Sendable, Equatable {
    /// The content's byte range in the scanner's `input` (quotes excluded).
    public let range: Range<Int>
    /// The content holds backslash escapes.
    public let hasEscapes: Bool
    /// The content holds raw bytes ≥ 0x80 (UTF-8, or not).
    public let hasNonASCII: Bool
}

/// What decoding a string had to do besides the plain work.
public struct JSONStringDecoding: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The result is not valid UTF-8 (raw bytes passed through unchanged).
    public static let invalidUTF8 = JSONStringDecoding(rawValue: 1 << 0)
    /// A `\u` surrogate without its partner was decoded as U+FFFD.
    public static let loneSurrogate = JSONStringDecoding(rawValue: 1 << 1)
}

extension JSONScanner {
    // MARK: Locating

    /// Scans the string starting at `position` (which holds `"`), checking its escapes; leaves
    /// `position` after the closing quote.
    ///
    /// Eight bytes at a time: a word is passed over when none of its bytes is `"`, `\`, a control
    /// byte (< 0x20) or — until the first one is seen — a byte ≥ 0x80. Each test is the classic
    /// "has a zero byte" trick; its lowest flagged byte is always exact, which is the only one used.
    @inline(__always)
    mutating func scanString() throws(JSONError) -> JSONString {
        let start = position + 1
        var i = start
        let n = count
        var escapes = false
        var high: UInt64 = 0x8080_8080_8080_8080
        while true {
            while i &+ 8 <= n {
                let w = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let m = ByteWords.equalBytes(w, 0x2222_2222_2222_2222) | ByteWords.equalBytes(w, 0x5C5C_5C5C_5C5C_5C5C)
                    | ByteWords.bytesBelow(w, 0x2020_2020_2020_2020) | (w & high)
                if m == 0 { i &+= 8; continue }
                i &+= m.trailingZeroBitCount >> 3
                break
            }
            guard i < n else { throw error(.unexpectedEnd(expected: "'\"' closing the string"), at: i) }
            let b = input[i]
            if b == UInt8(ascii: "\"") {
                position = i + 1
                return JSONString(range: start..<i, hasEscapes: escapes, hasNonASCII: high == 0)
            }
            if b == UInt8(ascii: "\\") {
                escapes = true
                // `\/`, `\"` and `\\` here (eslogger escapes every `/` of a path: measured, the
                // call per escape was a third of locating a path); the others, and the end, checked
                // by scanEscape.
                if i &+ 1 < n, input[i &+ 1] == UInt8(ascii: "/") || input[i &+ 1] == UInt8(ascii: "\"")
                    || input[i &+ 1] == UInt8(ascii: "\\") {
                    i &+= 2
                } else {
                    i = try scanEscape(at: i)
                }
            } else if b < 0x20 {
                throw error(.controlCharacterInString(b), at: i)
            } else {
                if b >= 0x80 { high = 0 }
                i += 1
            }
        }
    }

    /// Checks the escape at `i` (a backslash); returns the offset after it.
    private func scanEscape(at i: Int) throws(JSONError) -> Int {
        guard i + 1 < count else { throw error(.unexpectedEnd(expected: "an escape sequence"), at: i + 1) }
        switch input[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return i + 2
        case UInt8(ascii: "u"):
            for k in 2..<6 {
                guard i + k < count else { throw error(.unexpectedEnd(expected: "four hex digits"), at: i + k) }
                guard hexValue(input[i + k]) != nil else { throw error(.invalidEscape, at: i) }
            }
            return i + 6
        default:
            throw error(.invalidEscape, at: i)
        }
    }

    /// Reads the next value as a string (located, not decoded).
    public mutating func readString() throws(JSONError) -> JSONString {
        let b = try nextByte("a string")
        guard b == UInt8(ascii: "\"") else {
            throw error(.typeMismatch(expected: .string, found: try peek()), at: position)
        }
        return try scanString()
    }

    /// Reads the next value as a string and decodes it to bytes.
    public mutating func readStringBytes() throws(JSONError) -> [UInt8] {
        bytes(of: try readString())
    }

    // MARK: Decoding

    /// Appends the decoded bytes of `s` to `out`.
    @discardableResult
    public func decode(_ s: JSONString, into out: inout [UInt8]) -> JSONStringDecoding {
        let first = out.count
        if !s.hasEscapes {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[s.range]))
        } else {
            var flags = JSONStringDecoding()
            out.append(contentsOf: repeatElement(0, count: s.range.count))
            let written = out.withUnsafeMutableBufferPointer { buffer in
                decodeEscaped(s.range, into: UnsafeMutableBufferPointer(rebasing: buffer[first...]), flags: &flags)
            }
            out.removeLast(s.range.count - written)
            if s.hasNonASCII && !isValidUTF8(out, from: first) { flags.insert(.invalidUTF8) }
            return flags
        }
        return s.hasNonASCII && !isValidUTF8(out, from: first) ? .invalidUTF8 : []
    }

    /// Decodes escapes in one pass, writing through a pointer (measured: eslogger paths escape
    /// every `/`, and appending run by run cost about 1,500 instructions a path). The decoded
    /// form is never longer than the escaped text (`\uXXXX` is 6 bytes for at most 3, a
    /// surrogate pair 12 for 4, every other escape 2 for 1), so `range.count` bytes are room enough.
    /// Returns the number of bytes written to `q`.
    private func decodeEscaped(_ range: Range<Int>, into q: UnsafeMutableBufferPointer<UInt8>,
                               flags: inout JSONStringDecoding) -> Int {
        let end = range.upperBound
        do {
            var o = 0
            var i = range.lowerBound
            @inline(__always) func put(_ b: UInt8) { q[o] = b; o &+= 1 }
            while i < end {
                let b = input[i]
                if b != UInt8(ascii: "\\") { put(b); i &+= 1; continue }
                // The scanner checked every escape: i + 1 (and for \u, i + 5) lie inside the range.
                let e = input[i + 1]
                i &+= 2
                switch e {
                case UInt8(ascii: "b"): put(0x08)
                case UInt8(ascii: "f"): put(0x0C)
                case UInt8(ascii: "n"): put(0x0A)
                case UInt8(ascii: "r"): put(0x0D)
                case UInt8(ascii: "t"): put(0x09)
                case UInt8(ascii: "u"):
                    var scalar = hex4(at: i)
                    i &+= 4
                    if scalar >= 0xD800 && scalar <= 0xDBFF {
                        if i + 6 <= end && input[i] == UInt8(ascii: "\\") && input[i + 1] == UInt8(ascii: "u") {
                            let low = hex4(at: i + 2)
                            if low >= 0xDC00 && low <= 0xDFFF {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                                i &+= 6
                            } else {
                                scalar = 0xFFFD; flags.insert(.loneSurrogate)
                            }
                        } else {
                            scalar = 0xFFFD; flags.insert(.loneSurrogate)
                        }
                    } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                        scalar = 0xFFFD; flags.insert(.loneSurrogate)
                    }
                    writeUTF8(scalar, to: q, at: &o)
                default: put(e)  // \" \\ \/
                }
            }
            return o
        }
    }

    /// The decoded bytes of `s`.
    public func bytes(of s: JSONString) -> [UInt8] {
        if !s.hasEscapes { return Array(UnsafeRawBufferPointer(rebasing: input[s.range])) }
        var flags = JSONStringDecoding()
        return [UInt8](unsafeUninitializedCapacity: s.range.count) { buffer, n in
            n = decodeEscaped(s.range, into: buffer, flags: &flags)
        }
    }

    /// The decoded bytes of `s` as a ByteString (for event fields).
    public func byteString(of s: JSONString) -> ByteString {
        ByteString(bytes(of: s))
    }

    /// `s` as text; bytes that are not UTF-8 become U+FFFD.
    public func string(of s: JSONString) -> String {
        if !s.hasEscapes { return String(decoding: UnsafeRawBufferPointer(rebasing: input[s.range]), as: UTF8.self) }
        return String(decoding: bytes(of: s), as: UTF8.self)
    }

    /// Whether `s` decodes to exactly `literal` (no allocation unless `s` has escapes).
    @inline(__always)
    public func equals(_ s: JSONString, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        if !s.hasEscapes {
            guard s.range.count == n else { return false }
            let p = literal.utf8Start
            var k = 0
            let base = s.range.lowerBound
            while k < n {
                if input[base + k] != p[k] { return false }
                k += 1
            }
            return true
        }
        let decoded = bytes(of: s)
        return decoded.count == n && decoded.withUnsafeBufferPointer { d in
            (0..<n).allSatisfy { d[$0] == literal.utf8Start[$0] }
        }
    }

    /// The bytes of a base64 string (RFC 4648 standard alphabet, padding optional), as our
    /// JSONSink's `_base64` twins hold them.
    public func decodeBase64(_ s: JSONString) throws(JSONError) -> [UInt8] {
        let text = bytes(of: s)
        guard let decoded = Base64.decode(text) else { throw error(.invalidBase64, at: s.range.lowerBound) }
        return decoded
    }

    // MARK: Helpers

    @inline(__always) private func hex4(at i: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | UInt32(hexValue(input[i + k]) ?? 0) }
        return v
    }

    private func isValidUTF8(_ bytes: [UInt8], from first: Int) -> Bool {
        bytes.withUnsafeBufferPointer { all in
            let p = UnsafeBufferPointer(rebasing: all[first...])
            var i = 0
            while i < p.count {
                let len = utf8ScalarLength(p.baseAddress!, i, p.count)
                if len == 0 { return false }
                i += len
            }
            return true
        }
    }
}

@inline(__always) func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - 0x30
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - 0x57
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - 0x37
    default: return nil
    }
}

/// Writes the UTF-8 form of a Unicode scalar value (not a surrogate; ≤ U+10FFFF) at `q[o]`
/// onwards (room for 4 bytes), advancing `o`.
@inline(__always) func writeUTF8(_ v: UInt32, to q: UnsafeMutableBufferPointer<UInt8>, at o: inout Int) {
    switch v {
    case 0..<0x80:
        q[o] = UInt8(v); o &+= 1
    case 0x80..<0x800:
        q[o] = 0xC0 | UInt8(v >> 6); q[o + 1] = 0x80 | UInt8(v & 0x3F); o &+= 2
    case 0x800..<0x10000:
        q[o] = 0xE0 | UInt8(v >> 12); q[o + 1] = 0x80 | UInt8(v >> 6 & 0x3F); q[o + 2] = 0x80 | UInt8(v & 0x3F); o &+= 3
    default:
        q[o] = 0xF0 | UInt8(v >> 18); q[o + 1] = 0x80 | UInt8(v >> 12 & 0x3F)
        q[o + 2] = 0x80 | UInt8(v >> 6 & 0x3F); q[o + 3] = 0x80 | UInt8(v & 0x3F); o &+= 4
    }
}

/// RFC 4648 base64 (standard alphabet), the inverse of `OutputBuffer.appendBase64`.
public enum Base64 {
    /// The bytes, or nil when `text` is not base64 (wrong character, bad length, bits after the
    /// end). Padding is optional.
    public static func decode(_ text: [UInt8]) -> [UInt8]? {
        var n = text.count
        while n > 0 && text[n - 1] == UInt8(ascii: "=") { n -= 1 }
        if text.count - n > 2 || n % 4 == 1 { return nil }
        if text.count != n && text.count % 4 != 0 { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(n * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for k in 0..<n {
            guard let v = value(text[k]) else { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        // Left-over bits must be zero (canonical encoding).
        if bits > 0 && acc & ((1 << UInt32(bits)) - 1) != 0 { return nil }
        return out
    }

    @inline(__always) private static func value(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return b - 65
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return b - 71
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b + 4
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
