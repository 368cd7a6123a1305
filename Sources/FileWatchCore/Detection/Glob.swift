// Byte-level glob matching for watch-rule paths and process names. No libc (no fnmatch): paths are
// byte strings, matched exactly as the kernel reports them.
//
// Syntax:
//   *        any run of bytes inside one path component (never a '/')
//   ?        one byte other than '/'
//   [abc] [a-z] [!a-z] [^a-z]   one byte (not '/') from / not from the set; a ']' first is literal
//   **/      (at a component start) zero or more whole directories: `/home/**/id_rsa` matches
//            `/home/id_rsa` and `/home/u/.ssh/id_rsa`
//   /**      (at the end) everything beneath the directory
//   **       elsewhere: any run of bytes including '/'
//   \x       the byte x literally
//   dir/     a trailing '/' names a subtree: the directory itself and everything beneath it
// A pattern without any '/' matches the last path component (the file name) wherever it is:
// `*.pem` matches `/etc/ssl/private/key.pem`.

/// A compiled glob pattern.
public struct Glob: Hashable, Sendable, CustomStringConvertible {
    enum Token: Hashable, Sendable {
        case literal(UInt8)
        /// `?`
        case anyByte
        /// `*`: any run of non-'/' bytes.
        case star
        /// `**` not forming a component: any run of bytes.
        case globstar
        /// `**/` at a component start: empty or any run of bytes ending in '/'.
        case globstarDirs
        /// `[...]`: a 256-bit set (four words), and whether it is negated.
        case byteClass(UInt64, UInt64, UInt64, UInt64)
    }

    public let pattern: ByteString
    /// No '/' in the pattern: match the file name only.
    public let matchesBasename: Bool
    /// The compiled form, shared by copies (a rule's globs are copied around per event: one retain, not six).
    let compiled: Compiled

    final class Compiled: Sendable {
        /// The pattern is a plain path (no wildcard): compare bytes directly.
        let literal: [UInt8]?
        /// Trailing '/': match the directory itself and everything beneath.
        let subtree: Bool
        /// Quick rejection: the subject must start with `literalPrefix` and end with `literalSuffix`.
        let literalPrefix: [UInt8]
        let literalSuffix: [UInt8]
        /// The pattern as a bit-parallel automaton (unused for plain paths).
        let automaton: GlobAutomaton
        /// Path components that are plain text at a fixed position (counted from 0, split at '/', before any `**`):
        /// `/home/*/proj/**` has `home` at 1 and `proj` at 3. For the rule index.
        let fixedComponents: [(position: Int, bytes: [UInt8])]
        init(tokens: [Token], literal: [UInt8]?, subtree: Bool, literalPrefix: [UInt8], literalSuffix: [UInt8]) {
            self.literal = literal; self.subtree = subtree
            self.literalPrefix = literalPrefix; self.literalSuffix = literalSuffix
            automaton = literal == nil ? GlobAutomaton(tokens) : GlobAutomaton.none
            var fixed: [(Int, [UInt8])] = []
            var position = 0, current: [UInt8] = [], plain = true
            scan: for t in tokens {
                switch t {
                case .literal(UInt8(ascii: "/")):
                    if plain, !current.isEmpty { fixed.append((position, current)) }
                    position += 1; current = []; plain = true
                case .literal(let b): current.append(b)
                case .globstar, .globstarDirs: plain = false; break scan
                default: plain = false
                }
            }
            if plain, !current.isEmpty { fixed.append((position, current)) }
            fixedComponents = fixed
        }
    }

    public static func == (a: Glob, b: Glob) -> Bool { a.pattern == b.pattern }
    public func hash(into h: inout Hasher) { h.combine(pattern) }

