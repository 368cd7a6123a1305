import Foundation
import Testing
@testable import FileWatchCore

/// Issue 18: a rules file cannot freeze the start, and many rules cost little more than a few.
@Suite struct WatchRulesLimitsTests {
    func error(_ yaml: String) -> RulesError? {
        do { _ = try RuleSet.parse(yaml: yaml, file: "bad.yaml"); return nil } catch { return error }
    }

    func seconds(_ body: () -> Void) -> Double {
        let d = ContinuousClock().measure(body)
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// "Billion laughs": 9 levels of 9 aliases (9⁹ leaves), then the last one used as a mapping key; Yams hashes
    /// keys to find duplicates, which expands every alias (25 s and more before this check).
    static func bomb(key: String) -> String {
        var lines = [#"x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            lines.append("x-\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]")
            previous = name
        }
        return lines.joined(separator: "\n") + "\n" + key + "\nrules: []\n"
    }

    @Test(.timeLimit(.minutes(1))) func aliasBombsInKeysAreRefusedAtOnce() throws {
        let cases: [(String, String)] = [
            ("? *i\n: x", "explicit key"),
            ("*i : x", "mapping key"),
            ("[*i, *a]: x", "mapping key"),
            ("k: {*i: x}", "flow mapping"),
            ("k: {\n  *i\n  }", "flow mapping"),
        ]
        for (key, expected) in cases {
            let text = Self.bomb(key: key)
            var problem: RulesError?
            let t = seconds { problem = error(text) }
            #expect(problem?.message.contains(expected) == true, "\(key): \(problem?.description ?? "accepted")")
            #expect(problem?.message.contains("alias `*i`") == true || problem?.message.contains("alias `*a`") == true)
            #expect(problem?.line == 10 || problem?.line == 11, "\(String(describing: problem))")
            #expect(t < 1, "\(key): \(t) s")
        }
        print("WatchRulesLimitsTests: \(Self.bomb(key: "? *i\n: x").utf8.count)-byte alias bomb as a key refused: \(error(Self.bomb(key: "? *i\n: x"))!)")
    }

    @Test func aliasesAsValuesStillWork() throws {
        let set = try RuleSet.parse(yaml: """
        x-admins: &admins [sshd, "/usr/bin/sudo"]
        x-keys: &keys ["/root/.ssh/", "*.pem"]
        rules:
          - name: a
            paths: *keys
            allow: *admins   # a comment: with a colon
          - name: b
            paths: ["/etc/shadow"]
            allow: *admins
        """, file: "r")
        #expect(set.rules.count == 2)
        #expect(set.rules[0].paths.map(\.description) == ["/root/.ssh/", "*.pem"])
        #expect(set.rules[1].allowed.map(\.description) == ["sshd", "/usr/bin/sudo"])
        // A `*` that is not an alias of a known anchor (quoted globs, plain words) is text.
        #expect(try RuleSet.parse(yaml: "rules:\n  - {name: a, paths: [\"*.pem\", '*: x']}\n", file: "r").rules.count == 1)
        // A bomb used only as a value is shared, never expanded: the walker stops at the first non-scalar entry.
        let valueBomb = Self.bomb(key: "").replacingOccurrences(of: "rules: []", with: "rules:\n  - name: x\n    paths: *i")
        var problem: RulesError?
        let t = seconds { problem = error(valueBomb) }
        #expect(problem?.message.contains("each entry of `paths` must be a single value") == true, "\(String(describing: problem))")
        #expect(t < 1)
    }

    @Test func patternsAreCountedWithAliasesExpanded() throws {
        // 1,000 patterns shared by 600 rules: 600,000 after expansion, above the limit.
        let list = (0..<1000).map { "\"/d/\($0)\"" }.joined(separator: ", ")
        var text = "x-p: &p [\(list)]\nrules:\n"
        for i in 0..<600 { text += "  - name: r\(i)\n    paths: *p\n" }
        let t0 = ContinuousClock.now
        let problem = error(text)
        #expect(problem?.message.contains("more than \(RulesLimits.maxPatterns) path and allow patterns") == true, "\(String(describing: problem))")
        #expect(ContinuousClock.now - t0 < .seconds(20))
        // Sizes: the limits are named in the errors.
        let big = String(repeating: "#", count: RulesLimits.maxFileBytes + 1)
        #expect(error(big)?.message.contains("limit for a rules file (\(RulesLimits.maxFileBytes) bytes, 4 MiB)") == true)
    }

    /// The index proposes the patterns a path can match, never fewer: the same alerts as trying every rule.
    @Test func indexAgreesWithTryingEveryRule() throws {
        var rng = SystemRandomNumberGenerator()
        let parts = ["a", "b", "*", "**", "?", "[ab]", ".x", "ab"]
        func component() -> String { (0..<Int.random(in: 1...3, using: &rng)).map { _ in parts.randomElement(using: &rng)! }.joined() }
        for _ in 0..<40 {
            var rules: [WatchRule] = []
            for r in 0..<30 {
                var text: String
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: text = component()                                              // a file name pattern
                case 1: text = "/" + (0..<Int.random(in: 1...3, using: &rng)).map { _ in component() }.joined(separator: "/")
                case 2: text = "/" + (0..<Int.random(in: 1...3, using: &rng)).map { _ in component() }.joined(separator: "/") + "/"
                default: text = "**/" + component()
                }
                guard let g = try? Glob(text) else { continue }
                rules.append(WatchRule(name: "r\(r)", paths: [g], kinds: Bool.random(using: &rng) ? nil : [.open]))
            }
            let set = RuleSet(rules: rules)
            for _ in 0..<200 {
                let path = "/" + (0..<Int.random(in: 1...4, using: &rng)).map { _ in
                    (0..<Int.random(in: 1...3, using: &rng)).map { _ in ["a", "b", ".x", "ab"].randomElement(using: &rng)! }.joined()
                }.joined(separator: "/")
                let e = Event(time: 0, kind: Bool.random(using: &rng) ? .open : .read, process: ProcessSubject(pid: 9, name: "p"),
                              path: ByteString(path), source: .trail)
                let expected = rules.compactMap { $0.evaluate(e) }.map(\.origin.name)
                #expect(set.evaluate(e).map(\.origin.name) == expected, "\(path)")
            }
        }
    }

