import Foundation
import Testing
@testable import FileWatchCore

@Suite struct WatchRulesTests {
    static let yaml = """
    rules:
      - name: ssh-keys
        paths: ["/root/.ssh/", "/home/*/.ssh/**"]
        events: [open, read, write, delete, rename]
        allow: [sshd, /usr/bin/ssh-agent]
        severity: high
        description: private keys
      - name: shadow
        paths: /etc/shadow
        allow: ["/usr/sbin/*", passwd]
    """

    func event(_ kind: EventKind, _ path: String, name: String, exe: String? = nil, dest: String? = nil) -> Event {
        Event(time: 1_700_000_000_000_000, kind: kind,
              process: ProcessSubject(pid: 4242, name: ByteString(name), executable: exe.map { ByteString($0) }),
              path: ByteString(path), destinationPath: dest.map { ByteString($0) }, source: .fanotify)
    }

    @Test func parsesRules() throws {
        let set = try RuleSet.parse(yaml: Self.yaml, file: "rules.yaml")
        #expect(set.rules.count == 2)
        let r = set.rules[0]
        #expect(r.name == "ssh-keys")
        #expect(r.paths.count == 2)
        #expect(r.kinds == [.open, .read, .write, .delete, .rename])
        #expect(r.allowed.map(\.description) == ["sshd", "/usr/bin/ssh-agent"])
        #expect(r.severity == .high)
        #expect(r.line == 2)
        #expect(set.rules[1].kinds == nil)
        #expect(set.rules[1].severity == .medium)
        #expect(set.rules[1].line == 8)
    }