    public var description: String { pattern.description }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case unterminatedClass(offset: Int)
        case trailingBackslash
        public var description: String {
            switch self {
            case .empty: return "empty pattern"
            case .unterminatedClass(let offset): return "unterminated '[' at byte \(offset)"
            case .trailingBackslash: return "pattern ends with a lone '\\'"
            }
        }
    }

    public init(_ text: String) throws(Problem) { try self.init(bytes: Array(text.utf8)) }

    public init(bytes input: [UInt8]) throws(Problem) {
        guard !input.isEmpty else { throw .empty }
        pattern = ByteString(input)
        var bytes = input
        var isSubtree = false
        if bytes.count > 1, bytes.last == UInt8(ascii: "/") {
            isSubtree = true
            while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        }
        // "/" (the root subtree) is every absolute path.
        if bytes == [UInt8(ascii: "/")] { bytes = Array("/**".utf8) }
        matchesBasename = !input.contains(UInt8(ascii: "/"))
        var out: [Token] = []
        var hasWildcard = false
        var i = 0
        let slash = UInt8(ascii: "/")
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\\"):
                guard i + 1 < bytes.count else { throw .trailingBackslash }
                out.append(.literal(bytes[i + 1])); i += 2
            case UInt8(ascii: "?"):
                hasWildcard = true; out.append(.anyByte); i += 1
            case UInt8(ascii: "*"):
                hasWildcard = true
                var j = i
                while j < bytes.count, bytes[j] == UInt8(ascii: "*") { j += 1 }
                if j - i >= 2 {
                    let atComponentStart = i == 0 || bytes[i - 1] == slash
                    if atComponentStart, j < bytes.count, bytes[j] == slash {
                        out.append(.globstarDirs); j += 1
                    } else {
                        out.append(.globstar)
                    }
                } else {
                    out.append(.star)
                }
                i = j
            case UInt8(ascii: "["):
                hasWildcard = true
                var j = i + 1
                var negate = false
                if j < bytes.count, bytes[j] == UInt8(ascii: "!") || bytes[j] == UInt8(ascii: "^") { negate = true; j += 1 }
                var set: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
                func add(_ b: UInt8) {
                    let bit = UInt64(1) << UInt64(b & 63)
                    switch b >> 6 { case 0: set.0 |= bit; case 1: set.1 |= bit; case 2: set.2 |= bit; default: set.3 |= bit }
                }
                var first = true
                var closed = false
                while j < bytes.count {
                    var lo = bytes[j]
                    if lo == UInt8(ascii: "]") && !first { closed = true; j += 1; break }
                    first = false
                    if lo == UInt8(ascii: "\\"), j + 1 < bytes.count { j += 1; lo = bytes[j] }
                    if j + 2 < bytes.count, bytes[j + 1] == UInt8(ascii: "-"), bytes[j + 2] != UInt8(ascii: "]") {
                        var hi = bytes[j + 2]
                        var next = j + 3
                        if hi == UInt8(ascii: "\\"), j + 3 < bytes.count { hi = bytes[j + 3]; next = j + 4 }
                        if lo <= hi { for b in lo...hi { add(b) } }
                        j = next
                    } else {
                        add(lo); j += 1
                    }
                }
                guard closed else { throw .unterminatedClass(offset: i) }
                if negate { set = (~set.0, ~set.1, ~set.2, ~set.3) }
                // A class never matches '/', negated or not.
                set.0 &= ~(UInt64(1) << UInt64(slash))
                out.append(.byteClass(set.0, set.1, set.2, set.3))
                i = j
            default:
                out.append(.literal(c)); i += 1
            }
        }
        // `**/**/` is the same as `**/`.
        var collapsed: [Token] = []
        for t in out {
            if t == .globstarDirs, collapsed.last == .globstarDirs { continue }
            collapsed.append(t)
        }
        // Quick rejection: the literal bytes before the first wildcard must start the subject, and (without a
        // subtree) the literal bytes after the last wildcard must end it.
        var prefix: [UInt8] = []
        for t in collapsed { if case .literal(let b) = t { prefix.append(b) } else { break } }
        var suffix: [UInt8] = []
        if !isSubtree {
            for t in collapsed.reversed() { if case .literal(let b) = t { suffix.append(b) } else { break } }
            suffix.reverse()
        }
        compiled = Compiled(
            tokens: collapsed,
            literal: hasWildcard ? nil : out.map { if case .literal(let b) = $0 { return b } else { return 0 } },
            subtree: isSubtree, literalPrefix: prefix, literalSuffix: suffix)
    }

    /// Whether `path` matches. Linear in the length of `path` times the pattern's length / 64 (a bit-parallel
    /// automaton, see GlobAutomaton.swift): no pattern and no path can make it backtrack.
    public func matches(_ path: ByteString) -> Bool { matches(path.bytes) }

    public func matches(_ path: [UInt8]) -> Bool {
        let c = compiled
        let literalPrefix = c.literalPrefix, literalSuffix = c.literalSuffix, subtree = c.subtree
        return path.withUnsafeBufferPointer { whole in
            var subject = whole
            if matchesBasename, let lastSlash = whole.lastIndex(of: UInt8(ascii: "/")) {
                subject = UnsafeBufferPointer(rebasing: whole[(lastSlash + 1)...])
            }
            // Cheap rejections first (most paths share nothing with a rule's pattern).
            if subject.count < literalPrefix.count || subject.count < literalSuffix.count { return false }
            if !literalPrefix.isEmpty {
                let ok = literalPrefix.withUnsafeBufferPointer { p in
                    memoryEqual(p, UnsafeBufferPointer(rebasing: subject[..<p.count]))
                }
                if !ok { return false }
            }
            if !literalSuffix.isEmpty {
                let ok = literalSuffix.withUnsafeBufferPointer { p in
                    memoryEqual(p, UnsafeBufferPointer(rebasing: subject[(subject.count - p.count)...]))
                }
                if !ok { return false }
            }
            if let literal = c.literal {
                // A plain path: the subject itself, or (subtree) anything beneath it.
                guard subject.count >= literal.count else { return false }
                let same = literal.withUnsafeBufferPointer { memoryEqual($0, UnsafeBufferPointer(rebasing: subject[..<literal.count])) }
                guard same else { return false }
                return subject.count == literal.count || (subtree && subject[literal.count] == UInt8(ascii: "/"))
            }
            return c.automaton.matches(subject, subtree: subtree)
        }
    }
}

/// `memoryEqual` (JSONObjectCache.swift) for byte buffers.
@inline(__always)
private func memoryEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    memoryEqual(UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b))
}
