// The project's one JSON reader: a streaming, bounds-checked cursor over bytes (RFC 8259).
//
// It builds no tree. The caller walks the document in order — `beginObject`/`nextKey`,
// `beginArray`/`nextElement` — reads the values it wants (`readString`, `readInt64`, …) and skips
// the rest with `skipValue`, which checks the skipped value's full grammar without decoding it.
// Every byte access is checked against the input's end; truncation, bad syntax, nesting deeper
// than `JSONLimits.maxDepth` and input over `maxInputBytes` throw a `JSONError` carrying the byte
// offset. Nothing is allocated except what the caller asks to be decoded.
//
// Strings (`JSONString`) are located first and decoded only on request (JSONString.swift): raw
// bytes, including bytes that are not valid UTF-8, pass through unchanged — file names are bytes —
// and escapes, surrogate pairs included, are decoded. See JSONString.swift for lone surrogates
// and for the `_base64` twins our JSONSink writes beside names that are not UTF-8.
//
// Usage:
//
//     try bytes.withUnsafeBytes { raw in
//         var s = JSONScanner(raw)
//         try s.beginObject()
//         while let key = try s.nextKey() {
//             if s.equals(key, "path") { path = s.bytes(of: try s.readString()) }
//             else { try s.skipValue() }
//         }
//         try s.finish()
//     }
//
// The scanner borrows the buffer: it must not outlive it (use it inside `withUnsafeBytes`).

public struct JSONScanner {
    /// The input.
    public let input: UnsafeRawBufferPointer
    /// Added to every offset in errors (e.g. the line's offset in its file).
    public let baseOffset: Int
    public let limits: JSONLimits
    /// Offset of the next unread byte in `input`.
    public internal(set) var position: Int = 0
    /// Current nesting depth (open objects and arrays).
    public internal(set) var depth: Int = 0
    /// True right after `{` or `[`: no member or element has been read in this container yet.
    var atContainerStart = false
    /// False: `skipRestOfObjectQuickly` only walks (the reference its tests compare it with).
    var quickRests = true
    /// Set when the input was larger than the limit: reported by the first read.
    private let oversized: Bool

    public init(_ input: UnsafeRawBufferPointer, baseOffset: Int = 0, limits: JSONLimits = JSONLimits()) {
        self.input = input
        self.baseOffset = baseOffset
        self.limits = limits
        self.oversized = input.count > limits.maxInputBytes
    }

    // MARK: Bytes

    @inline(__always) var count: Int { input.count }

    @inline(__always) func error(_ reason: JSONError.Reason, at offset: Int) -> JSONError {
        JSONError(reason, offset: baseOffset + offset)
    }

