import Testing
@testable import FileWatchCore

@Suite struct GlobTests {
    func m(_ pattern: String, _ path: String) throws -> Bool { try Glob(pattern).matches(ByteString(path)) }

    @Test func literalsAndStar() throws {
        #expect(try m("/etc/shadow", "/etc/shadow"))
        #expect(try !m("/etc/shadow", "/etc/shadow-"))
        #expect(try !m("/etc/shadow", "/etc/shado"))
        #expect(try m("/etc/*.conf", "/etc/a.conf"))
        #expect(try m("/etc/*.conf", "/etc/.conf"))
        #expect(try !m("/etc/*.conf", "/etc/sub/a.conf"), "* never crosses /")
        #expect(try m("/home/*/.ssh/id_*", "/home/bob/.ssh/id_ed25519"))
        #expect(try !m("/home/*/.ssh/id_*", "/home/bob/x/.ssh/id_rsa"))
        #expect(try m("/a/*b*c", "/a/xxbyyc"))
        #expect(try !m("/a/*b*c", "/a/xxbyyc/d"))
    }

    @Test func questionAndClasses() throws {
        #expect(try m("/tmp/?.log", "/tmp/a.log"))
        #expect(try !m("/tmp/?.log", "/tmp/ab.log"))
        #expect(try !m("/tmp?x", "/tmp/x"), "? never matches /")
        #expect(try m("/v/[abc]", "/v/b"))
        #expect(try !m("/v/[abc]", "/v/d"))
        #expect(try m("/v/[a-c0-9]x", "/v/7x"))
        #expect(try m("/v/[!a-c]", "/v/d"))
        #expect(try !m("/v/[^a-c]", "/v/a"))
        #expect(try m("/v/[]]", "/v/]"))
        #expect(try !m("/v[!a]x", "/v/x"), "a negated class never matches /")
        #expect(try m("/v/\\*", "/v/*"))
        #expect(try !m("/v/\\*", "/v/a"))
    }

    @Test func globstar() throws {
        #expect(try m("/home/**/id_rsa", "/home/id_rsa"))
        #expect(try m("/home/**/id_rsa", "/home/u/.ssh/id_rsa"))
        #expect(try !m("/home/**/id_rsa", "/home/u/.ssh/id_rsa.pub"))
        #expect(try m("/srv/**", "/srv/a/b/c"))
        #expect(try !m("/srv/**", "/srvx/a"))
        #expect(try m("**/secret", "/any/where/secret"))
        #expect(try m("/a/**.key", "/a/b/c/d.key"), "** inside a component crosses /")
        #expect(try m("/a/**/b/**/c", "/a/b/c"))
        #expect(try m("/a/**/b/**/c", "/a/x/b/y/z/c"))
        #expect(try !m("/a/**/b/**/c", "/a/x/y/z/c"))
    }

    @Test func subtreeAndBasename() throws {
        #expect(try m("/etc/ssh/", "/etc/ssh"))
        #expect(try m("/etc/ssh/", "/etc/ssh/sshd_config"))
        #expect(try m("/etc/ssh/", "/etc/ssh/a/b"))
        #expect(try !m("/etc/ssh/", "/etc/sshd"))
        #expect(try m("/home/*/.gnupg/", "/home/al/.gnupg/private-keys-v1.d/x.key"))
        #expect(try m("*.pem", "/etc/ssl/private/key.pem"))
        #expect(try !m("*.pem", "/etc/ssl/private/key.pem.bak"))
        #expect(try m("id_rsa", "/root/.ssh/id_rsa"))
        #expect(try m("/", "/etc/passwd"), "the root subtree is everything")
        #expect(try m("/", "/"))
        #expect(try m("//", "/a/b"))
    }

    @Test func nonUTF8Bytes() throws {
        let g = try Glob(bytes: Array("/data/".utf8) + [0xFF, 0x2A]) // "/data/\xFF*"
        #expect(g.matches(ByteString(Array("/data/".utf8) + [0xFF, 0xFE, 0x41])))
        #expect(!g.matches(ByteString(Array("/data/".utf8) + [0xFE])))
        let cls = try Glob(bytes: Array("/d/[".utf8) + [0x80, UInt8(ascii: "-"), 0xFF] + Array("]".utf8))
        #expect(cls.matches(ByteString(Array("/d/".utf8) + [0xC3])))
        #expect(!cls.matches(ByteString("/d/a")))
    }

    @Test func badPatterns() {
        #expect(throws: Glob.Problem.empty) { try Glob("") }
        #expect(throws: Glob.Problem.unterminatedClass(offset: 3)) { try Glob("/a/[bc") }
        #expect(throws: Glob.Problem.trailingBackslash) { try Glob("/a\\") }
    }

    @Test func pathologicalPatternStaysFast() throws {
        let g = try Glob("/**/a*/**/a*/**/a*/**/a*/**/a*/**/x")
        let path = ByteString("/" + Array(repeating: "a", count: 40).joined(separator: "/") + "/y")
        #expect(!g.matches(path))
    }

