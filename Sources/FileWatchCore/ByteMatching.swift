// Allocation-free byte matching for the filters.
//
// Case folding is ASCII only: bytes 'A'...'Z' compare equal to 'a'...'z'; every other byte (including
// every byte of a multi-byte UTF-8 sequence) must match exactly. Paths are byte strings, and ASCII
// folding is exact, cheap and never misinterprets non-UTF-8 names.

@inline(__always)
func asciiLower(_ b: UInt8) -> UInt8 { (b &- 0x41) < 26 ? b | 0x20 : b }

/// A needle prepared once (lowercased bytes) and matched many times without allocating.
public struct ByteNeedle: Hashable, Sendable {
    public let lowered: [UInt8]

    public init(_ text: String) { lowered = text.utf8.map(asciiLower) }
    public init(bytes: [UInt8]) { lowered = bytes.map(asciiLower) }

    /// True when `haystack` contains the needle, ASCII case-insensitively.
    public func isFound(in haystack: [UInt8]) -> Bool {
        haystack.withUnsafeBytes { isFound(in: $0) }
    }

    /// True when the bytes contain the needle, ASCII case-insensitively.
    public func isFound(in hp: UnsafeRawBufferPointer) -> Bool {
        let n = lowered.count
        if n == 0 { return true }
        let h = hp.count
        if n > h { return false }
        return lowered.withUnsafeBufferPointer { np in
            let first = np[0]
            var i = 0
            let last = h - n
            while i <= last {
                if asciiLower(hp[i]) == first {
                    var j = 1
                    while j < n && asciiLower(hp[i + j]) == np[j] { j += 1 }
                    if j == n { return true }
                }
                i += 1
            }
            return false
        }
    }

    public func isFound(in haystack: ByteString?) -> Bool {
        guard let haystack else { return false }
        return isFound(in: haystack.bytes)
    }
}

/// A directory prefix matched component-wise: `/home/a` matches `/home/a` and `/home/a/x`, not `/home/ab`.
/// Exact bytes (paths are case-sensitive on Linux and FreeBSD).
public struct SubtreePrefix: Hashable, Sendable {
    /// Without trailing slashes; empty for the root directory `/`.
    public let prefix: [UInt8]

    /// `directory` is normalized lexically: repeated slashes, `.` and `..` components and trailing
    /// slashes are removed (`/a//b/./c/../` → `/a/b`); `/` means every absolute path.
    public init(_ directory: String) {
        let absolute = directory.hasPrefix("/")
        var parts: [Substring] = []
        for c in directory.split(separator: "/", omittingEmptySubsequences: true) {
            if c == "." { continue }
            if c == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            if c == "..", absolute { continue }  // /.. is /
            parts.append(c)
        }
        let joined = (absolute ? "/" : "") + parts.joined(separator: "/")
        prefix = joined == "/" ? [] : Array(joined.utf8)
    }

    public func contains(_ path: ByteString?) -> Bool {
        guard let path else { return false }
        let p = path.bytes
        let n = prefix.count
        if n == 0 { return p.first == UInt8(ascii: "/") }
        if p.count < n { return false }
        return p.withUnsafeBufferPointer { pp in
            prefix.withUnsafeBufferPointer { xp in
                for i in 0..<n where pp[i] != xp[i] { return false }
                return p.count == n || pp[n] == UInt8(ascii: "/")
            }
        }
    }
}
