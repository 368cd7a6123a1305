import BSM

// Process facts BSM has no token for, carried in a trail as `text` tokens:
//   "filewatcher exe=<executable>"   the executable's path
//   "filewatcher name=<name>"        the command name, when it is not the executable's basename
//   "filewatcher ppid=<decimal>"     the parent pid
// BSMSink writes them on every record (so filtered output still names its processes) and
// BSMEventMapper reads them back; this type is the one place that knows the format.

/// The process facts of one BSM record.
public struct ProcessFacts: Equatable, Sendable {
    public var executable: ByteString?
    public var name: ByteString?
    public var parent: Int32?

    public init(executable: ByteString? = nil, name: ByteString? = nil, parent: Int32? = nil) {
        self.executable = executable; self.name = name; self.parent = parent
    }

    /// The facts worth writing for `process`: its executable, its name unless that is the
    /// executable's basename, its parent.
    public init(of process: ProcessSubject) {
        executable = process.executable
        if !process.name.isEmpty && (process.executable.map { !Self.isBasename(process.name.bytes, of: $0.bytes) } ?? true) {
            name = process.name
        }
        parent = process.ppid
    }

    public var isEmpty: Bool { executable == nil && name == nil && parent == nil }

    // MARK: Writing

    /// The text tokens' strings (each NUL-terminated, NULs inside a value dropped), in the order
    /// exe, name, ppid.
    public var texts: [BSMBytes] {
        var out: [BSMBytes] = []
        if let executable { out.append(Self.terminated(executable.bytes, prefix: Self.exePrefix)) }
        if let name { out.append(Self.terminated(name.bytes, prefix: Self.namePrefix)) }
        if let parent { out.append(Self.terminated(Array(String(parent).utf8), prefix: Self.ppidPrefix)) }
        return out
    }

    // MARK: Reading

    /// Whether a text token's bytes (trailing NULs removed) are one of these facts.
    @inline(__always)
    public static func isFact(_ text: BSMBytes) -> Bool { text.starts(with: prefix) }

    /// Takes in one text token (trailing NULs removed). Returns false when it is not a fact.
    @discardableResult
    public mutating func read(_ text: BSMBytes) -> Bool {
        guard Self.isFact(text) else { return false }
        let rest = text.dropFirst(Self.prefix.count)
        if rest.starts(with: "exe=".utf8) {
            executable = ByteString(Array(rest.dropFirst(4)))
        } else if rest.starts(with: "name=".utf8) {
            name = ByteString(Array(rest.dropFirst(5)))
        } else if rest.starts(with: "ppid=".utf8) {
            parent = Int32(String(decoding: rest.dropFirst(5), as: UTF8.self))
        } else {
            return false
        }
        return true
    }

    /// Applies the facts read to `process`: the executable (and its basename as the name), the
    /// name, the parent.
    public func apply(to process: inout ProcessSubject) {
        if let executable {
            process.executable = executable
            process.name = ByteString(basename(executable.bytes))
        }
        if let name { process.name = name }
        if let parent { process.ppid = parent }
    }

    // MARK: Format

    static let prefix = Array("filewatcher ".utf8)
    static let exePrefix = Array("filewatcher exe=".utf8)
    static let namePrefix = Array("filewatcher name=".utf8)
    static let ppidPrefix = Array("filewatcher ppid=".utf8)

    /// `prefix` + `value` without NUL bytes + the terminating NUL, in one allocation.
    static func terminated(_ value: [UInt8], prefix: [UInt8]) -> BSMBytes {
        var a: [UInt8] = []
        a.reserveCapacity(prefix.count + value.count + 1)
        a.append(contentsOf: prefix)
        for b in value where b != 0 { a.append(b) }
        a.append(0)
        return BSMBytes(a)
    }

    /// Whether `name` is the last path component of `path` (without allocating).
    static func isBasename(_ name: [UInt8], of path: [UInt8]) -> Bool {
        guard name.count <= path.count else { return false }
        let start = path.count - name.count
        if start > 0 && path[start - 1] != UInt8(ascii: "/") { return false }
        if path[start...].contains(UInt8(ascii: "/")) { return false }
        return path[start...].elementsEqual(name)
    }
}
