// A glob as a bit-parallel NFA (Shift-And): one bit per pattern position, one pass over the subject.
//
// Bit i set = "the first i tokens match what was read so far"; bit m (m tokens) = a match. Per byte:
//   next  = ((state & consumes[c]) << 1) | (state & loops[c])      c = the byte's class
//   inner = (state | inner) & dirs                                   inside a `**/` run
//   next |= inner << 1                     only when the byte is '/' (a `**/` run ends with one)
//   state = ε-closure(next)                `*`, `**`, `**/` may match nothing: bit i → bit i+1
// The cost is O(subject length × ⌈(m + 1) / 64⌉) whatever the pattern: `*a*a*a*a*a*a*ab*` against a
// 250-byte name, or a thousand stars against a 4 KiB path, take microseconds (the backtracking matcher this
// replaced took minutes). Bytes are mapped to classes (bytes every token treats alike), so the tables stay
// small: a typical rule pattern has a dozen classes of one word each.

struct GlobAutomaton: Sendable {
    /// Words per bit set: ⌈(m + 1) / 64⌉.
    let words: Int
    /// Byte → class.
    let classOf: [UInt8]
    /// Per class, `words` words each: bit i when token i consumes a byte of the class (and moves on).
    let consumes: [UInt64]
    /// Per class: bit i when token i consumes a byte of the class and stays (`*` on non-'/', `**` on any).
    let loops: [UInt64]
    /// Bit i when token i may match nothing.
    let epsilon: [UInt64]
    /// Bit i when token i is `**/`.
    let dirs: [UInt64]
    /// m: the bit that means "matched".
    let final: Int
    let hasDirs: Bool

    /// For plain paths, which never run an automaton.
    static let none = GlobAutomaton([])

    init(_ tokens: [Glob.Token]) {
        let m = tokens.count
        let words = (m + 1 + 63) / 64
        self.words = words
        final = m
        let slash = UInt8(ascii: "/")
        func set(_ bits: inout [UInt64], _ base: Int, _ i: Int) { bits[base + i >> 6] |= 1 << UInt64(i & 63) }

        // Bytes every token treats alike share a class. Without `[...]` tokens the classes are simply: each byte
        // that appears as a literal, '/', and all other bytes; with them, bytes are grouped by their rows.
        func row(_ b: UInt8) -> [UInt64] {
            var row = [UInt64](repeating: 0, count: 2 * words)
            for (i, t) in tokens.enumerated() {
                switch t {
                case .literal(let l): if l == b { set(&row, 0, i) }
                case .anyByte: if b != slash { set(&row, 0, i) }
                case .byteClass(let w0, let w1, let w2, let w3):
                    let w: UInt64
                    switch b >> 6 { case 0: w = w0; case 1: w = w1; case 2: w = w2; default: w = w3 }
                    if w & (1 << UInt64(b & 63)) != 0 { set(&row, 0, i) }
                case .star: if b != slash { set(&row, words, i) }
                case .globstar: set(&row, words, i)
                case .globstarDirs: break
                }
            }
            return row
        }
        var consumeRows = [[UInt64]](), loopRows = [[UInt64]]()
        var byteClass = [UInt8](repeating: 0, count: 256)
        func addClass(_ representative: UInt8) -> UInt8 {
            let r = row(representative)
            consumeRows.append(Array(r[..<words]))
            loopRows.append(Array(r[words...]))
            return UInt8(consumeRows.count - 1)
        }
        let hasClasses = tokens.contains { if case .byteClass = $0 { true } else { false } }
        if !hasClasses {
            var distinct = Set<UInt8>([slash])
            for case .literal(let l) in tokens { distinct.insert(l) }
            if let other = (0...255).first(where: { !distinct.contains(UInt8($0)) }) {
                let c = addClass(UInt8(other))
                for v in 0..<256 { byteClass[v] = c }
            }
            for b in distinct.sorted() { byteClass[Int(b)] = addClass(b) }
        } else {
            var classIndex: [[UInt64]: UInt8] = [:]
            for value in 0..<256 {
                let r = row(UInt8(value))
                if let known = classIndex[r] { byteClass[value] = known; continue }
                let c = UInt8(consumeRows.count)  // at most 256 classes
                classIndex[r] = c
                byteClass[value] = c
                consumeRows.append(Array(r[..<words]))
                loopRows.append(Array(r[words...]))
            }
        }
        classOf = byteClass
        consumes = consumeRows.flatMap { $0 }
        loops = loopRows.flatMap { $0 }
        var eps = [UInt64](repeating: 0, count: words), dirs = [UInt64](repeating: 0, count: words)
        for (i, t) in tokens.enumerated() {
            switch t {
            case .star, .globstar: set(&eps, 0, i)
            case .globstarDirs: set(&eps, 0, i); set(&dirs, 0, i)
            default: break
            }
        }
        epsilon = eps
        self.dirs = dirs
        hasDirs = tokens.contains(.globstarDirs)
    }