    /// Runs `body` and returns its wall time in milliseconds.
    func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let d = try clock.measure(body)
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    /// Issue 18: a user who can name a file must not be able to freeze the watcher with a rule's pattern.
    /// The backtracking matcher took minutes (exponential in the stars of one component) on these.
    @Test(.timeLimit(.minutes(1))) func starsAreLinearInThePathLength() throws {
        // `*a*a*a*a*a*a*ab*` against a 250-byte name of a's (no b): 7 stars in one component.
        let seven = try Glob("/tmp/*a*a*a*a*a*a*ab*")
        let name = "/tmp/" + String(repeating: "a", count: 250)
        var hit = true
        let t1 = milliseconds { hit = seven.matches(ByteString(name)) }
        #expect(!hit)
        #expect(seven.matches(ByteString(name + "b")))
        #expect(t1 < 50, "\(t1) ms")
        print("GlobTests: *a*a*a*a*a*a*ab* vs a 250-byte name: \(t1) ms")

        // 1,000 stars in one pattern against a 4,096-byte path, in every flavour. `few` holds 999 a's (one too few
        // for 1,000 `*a`): no literal suffix rejects it early, so a backtracking matcher tries every split.
        let many = "/" + String(repeating: "a", count: 4095)
        let few = "/" + String(repeating: "a", count: 999) + String(repeating: "c", count: 3096)
        let stars1000 = "/" + String(repeating: "*a", count: 1000)
        let cases: [(String, String, Bool)] = [
            (stars1000 + "*", few, false),                                   // 1,001 `*` in one component
            (stars1000 + "/", few, false),                                   // the same as a subtree pattern
            (stars1000 + "*", many, true),
            (stars1000 + "/", many, true),
            (stars1000 + "b", many, false),
            (String(repeating: "**a", count: 1000) + "*", few, false),      // 1,000 `**` (2,000 stars)
            ("/" + String(repeating: "**/a*", count: 500), few, false),     // `**/` runs and `*`
            (String(repeating: "*", count: 1000) + "b", many, false),       // one run of 1,000 stars
        ]
        for (text, path, expected) in cases {
            let g = try Glob(text)
            var matched = !expected
            let ms = milliseconds { matched = g.matches(ByteString(path)) }
            #expect(matched == expected, "\(text.prefix(12))…")
            #expect(ms < 100, "\(text.prefix(12))… took \(ms) ms")
            print("GlobTests: \(text.utf8.count)-byte pattern \(text.prefix(12))… vs 4,096-byte path: \(ms) ms")
        }
        // Deep paths with many components (4,096 bytes of "/a") against `**/` runs.
        let deep = String(repeating: "/a", count: 2048)
        let g = try Glob(String(repeating: "/**/a", count: 500) + "/b")
        var matched = true
        let ms = milliseconds { matched = g.matches(ByteString(deep)) }
        #expect(!matched)
        #expect(ms < 100, "\(ms) ms")
        #expect(g.matches(ByteString(deep + "/b")))
    }

    /// The automaton agrees with a plain recursive reference matcher on every small case.
    @Test func automatonAgreesWithReference() throws {
        let alphabet: [UInt8] = Array("a/b".utf8)
        let pieces = ["a", "b", "/", "*", "**", "**/", "?", "[ab]", "[!a]"]
        var rng = SystemRandomNumberGenerator()
        var checked = 0
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int.random(in: 1...6, using: &rng) { text += pieces.randomElement(using: &rng)! }
            guard let g = try? Glob(text), text.contains("/") else { continue }
            for _ in 0..<8 {
                let subject = (0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
                let expected = referenceMatch(text, subject)
                #expect(g.matches(subject) == expected, "\(text) vs \(String(decoding: subject, as: UTF8.self))")
                checked += 1
            }
        }
        #expect(checked > 1000)
    }
}

/// A direct, exponential transcription of the glob rules (the reference for small inputs only).
private func referenceMatch(_ pattern: String, _ s: [UInt8]) -> Bool {
    var p = Array(pattern.utf8)
    var subtree = false
    if p.count > 1, p.last == UInt8(ascii: "/") {
        subtree = true
        while p.count > 1, p.last == UInt8(ascii: "/") { p.removeLast() }
    }
    if p == [UInt8(ascii: "/")] { p = Array("/**".utf8) }
    func classMatch(_ p: [UInt8], _ i: Int, _ c: UInt8) -> (Bool, Int) {
        var j = i + 1
        var neg = false
        if p[j] == UInt8(ascii: "!") { neg = true; j += 1 }
        var found = false
        while p[j] != UInt8(ascii: "]") { if p[j] == c { found = true }; j += 1 }
        return (c != UInt8(ascii: "/") && found != neg, j + 1)
    }
    func m(_ pi: Int, _ si: Int) -> Bool {
        if pi == p.count { return si == s.count }
        let slash = UInt8(ascii: "/")
        switch p[pi] {
        case UInt8(ascii: "*"):
            var j = pi
            while j < p.count, p[j] == UInt8(ascii: "*") { j += 1 }
            if j - pi >= 2 {
                if (pi == 0 || p[pi - 1] == slash), j < p.count, p[j] == slash {
                    // `**/`: nothing, or any run ending in '/'
                    if m(j + 1, si) { return true }
                    for k in si..<s.count where s[k] == slash { if m(j + 1, k + 1) { return true } }
                    return false
                }
                for k in si...s.count { if m(j, k) { return true } }
                return false
            }
            var k = si
            while true {
                if m(j, k) { return true }
                if k == s.count || s[k] == slash { return false }
                k += 1
            }
        case UInt8(ascii: "?"):
            return si < s.count && s[si] != slash && m(pi + 1, si + 1)
        case UInt8(ascii: "["):
            guard si < s.count else { return false }
            let (ok, next) = classMatch(p, pi, s[si])
            return ok && m(next, si + 1)
        default:
            return si < s.count && s[si] == p[pi] && m(pi + 1, si + 1)
        }
    }
    if m(0, 0) { return true }
    guard subtree else { return false }
    for k in 0..<s.count where s[k] == UInt8(ascii: "/") {
        let prefix = Array(s[..<k])
        if referenceMatch(String(decoding: p, as: UTF8.self), prefix) { return true }
    }
    return false
}
