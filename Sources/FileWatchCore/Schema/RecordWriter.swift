// Writing one JSON object member by member into an OutputBuffer, for the standard schemas (ECS,
// OCSF): commas and nesting are tracked, and byte strings that are not valid UTF-8 are written
// lossy in place (each invalid byte as U+FFFD) while their exact bytes are collected under the
// field's dotted name, for the record's own `base64` object (`filewatcher.base64` in ECS,
// `unmapped.base64` in OCSF). Nothing is lost and the record stays valid JSON.

/// The exact bytes of a field written lossy.
struct ExactBytes {
    /// The field's dotted name, e.g. `file.path` or `actor.process.cmd_line`.
    var field: String
    /// One string, or the elements of an array of strings (arguments).
    var values: [[UInt8]]
    var isArray: Bool
}

struct RecordWriter {
    let out: OutputBuffer
    private var needsComma = false
    /// The names of the open objects (for dotted names; only turned into a String when needed).
    private var path = OpenNames()
    private(set) var exact: [ExactBytes] = []

    init(_ out: OutputBuffer) { self.out = out }

    mutating func beginRecord() {
        out.append(UInt8(ascii: "{"))
        needsComma = false
        path = OpenNames()
        exact.removeAll(keepingCapacity: true)
    }

    mutating func endRecord() { out.append(UInt8(ascii: "}")) }

    @inline(__always)
    mutating func key(_ k: StaticString) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        out.append(k)
        out.append("\":")
        needsComma = true
    }

    mutating func open(_ k: StaticString) {
        key(k)
        out.append(UInt8(ascii: "{"))
        needsComma = false
        path.push(k)
    }

    mutating func close() {
        out.append(UInt8(ascii: "}"))
        needsComma = true
        path.pop()
    }

    /// A string known to need no escaping (names of our own vocabulary).
    mutating func literal(_ k: StaticString, _ v: StaticString) {
        key(k)
        out.append(UInt8(ascii: "\""))
        out.append(v)
        out.append(UInt8(ascii: "\""))
    }

    mutating func string(_ k: StaticString, _ v: String) {
        key(k)
        out.appendJSONString(v)
    }

    mutating func number(_ k: StaticString, _ v: Int64) {
        key(k)
        out.appendDecimal(v)
    }

    mutating func unsigned(_ k: StaticString, _ v: UInt64) {
        key(k)
        out.appendDecimal(v)
    }

    mutating func bool(_ k: StaticString, _ v: Bool) {
        key(k)
        out.append(v ? "true" : "false")
    }

    /// A decimal number written as a JSON string (ECS keeps ids as keywords: `user.id: "1000"`).
    mutating func numberString(_ k: StaticString, _ v: Int64) {
        key(k)
        out.append(UInt8(ascii: "\""))
        out.appendDecimal(v)
        out.append(UInt8(ascii: "\""))
    }

    /// A byte string: lossy in place when not UTF-8, the exact bytes kept for the `base64` object.
    mutating func bytes(_ k: StaticString, _ v: [UInt8]) {
        key(k)
        if out.appendJSONString(v) { exact.append(ExactBytes(field: dotted(k), values: [v], isArray: false)) }
    }

    /// Part of a byte string (a path's name or directory), written without copying it out.
    mutating func bytes(_ k: StaticString, _ v: ArraySlice<UInt8>) {
        key(k)
        if v.withUnsafeBufferPointer({ out.appendJSONString($0) }) {
            exact.append(ExactBytes(field: dotted(k), values: [Array(v)], isArray: false))
        }
    }

    /// A value already written as JSON (a string escaped once, ahead of time).
    mutating func json(_ k: StaticString, _ v: [UInt8]) {
        key(k)
        out.append(contentsOf: v)
    }

    /// Whole members already written as JSON (`"a":…,"b":…`), in the open object.
    mutating func members(_ v: [UInt8]) {
        guard !v.isEmpty else { return }
        if needsComma { out.append(UInt8(ascii: ",")) }
        out.append(contentsOf: v)
        needsComma = true
    }

    /// Several byte strings joined by one space (OCSF `cmd_line`).
    mutating func joined(_ k: StaticString, _ parts: [ByteString]) {
        var all: [UInt8] = []
        for (i, p) in parts.enumerated() {
            if i > 0 { all.append(0x20) }
            all.append(contentsOf: p.bytes)
        }
        bytes(k, all)
    }

    /// An array of byte strings (arguments).
    mutating func bytesArray(_ k: StaticString, _ v: [ByteString]) {
        key(k)
        out.append(UInt8(ascii: "["))
        var lossy = false
        for (i, s) in v.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            if out.appendJSONString(s.bytes) { lossy = true }
        }
        out.append(UInt8(ascii: "]"))
        if lossy { exact.append(ExactBytes(field: dotted(k), values: v.map(\.bytes), isArray: true)) }
    }

    /// An array of one vocabulary string.
    mutating func literals(_ k: StaticString, _ v: StaticString) {
        key(k)
        out.append("[\"")
        out.append(v)
        out.append("\"]")
    }

    /// An array of vocabulary strings.
    mutating func literals(_ k: StaticString, _ v: [StaticString]) {
        key(k)
        out.append(UInt8(ascii: "["))
        for (i, s) in v.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(s)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A value written by `body` (a whole JSON value).
    mutating func value(_ k: StaticString, _ body: (OutputBuffer) -> Void) {
        key(k)
        body(out)
    }

    /// Takes over the exact bytes another writer collected (a nested record), their names prefixed.
    mutating func adopt(_ other: [ExactBytes], prefix: String) {
        exact += other.map { ExactBytes(field: prefix + $0.field, values: $0.values, isArray: $0.isArray) }
    }

    /// The `base64` member holding the exact bytes of the fields written lossy (nothing when none).
    mutating func exactBytesMember() {
        guard !exact.isEmpty else { return }
        let fields = exact
        open("base64")
        for f in fields {
            if needsComma { out.append(UInt8(ascii: ",")) }
            out.appendJSONString(f.field)
            out.append(UInt8(ascii: ":"))
            if f.isArray {
                out.append(UInt8(ascii: "["))
                for (i, v) in f.values.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    out.appendBase64String(v)
                }
                out.append(UInt8(ascii: "]"))
            } else {
                out.appendBase64String(f.values[0])
            }
            needsComma = true
        }
        close()
    }

    private func dotted(_ k: StaticString) -> String {
        (path.names + [k]).map { $0.description }.joined(separator: ".")
    }
}