    @Test func matchingAndAllowedProcesses() throws {
        let set = try RuleSet.parse(yaml: Self.yaml, file: "rules.yaml")
        // Not allowed: alert.
        let a = set.evaluate(event(.open, "/root/.ssh/id_rsa", name: "cat", exe: "/usr/bin/cat"))
        #expect(a.count == 1)
        #expect(a.first?.origin == .rule("ssh-keys"))
        #expect(a.first?.severity == .high)
        #expect(a.first?.reason.contains("cat (pid 4242, /usr/bin/cat)") == true)
        #expect(a.first?.reason.contains("private keys") == true)
        // Allowed by name, by executable path, by the executable's basename.
        #expect(set.evaluate(event(.open, "/root/.ssh/id_rsa", name: "sshd", exe: "/usr/sbin/sshd")).isEmpty)
        #expect(set.evaluate(event(.read, "/home/al/.ssh/id_ed25519", name: "ssh-agent", exe: "/usr/bin/ssh-agent")).isEmpty)
        #expect(set.evaluate(event(.read, "/home/al/.ssh/id_ed25519", name: "ssh-agent", exe: "/opt/ssh-agent")).count == 1,
                "an executable-path pattern does not allow a different executable of the same name")
        // Kind not in the rule.
        #expect(set.evaluate(event(.stat, "/root/.ssh/id_rsa", name: "cat")).isEmpty)
        // Path outside.
        #expect(set.evaluate(event(.open, "/root/.sshx", name: "cat")).isEmpty)
        // Rename into a watched path matches on the destination.
        let mv = set.evaluate(event(.rename, "/tmp/k", name: "mv", dest: "/home/al/.ssh/authorized_keys"))
        #expect(mv.count == 1)
        // Second rule: any kind; glob in allow.
        #expect(set.evaluate(event(.open, "/etc/shadow", name: "useradd", exe: "/usr/sbin/useradd")).isEmpty)
        #expect(set.evaluate(event(.attrib, "/etc/shadow", name: "python3", exe: "/usr/bin/python3")).count == 1)
        #expect(set.evaluate(event(.open, "/etc/shadow", name: "passwd", exe: "/usr/bin/passwd")).isEmpty)
    }

    @Test func everyMatchingRuleAlerts() throws {
        let set = try RuleSet.parse(yaml: """
        rules:
          - {name: a, paths: [/x/]}
          - {name: b, paths: ["*.key"], severity: critical}
        """, file: "r")
        let alerts = set.evaluate(event(.write, "/x/y.key", name: "vim"))
        #expect(alerts.map(\.origin.name) == ["a", "b"])
    }

    func error(_ yaml: String) -> RulesError? {
        do { _ = try RuleSet.parse(yaml: yaml, file: "bad.yaml"); return nil } catch { return error }
    }

    @Test func invalidFilesNameTheLine() {
        let syntax = error("rules:\n  - name: a\n    paths: [/x\n  - name: b\n")
        #expect(syntax != nil)
        #expect((syntax?.line ?? 0) >= 3, "\(String(describing: syntax))")
        #expect(syntax?.description.hasPrefix("bad.yaml:") == true)

        let kind = error("rules:\n  - name: a\n    paths: /x\n    events: [open, wirte]\n")
        #expect(kind?.line == 4)
        #expect(kind?.column == 20)
        #expect(kind?.message.contains("unknown event kind `wirte`") == true)

        let key = error("rules:\n  - name: a\n    paths: /x\n    alow: [cat]\n")
        #expect(key?.line == 4)
        #expect(key?.message.contains("unknown rule key `alow`") == true)

        let sev = error("rules:\n  - name: a\n    paths: /x\n    severity: extreme\n")
        #expect(sev?.line == 4)

        let noPaths = error("rules:\n  - name: a\n  - name: b\n    paths: /y\n")
        #expect(noPaths?.line == 2)
        #expect(noPaths?.message.contains("no `paths`") == true)

        let dup = error("rules:\n  - {name: a, paths: /x}\n  - {name: a, paths: /y}\n")
        #expect(dup?.line == 3)
        #expect(dup?.message.contains("duplicate rule name") == true)

        let glob = error("rules:\n  - name: a\n    paths:\n      - /ok\n      - /bad/[x\n")
        #expect(glob?.line == 5)
        #expect(glob?.message.contains("unterminated") == true)

        #expect(error("")?.message.contains("empty") == true)
        #expect(error("- a\n- b\n")?.line == 1)
        #expect(error("rulez: []\n")?.message.contains("unknown top-level key") == true)
        let tab = error("rules:\n\t- name: a\n")
        #expect(tab?.line == 2)
    }

    @Test func stopKey() throws {
        let set = try RuleSet.parse(yaml: "rules:\n  - {name: a, paths: /x/, stop: true}\n  - {name: b, paths: /x/}\n", file: "r")
        #expect(set.rules.map(\.stop) == [true, false])
        let alerts = set.evaluate(event(.open, "/x/y", name: "cat"))
        #expect(alerts.map(\.stopsOffender) == [true, false])
        #expect(error("rules:\n  - {name: a, paths: /x/, stop: maybe}\n")?.message.contains("`stop` must be true or false") == true)
        // Ransomware alerts stop by default.
        #expect(Alert(time: 0, origin: .ransomware, severity: .critical, process: ProcessSubject(pid: 1), eventKind: .close,
                      path: nil, reason: "").stopsOffender)
    }

    @Test func emptyRulesListIsValid() throws {
        #expect(try RuleSet.parse(yaml: "rules:\n", file: "r").rules.isEmpty)
        #expect(try RuleSet.parse(yaml: "rules: []\n", file: "r").rules.isEmpty)
    }
}

@Suite struct CommandSplitTests {
    @Test func splitsLikeAShellWithoutOne() throws {
        #expect(try splitCommandLine("notify-send 'File alert'") == ["notify-send", "File alert"])
        #expect(try splitCommandLine("  a   b\tc\n") == ["a", "b", "c"])
        #expect(try splitCommandLine(#"logger -t "file watch" x\ y"#) == ["logger", "-t", "file watch", "x y"])
        #expect(try splitCommandLine(#"echo "a\"b\\c\d""#) == ["echo", #"a"b\c\d"#])
        #expect(try splitCommandLine("a ''") == ["a", ""])
        // No expansion of any kind: these are just bytes for the program.
        #expect(try splitCommandLine("cmd $HOME *.txt ; rm -rf / | x") == ["cmd", "$HOME", "*.txt", ";", "rm", "-rf", "/", "|", "x"])
        #expect(try splitCommandLine("a'b'\"c\"d") == ["abcd"])
    }

