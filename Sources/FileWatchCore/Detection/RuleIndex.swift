// The rules' path patterns compiled into an index, so that an event is matched against the few patterns that
// can match its path instead of every rule (issue 18: 10,000 rules cost about as much as 10).
//
// Each pattern is filed under one key its literal bytes give (of those it has, the one fewest patterns share):
//   - directory: the fixed directories before its first wildcard (`/home/*/.ssh/**` under `/home`; a plain path
//     or subtree `/etc/ssh/` under `/etc/ssh` itself). An event path visits the entries of each of its own
//     directory prefixes and of itself: `/home/u/.ssh/id_rsa` looks at ``, `/home`, `/home/u`, … (one hash
//     lookup per component).
//   - component: a plain path component at a fixed position (`/home/*/proj/**`: `proj` third): each component
//     of an event path is looked up with its position.
//   - basename: a plain file name pattern (`id_rsa`): the path's last component.
//   - suffix: the last (up to 8) literal bytes (`*.pem`, `**/secret`): one lookup per distinct key length.
//   - basename prefix: the first (up to 8) literal bytes of a file name pattern (`id_*`).
//   - everything else (`*secret*`): tried for every event.
// Keys are 64-bit FNV-1a hashes of the bytes, checked against the bytes on a hit: no allocation per event.
// The index only proposes; the pattern itself decides.

struct RuleIndex: Sendable {
    /// A pattern: rule number and pattern number within the rule.
    struct Entry: Sendable, Hashable {
        var rule: Int32
        var pattern: Int32
    }

    private struct Bucket: Sendable {
        var key: [UInt8]
        var entries: [Entry]
    }

    private var directories: [UInt64: [Bucket]] = [:]
    /// Key: the component's position (one byte) and its bytes.
    private var components: [UInt64: [Bucket]] = [:]
    private var basenames: [UInt64: [Bucket]] = [:]
    private var suffixes: [UInt64: [Bucket]] = [:]
    private var basenamePrefixes: [UInt64: [Bucket]] = [:]
    /// Suffix / basename-prefix key lengths in use (1…8).
    private var suffixLengths: [Int] = []
    private var prefixLengths: [Int] = []
    private(set) var unindexed: [Entry] = []
    private static let maxKey = 8

    private enum Table: Hashable { case directory, component, basename, suffix, basenamePrefix }
    private struct Key: Hashable { var table: Table; var bytes: [UInt8] }

    /// The keys a pattern can be filed under (any one is enough for it to be proposed whenever it can match).
    private static func keys(of glob: Glob) -> [Key] {
        let literals = glob.literals
        var keys: [Key] = []
        if glob.matchesBasename {
            if let exact = literals.plain { return [Key(table: .basename, bytes: exact)] }
            if !literals.prefix.isEmpty { keys.append(Key(table: .basenamePrefix, bytes: Array(literals.prefix.prefix(maxKey)))) }
        } else {
            if let plain = literals.plain { return [Key(table: .directory, bytes: plain)] }
            if let slash = literals.prefix.lastIndex(of: UInt8(ascii: "/")) {
                keys.append(Key(table: .directory, bytes: Array(literals.prefix[..<slash])))
            }
            for (position, bytes) in glob.compiled.fixedComponents where position < 256 {
                keys.append(Key(table: .component, bytes: [UInt8(position)] + bytes))
            }
        }
        if !literals.suffix.isEmpty { keys.append(Key(table: .suffix, bytes: Array(literals.suffix.suffix(maxKey)))) }
        return keys
    }