    /// Skips JSON whitespace (space, tab, LF, CR).
    @inline(__always) mutating func skipWhitespace() {
        var i = position
        let n = count
        while i < n {
            let b = input[i]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 } else { break }
        }
        position = i
    }

    /// Skips whitespace; the next byte, or an `unexpectedEnd` error naming `expected`.
    @inline(__always) mutating func nextByte(_ expected: @autoclosure () -> String) throws(JSONError) -> UInt8 {
        if oversized { throw error(.tooLarge(limit: limits.maxInputBytes), at: 0) }
        skipWhitespace()
        guard position < count else { throw error(.unexpectedEnd(expected: expected()), at: position) }
        return input[position]
    }

    /// The kind of the next value (after whitespace), without consuming it.
    public mutating func peek() throws(JSONError) -> JSONValueKind {
        let b = try nextByte("a value")
        switch b {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: throw error(.unexpectedByte(b, expected: "a value"), at: position)
        }
    }

    /// Nothing but whitespace may follow; call after the top-level value.
    public mutating func finish() throws(JSONError) {
        if oversized { throw error(.tooLarge(limit: limits.maxInputBytes), at: 0) }
        skipWhitespace()
        if position < count { throw error(.trailingData, at: position) }
    }

    // MARK: Containers

    /// Consumes `{`.
    public mutating func beginObject() throws(JSONError) {
        try open(UInt8(ascii: "{"), .object)
    }

    /// Consumes `[`.
    public mutating func beginArray() throws(JSONError) {
        try open(UInt8(ascii: "["), .array)
    }

    @inline(__always) private mutating func open(_ bracket: UInt8, _ kind: JSONValueKind) throws(JSONError) {
        let b = try nextByte(kind == .object ? "'{'" : "'['")
        guard b == bracket else {
            let found = try peek()  // throws unexpectedByte for a byte that starts no value
            throw error(.typeMismatch(expected: kind, found: found), at: position)
        }
        if depth >= limits.maxDepth { throw error(.tooDeep(limit: limits.maxDepth), at: position) }
        depth += 1
        position += 1
        atContainerStart = true
    }

    /// The next member's name, with its `:` consumed — the caller then reads or skips the value —
    /// or nil at the end of the object (its `}` consumed).
    public mutating func nextKey() throws(JSONError) -> JSONString? {
        // The common shape first: `,"name":` (or `"name":` first in its object), no whitespace,
        // a name of printable ASCII without escapes — what machine-written JSON such as eslogger's
        // holds (measured: its lines have about 40 members, and the general path cost about 170
        // instructions a member). Anything else takes the general path from the same position,
        // which decides it as it always did (same key, same errors).
        if !oversized {
            var i = position
            let n = count
            if !atContainerStart && i < n && input[i] == UInt8(ascii: ",") { i &+= 1 }
            if (i != position || atContainerStart) && i < n && input[i] == UInt8(ascii: "\"") {
                let start = i &+ 1
                let j = plainNameEnd(from: start)
                if j &+ 1 < n && input[j] == UInt8(ascii: "\"") && input[j &+ 1] == UInt8(ascii: ":") {
                    position = j &+ 2
                    atContainerStart = false
                    return JSONString(range: start..<j, hasEscapes: false, hasNonASCII: false)
                }
            }
        }
        return try nextKeyInGeneral()
    }

    /// The first offset from `j` on of a byte that is not printable ASCII or is `"` or `\`
    /// (`count` when there is none): where a plain member name ends. Eight bytes at a time
    /// (scanString's word test; its lowest flagged byte is exact), the rest byte by byte.
    /// Measured: 135 instructions a member name of eslogger's byte by byte, 105 so.
    @inline(__always) func plainNameEnd(from start: Int) -> Int {
        var j = start
        let n = count
        while j &+ 8 <= n {
            let w = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: j, as: UInt64.self))
            let m = ByteWords.equalBytes(w, 0x2222_2222_2222_2222) | ByteWords.equalBytes(w, 0x5C5C_5C5C_5C5C_5C5C)
                | ByteWords.bytesBelow(w, 0x2020_2020_2020_2020) | ByteWords.nonASCII(w)
            if m == 0 { j &+= 8; continue }
            return j &+ m.trailingZeroBitCount >> 3
        }
        while j < n {
            let b = input[j]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b &- 0x20 >= 0x60 { break }
            j &+= 1
        }
        return j
    }

    /// `nextKey` without its short path (internal for the tests that compare the two).
    mutating func nextKeyInGeneral() throws(JSONError) -> JSONString? {
        var b = try nextByte("'\"' or '}'")
        if b == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            atContainerStart = false
            return nil
        }
        if !atContainerStart {
            guard b == UInt8(ascii: ",") else { throw error(.unexpectedByte(b, expected: "',' or '}'"), at: position) }
            position += 1
            b = try nextByte("a member name")
        }
        guard b == UInt8(ascii: "\"") else { throw error(.unexpectedByte(b, expected: "a member name (string)"), at: position) }
        atContainerStart = false
        let key = try scanString()
        let colon = try nextByte("':'")
        guard colon == UInt8(ascii: ":") else { throw error(.unexpectedByte(colon, expected: "':' after a member name"), at: position) }
        position += 1
        return key
    }

    /// True when another element follows (the caller then reads or skips it); false at the end of
    /// the array (its `]` consumed).
    public mutating func nextElement() throws(JSONError) -> Bool {
        let b = try nextByte("a value or ']'")
        if b == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            atContainerStart = false
            return false
        }
        if !atContainerStart {
            guard b == UInt8(ascii: ",") else { throw error(.unexpectedByte(b, expected: "',' or ']'"), at: position) }
            position += 1
            // A value must follow: `[1,]` is refused by the read of that value.
        }
        atContainerStart = false
        return true
    }

    // MARK: Skipping

    /// Skips the next value of any kind, checking its grammar; returns the byte range it spanned
    /// in `input` (its raw text).
    @discardableResult
    public mutating func skipValue() throws(JSONError) -> Range<Int> {
        let kind = try peek()
        let start = position
        switch kind {
        case .object:
            try beginObject()
            while try nextKey() != nil { try skipValue() }
        case .array:
            try beginArray()
            while try nextElement() { try skipValue() }
        case .string:
            _ = try scanString()
        case .number:
            _ = try scanNumber()
        case .bool:
            _ = try readBool()
        case .null:
            try expectLiteral("null")
        }
        return start..<position
    }

    /// Skips the next value checking only its structure: strings end (a backslash escapes the next
    /// byte), bracket nesting (deeper than `maxDepth` throws) and the end of input — not the grammar
    /// of every token inside an object or array (`{"a" 1 2]` passes, as do raw control bytes
    /// inside its strings). For members a lenient
    /// decoder ignores (eslogger's `stat` blocks and tokens): several times faster than
    /// `skipValue`, and no recursion.
    @inline(__always)
    public mutating func skipValueQuickly() throws(JSONError) {
        // An integer followed by `,` `}` or `]` (most skipped members of eslogger's stat blocks and
        // tokens) in a short loop; anything else, whitespace first included, the general way
        // from the same position (measured: a third of the cost of skipping a stat member).
        let i = position
        let n = count
        if !oversized && i < n && input[i] &- 0x30 < 10 {
            var j = i &+ 1
            if input[i] != UInt8(ascii: "0") {
                while j < n && input[j] &- 0x30 < 10 { j &+= 1 }
            }
            if j < n && (input[j] == UInt8(ascii: ",") || input[j] == UInt8(ascii: "}") || input[j] == UInt8(ascii: "]")) {
                position = j
                return
            }
        }
        try skipValueInGeneral()
    }

    private mutating func skipValueInGeneral() throws(JSONError) {
        // Strings and numbers straight to their scanners (measured: the member walk of eslogger's
        // stat blocks spent a third of its time in the detour through `peek` and `skipValue`);
        // anything else through `skipValue`, which reports the same errors.
        switch try nextByte("a value") {
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        case UInt8(ascii: "{"), UInt8(ascii: "["): try skipContainerQuickly()
        default: try skipValue()
        }
    }

    /// `skipValueQuickly` of the object or array at `position` (apart: the scalars' path stays small).
    @inline(never)
    private mutating func skipContainerQuickly() throws(JSONError) {
        var nested = 0
        var i = position
        let n = count
        while i < n {
            // Eight bytes at a time past those that are none of `"` `{` `}` `[` `]` (`| 0x20` folds
            // `[` `]` onto `{` `}`; what else folds there, e.g. 0x02 onto `"`, is looked at below
            // and passed over). As in scanString, only the lowest flagged byte is used (it is exact).
            while i &+ 8 <= n {
                let w = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: i, as: UInt64.self)) | 0x2020_2020_2020_2020
                let m = ByteWords.equalBytes(w, 0x2222_2222_2222_2222) | ByteWords.equalBytes(w, 0x7B7B_7B7B_7B7B_7B7B)
                    | ByteWords.equalBytes(w, 0x7D7D_7D7D_7D7D_7D7D)
                if m == 0 { i &+= 8; continue }
                i &+= m.trailingZeroBitCount >> 3
                break
            }
            guard i < n else { break }
            switch input[i] {
            case UInt8(ascii: "\""):
                // To the closing quote: past `\` and the byte it escapes, eight bytes at a time.
                i += 1
                while true {
                    while i &+ 8 <= n {
                        let w = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                        let m = ByteWords.equalBytes(w, 0x2222_2222_2222_2222) | ByteWords.equalBytes(w, 0x5C5C_5C5C_5C5C_5C5C)
                        if m == 0 { i &+= 8; continue }
                        i &+= m.trailingZeroBitCount >> 3
                        break
                    }
                    guard i < n else { throw error(.unexpectedEnd(expected: "'\"' closing the string"), at: n) }
                    if input[i] == UInt8(ascii: "\"") { i += 1; break }
                    if input[i] == UInt8(ascii: "\\") { i += 2 } else { i += 1 }
                }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                nested += 1
                if depth + nested > limits.maxDepth { throw error(.tooDeep(limit: limits.maxDepth), at: i) }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                nested -= 1
                if nested == 0 {
                    position = i + 1
                    atContainerStart = false
                    return
                }
            default:
                break
            }
            i += 1
        }
        position = n
        throw error(.unexpectedEnd(expected: "the end of the skipped value"), at: n)
    }

    /// Skips the rest of the current object (after a member's value was read), through its `}`:
    /// what `while try nextKey() != nil { try skipValueQuickly() }` does — the same end, the same
    /// errors at the same offsets — with the common member shape, `,"name":` then an integer or
    /// a string, in one tight loop; anything else (whitespace, the end, escapes in a name, other
    /// values) takes that walk from the start of its member. For the members after the one wanted
    /// of a block of many: eslogger's `stat` after `st_mode` (measured on bench/eslogger-gen.py
    /// lines: about 200 instructions a member through the walk, ~60 here).
    @inline(never)
    public mutating func skipRestOfObjectQuickly() throws(JSONError) {
        if quickRests && !oversized && !atContainerStart {
            let n = count
            var i = position
            while i &+ 1 < n && input[i] == UInt8(ascii: ",") && input[i &+ 1] == UInt8(ascii: "\"") {
                // nextKey's short path
                let j = plainNameEnd(from: i &+ 2)
                guard j &+ 2 < n && input[j] == UInt8(ascii: "\"") && input[j &+ 1] == UInt8(ascii: ":") else { break }
                let v = j &+ 2
                let b = input[v]
                if b &- 0x30 < 10 {
                    // skipValueQuickly's short path
                    var k = v &+ 1
                    if b != UInt8(ascii: "0") {
                        while k < n && input[k] &- 0x30 < 10 { k &+= 1 }
                    }
                    guard k < n && (input[k] == UInt8(ascii: ",") || input[k] == UInt8(ascii: "}") || input[k] == UInt8(ascii: "]")) else { break }
                    i = k
                } else if b == UInt8(ascii: "\"") {
                    // skipValueQuickly's way to a string, whose errors it throws
                    position = v
                    _ = try scanString()
                    i = position
                } else {
                    break
                }
            }
            position = i
            if i < n && input[i] == UInt8(ascii: "}") {
                position = i &+ 1
                depth -= 1
                return
            }
        }
        while try nextKey() != nil { try skipValueQuickly() }
    }

    /// Skips the rest of the current object (after any number of `nextKey` calls), through its `}`.
    public mutating func skipRestOfObject() throws(JSONError) {
        while try nextKey() != nil { try skipValue() }
    }

    /// Skips the rest of the current array, through its `]`.
    public mutating func skipRestOfArray() throws(JSONError) {
        while try nextElement() { try skipValue() }
    }

    // MARK: Literals

    /// Reads `true` or `false`.
    public mutating func readBool() throws(JSONError) -> Bool {
        let b = try nextByte("true or false")
        if b == UInt8(ascii: "t") { try expectLiteral("true"); return true }
        if b == UInt8(ascii: "f") { try expectLiteral("false"); return false }
        throw error(.typeMismatch(expected: .bool, found: try peek()), at: position)
    }

    /// Consumes `null` and returns true when the next value is null; otherwise consumes nothing.
    public mutating func consumeNull() throws(JSONError) -> Bool {
        guard try nextByte("a value") == UInt8(ascii: "n") else { return false }
        try expectLiteral("null")
        return true
    }

    private mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        let p = word.utf8Start
        for k in 0..<n {
            let i = position + k
            guard i < count else { throw error(.unexpectedEnd(expected: "'\(word)'"), at: i) }
            guard input[i] == p[k] else {
                throw error(.unexpectedByte(input[i], expected: "'\(word)'"), at: i)
            }
        }
        position += n
    }
}