    /// Whether the whole of `s` matches; with `subtree`, also whether a prefix of `s` that ends just before a '/'
    /// matches (the directory a trailing-'/' pattern names, and everything beneath it).
    func matches(_ s: UnsafeBufferPointer<UInt8>, subtree: Bool) -> Bool {
        if words == 1 { return matchesOneWord(s, subtree: subtree) }
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 3 * words) { scratch in
            matchesWide(s, subtree: subtree, scratch)
        }
    }

    @inline(__always)
    private func closure(_ state: UInt64, _ eps: UInt64) -> UInt64 {
        var s = state
        while true {
            let n = s | ((s & eps) << 1)
            if n == s { return s }
            s = n
        }
    }

    /// Up to 63 tokens: the state is one machine word.
    private func matchesOneWord(_ s: UnsafeBufferPointer<UInt8>, subtree: Bool) -> Bool {
        let eps = epsilon[0], dirs = self.dirs[0]
        let finalBit: UInt64 = 1 << UInt64(final)
        let slash = UInt8(ascii: "/")
        var state = closure(1, eps)
        var inner: UInt64 = 0
        return consumes.withUnsafeBufferPointer { consumes in
            loops.withUnsafeBufferPointer { loops in
                classOf.withUnsafeBufferPointer { classOf in
                    for b in s {
                        if subtree, b == slash, state & finalBit != 0 { return true }
                        let c = Int(classOf[Int(b)])
                        var next = ((state & consumes[c]) << 1) | (state & loops[c])
                        if hasDirs {
                            inner = (state | inner) & dirs
                            if b == slash { next |= inner << 1 }
                        }
                        state = closure(next, eps)
                        if state == 0 && inner == 0 { return false }
                    }
                    return state & finalBit != 0
                }
            }
        }
    }

    /// Any number of tokens: the state is `words` words (shifts carry across words).
    private func matchesWide(_ s: UnsafeBufferPointer<UInt8>, subtree: Bool, _ scratch: UnsafeMutableBufferPointer<UInt64>) -> Bool {
        consumes.withUnsafeBufferPointer { consumes in
            loops.withUnsafeBufferPointer { loops in
                epsilon.withUnsafeBufferPointer { eps in
                    dirs.withUnsafeBufferPointer { dirs in
                        classOf.withUnsafeBufferPointer { classOf in
                            runWide(s, subtree, scratch, consumes, loops, eps, dirs, classOf)
                        }
                    }
                }
            }
        }
    }

    private func runWide(_ s: UnsafeBufferPointer<UInt8>, _ subtree: Bool, _ scratch: UnsafeMutableBufferPointer<UInt64>,
                         _ consumes: UnsafeBufferPointer<UInt64>, _ loops: UnsafeBufferPointer<UInt64>,
                         _ eps: UnsafeBufferPointer<UInt64>, _ dirs: UnsafeBufferPointer<UInt64>,
                         _ classOf: UnsafeBufferPointer<UInt8>) -> Bool {
        let w = words
        let state = scratch.baseAddress!, inner = scratch.baseAddress! + w
        state.initialize(repeating: 0, count: w)
        inner.initialize(repeating: 0, count: w)
        state[0] = 1
        let finalWord = final >> 6, finalBit: UInt64 = 1 << UInt64(final & 63)
        let slash = UInt8(ascii: "/")

        /// state |= ε-moves until nothing changes.
        @inline(__always) func close() {
            while true {
                var changed = false
                var carry: UInt64 = 0
                for k in 0..<w {
                    let moved = state[k] & eps[k]
                    let add = (moved << 1) | carry
                    carry = moved >> 63
                    if add & ~state[k] != 0 { state[k] |= add; changed = true }
                }
                if !changed { return }
            }
        }
        close()
        for b in s {
            if subtree, b == slash, state[finalWord] & finalBit != 0 { return true }
            let row = Int(classOf[Int(b)]) * w
            // Word by word from the top, so that word k - 1 still holds its old value when word k takes its carry.
            var alive: UInt64 = 0
            var k = w - 1
            while k >= 0 {
                let old = state[k], oldInner = inner[k]
                var n = ((old & consumes[row + k]) << 1) | (old & loops[row + k])
                if k > 0 { n |= (state[k - 1] & consumes[row + k - 1]) >> 63 }
                if hasDirs {
                    let i = (old | oldInner) & dirs[k]
                    if b == slash {
                        n |= i << 1
                        if k > 0 { n |= ((state[k - 1] | inner[k - 1]) & dirs[k - 1]) >> 63 }
                    }
                    inner[k] = i
                    alive |= i
                }
                state[k] = n
                alive |= n
                k -= 1
            }
            if alive == 0 { return false }
            close()
        }
        return state[finalWord] & finalBit != 0
    }
}