    @Test func rejectsBadCommands() {
        #expect(throws: CommandSplitError.empty) { try splitCommandLine("   ") }
        #expect(throws: CommandSplitError.empty) { try splitCommandLine("''") }
        #expect(throws: CommandSplitError.unterminatedQuote("'", offset: 5)) { try splitCommandLine("echo 'abc") }
        #expect(throws: CommandSplitError.unterminatedQuote("\"", offset: 2)) { try splitCommandLine("a \"b") }
        #expect(throws: CommandSplitError.trailingBackslash) { try splitCommandLine("a \\") }
    }
}

@Suite struct ExampleRulesTests {
    @Test func exampleRulesFileParsesAndWorks() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("examples/rules.yaml"), encoding: .utf8)
        let set = try RuleSet.parse(yaml: text, file: "examples/rules.yaml")
        #expect(set.rules.count == 5)
        func ev(_ kind: EventKind, _ path: String, _ name: String, _ exe: String) -> Event {
            Event(time: 0, kind: kind, process: ProcessSubject(pid: 5, name: ByteString(name), executable: ByteString(exe)),
                  path: ByteString(path), source: .fanotify)
        }
        #expect(set.evaluate(ev(.read, "/home/ann/.ssh/id_ed25519", "python3", "/usr/bin/python3.11")).map(\.origin.name) == ["ssh-private-keys"])
        #expect(set.evaluate(ev(.read, "/home/ann/.ssh/id_ed25519", "ssh", "/usr/bin/ssh")).isEmpty)
        #expect(set.evaluate(ev(.open, "/etc/shadow", "cat", "/usr/bin/cat")).first?.severity == .critical)
        #expect(set.evaluate(ev(.open, "/etc/shadow", "unix_chkpwd", "/usr/sbin/unix_chkpwd")).isEmpty)
        #expect(set.evaluate(ev(.read, "/srv/tls/site.key", "curl", "/usr/bin/curl")).map(\.origin.name) == ["private-key-files"])
        // Seen live: CA bundles are public; the example must not flag every TLS client.
        #expect(set.evaluate(ev(.read, "/etc/ssl/certs/ca-certificates.crt", "python3", "/usr/bin/python3")).isEmpty)
        #expect(set.evaluate(ev(.read, "/usr/lib/python3/dist-packages/certifi/cacert.pem", "python3", "/usr/bin/python3")).isEmpty)
        #expect(set.evaluate(ev(.write, "/home/ann/.config/google-chrome/Default/Login Data", "evil", "/tmp/evil")).count == 1)
    }
}

@Suite struct DetectionRobustnessTests {
    /// Mutated rules files and random patterns: errors, never a crash or a hang.
    @Test func mutatedRulesFilesNeverCrash() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let base = Array(try String(contentsOf: root.appendingPathComponent("examples/rules.yaml"), encoding: .utf8).utf8)
        var rng = SeededGenerator(seed: 0x5EED_2026)  // reproducible
        let alphabet = Array("[]{}:-,*&!|>'\"#\n\t ?/\\%@`".utf8)
        var parsed = 0, rejected = 0
        for _ in 0..<1500 {
            var b = base
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: b[i] = alphabet.randomElement(using: &rng)!
                case 1: b.remove(at: i)
                default: b.insert(alphabet.randomElement(using: &rng)!, at: i)
                }
            }
            do {
                let set = try RuleSet.parse(yaml: String(decoding: b, as: UTF8.self), file: "fuzz.yaml")
                parsed += 1
                _ = set.evaluate(Event(time: 0, kind: .open, process: ProcessSubject(pid: 1, name: "x"),
                                       path: "/home/a/.ssh/id_rsa", source: .fanotify))
            } catch {
                rejected += 1
                #expect(error.line >= 0 && !error.message.isEmpty)
            }
        }
        #expect(parsed + rejected == 1500)
        for _ in 0..<3000 {
            let pat = (0..<Int.random(in: 1...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let path = (0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            if let g = try? Glob(bytes: pat) { _ = g.matches(path) }
        }
    }
}

/// xorshift64*: deterministic, so a failing mutation can be reproduced.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 0x2545F4914F6CDD1D
    }
}