    /// 10,000 rules: an event is checked against the few patterns its path can match.
    @Test func tenThousandRulesProposeFewCandidates() throws {
        var text = "rules:\n"
        for i in 0..<10_000 {
            switch i % 4 {
            case 0: text += "  - {name: r\(i), paths: [\"/srv/app\(i)/\"], allow: [app\(i)]}\n"
            case 1: text += "  - {name: r\(i), paths: [\"/home/*/proj\(i)/**\"]}\n"
            case 2: text += "  - {name: r\(i), paths: [\"secret\(i).key\"]}\n"
            default: text += "  - {name: r\(i), paths: [\"/data/**/*.db\(i)\"], events: [write]}\n"
            }
        }
        let set = try RuleSet.parse(yaml: text, file: "many.yaml")
        #expect(set.rules.count == 10_000)
        #expect(set.unindexedPatterns == 0)
        for (path, expected) in [("/srv/app8/x/y", ["r8"]), ("/home/u/proj9/a", ["r9"]), ("/etc/secret10.key", ["r10"]),
                                 ("/data/a/b/c.db11", []), ("/usr/lib/libc.so.6", [])] {
            var proposed = 0
            set.indexCandidates(ByteString(path)) { _ in proposed += 1 }
            #expect(proposed <= 2, "\(path): \(proposed) patterns tried")
            let e = Event(time: 0, kind: .open, process: ProcessSubject(pid: 9, name: "cat"), path: ByteString(path), source: .trail)
            #expect(set.evaluate(e).map(\.origin.name) == expected, "\(path)")
        }
    }
}