    init(_ rules: [WatchRule]) {
        // Each pattern goes under whichever of its keys fewest patterns share (10,000 rules under `/data/` with
        // distinct suffixes are filed by suffix).
        var proposals: [(Entry, [Key])] = []
        var demand: [Key: Int] = [:]
        for (r, rule) in rules.enumerated() {
            for (p, glob) in rule.paths.enumerated() {
                let keys = Self.keys(of: glob)
                for k in keys { demand[k, default: 0] += 1 }
                proposals.append((Entry(rule: Int32(r), pattern: Int32(p)), keys))
            }
        }
        var suffixLengthSet = Set<Int>(), prefixLengthSet = Set<Int>()
        for (entry, keys) in proposals {
            guard let key = keys.min(by: { demand[$0]! < demand[$1]! }) else { unindexed.append(entry); continue }
            switch key.table {
            case .directory: Self.add(&directories, key.bytes, entry)
            case .component: Self.add(&components, key.bytes, entry)
            case .basename: Self.add(&basenames, key.bytes, entry)
            case .suffix: Self.add(&suffixes, key.bytes, entry); suffixLengthSet.insert(key.bytes.count)
            case .basenamePrefix: Self.add(&basenamePrefixes, key.bytes, entry); prefixLengthSet.insert(key.bytes.count)
            }
        }
        suffixLengths = suffixLengthSet.sorted()
        prefixLengths = prefixLengthSet.sorted()
    }

    private static func add(_ table: inout [UInt64: [Bucket]], _ key: [UInt8], _ entry: Entry) {
        let h = key.withUnsafeBufferPointer { fnv1a($0) }
        var buckets = table[h] ?? []
        if let i = buckets.firstIndex(where: { $0.key == key }) {
            buckets[i].entries.append(entry)
        } else {
            buckets.append(Bucket(key: key, entries: [entry]))
        }
        table[h] = buckets
    }

    @inline(__always)
    private static func lookup(_ table: [UInt64: [Bucket]], _ key: UnsafeBufferPointer<UInt8>, _ hash: UInt64,
                               _ body: (Entry) -> Void) {
        guard let buckets = table[hash] else { return }
        for b in buckets where b.key.count == key.count && b.key.withUnsafeBufferPointer({ $0.elementsEqual(key) }) {
            for e in b.entries { body(e) }
        }
    }

    /// Calls `body` with every pattern that may match `path` (some more than once is possible; none is missed).
    func candidates(for path: [UInt8], _ body: (Entry) -> Void) {
        path.withUnsafeBufferPointer { p in
            // Directory prefixes: "" (before the first '/'), then each prefix ending before a '/', then the path.
            if !directories.isEmpty {
                var h = fnvOffset
                for i in 0..<p.count {
                    if p[i] == UInt8(ascii: "/") {
                        Self.lookup(directories, UnsafeBufferPointer(rebasing: p[..<i]), h, body)
                    }
                    h = (h ^ UInt64(p[i])) &* fnvPrime
                }
                Self.lookup(directories, p, h, body)
            }
            if !components.isEmpty {
                // Each component with its position: one lookup per component.
                var position = 0, start = 0
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: p.count + 1) { key in
                    for i in 0...p.count where i == p.count || p[i] == UInt8(ascii: "/") {
                        if i > start, position < 256 {
                            key[0] = UInt8(position)
                            for k in start..<i { key[k - start + 1] = p[k] }
                            let k = UnsafeBufferPointer(rebasing: key[0...(i - start)])
                            Self.lookup(components, k, fnv1a(k), body)
                        }
                        position += 1
                        start = i + 1
                    }
                }
            }
            let nameStart = (p.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
            let name = UnsafeBufferPointer(rebasing: p[nameStart...])
            if !basenames.isEmpty { Self.lookup(basenames, name, fnv1a(name), body) }
            for n in suffixLengths where n <= p.count {
                let key = UnsafeBufferPointer(rebasing: p[(p.count - n)...])
                Self.lookup(suffixes, key, fnv1a(key), body)
            }
            for n in prefixLengths where n <= name.count {
                let key = UnsafeBufferPointer(rebasing: name[..<(name.startIndex + n)])
                Self.lookup(basenamePrefixes, key, fnv1a(key), body)
            }
            for e in unindexed { body(e) }
        }
    }
}

private let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
private let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

@inline(__always)
private func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h = fnvOffset
    for b in bytes { h = (h ^ UInt64(b)) &* fnvPrime }
    return h
}

extension Glob {
    /// The literal bytes the index can use: the whole pattern when it has no wildcard, else the bytes before the
    /// first wildcard and (without a trailing '/') after the last.
    var literals: (plain: [UInt8]?, prefix: [UInt8], suffix: [UInt8]) {
        (compiled.literal, compiled.literalPrefix, compiled.literalSuffix)
    }
}