/// A stack of object names without an allocation per record (measured: a growing array per record
/// was 3 % of ECS). No schema nests deeper than `capacity`; past it only the dotted names of lossy
/// fields would lack the deepest names.
struct OpenNames {
    static let capacity = 8
    private var slots: (StaticString, StaticString, StaticString, StaticString,
                        StaticString, StaticString, StaticString, StaticString) = ("", "", "", "", "", "", "", "")
    private(set) var count = 0

    mutating func push(_ k: StaticString) {
        if count < Self.capacity {
            let at = count * MemoryLayout<StaticString>.stride
            withUnsafeMutableBytes(of: &slots) { $0.storeBytes(of: k, toByteOffset: at, as: StaticString.self) }
        }
        count += 1
    }

    mutating func pop() { count -= 1 }

    var names: [StaticString] {
        withUnsafeBytes(of: slots) { p in
            (0..<min(count, Self.capacity)).map { p.load(fromByteOffset: $0 * MemoryLayout<StaticString>.stride, as: StaticString.self) }
        }
    }
}

/// The last component of a path (`/a/b` → `b`; `/` → `/`), and its directory (`/a`; `/` for `/b`;
/// nil without a slash).
func splitPath(_ p: [UInt8]) -> (directory: [UInt8]?, name: [UInt8]) {
    let (dir, name) = splitPathRanges(p)
    return (dir.map { Array(p[$0]) }, Array(p[name]))
}

/// `splitPath` as ranges of `p` (the `/` of a root directory or name is `p`'s own first byte).
func splitPathRanges(_ p: [UInt8]) -> (directory: Range<Int>?, name: Range<Int>) {
    var end = p.count
    while end > 1 && p[end - 1] == UInt8(ascii: "/") { end -= 1 }
    guard let slash = p[..<end].lastIndex(of: UInt8(ascii: "/")) else { return (nil, 0..<end) }
    if end == 1 { return (nil, 0..<1) }
    return (slash == 0 ? 0..<1 : 0..<slash, (slash + 1)..<end)
}
