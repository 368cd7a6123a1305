import BSM
import Foundation
import Testing
import TestSupport

private func subj(_ pid: UInt32) -> Token { TrailFixture.subject(pid: pid, uid: 0, gid: 0, session: 1) }
private func pathTok(_ s: String) -> Token { TrailFixture.path(s) }
private let ok: Token = TrailFixture.ret()

/// (In-process: `watch`.) cat (pid 30) reads an SSH key; sshd (pid 31) reads it too; pid 40 (locker) renames 6 documents to .locked.
private let detectionTrail: [UInt8] = {
    let t: UInt64 = 1_700_000_000
    var out: [UInt8] = []
    var records = [
        RecordBuilder(event: 23, seconds: t, tokens: [.execArgs(ExecStrings([Array("cat".utf8)])), pathTok("/usr/bin/cat"), subj(30), ok]),
        RecordBuilder(event: 72, seconds: t + 1, tokens: [subj(30), pathTok("/root/.ssh/id_rsa"), ok]),
        RecordBuilder(event: 23, seconds: t + 1, tokens: [.execArgs(ExecStrings([Array("sshd".utf8)])), pathTok("/usr/sbin/sshd"), subj(31), ok]),
        RecordBuilder(event: 72, seconds: t + 2, tokens: [subj(31), pathTok("/root/.ssh/id_rsa"), ok]),
        RecordBuilder(event: 23, seconds: t + 2, tokens: [.execArgs(ExecStrings([Array("locker".utf8)])), pathTok("/tmp/locker"), subj(40), ok]),
    ]
    for i in 0..<6 {
        records.append(RecordBuilder(event: 42, seconds: t + 3 + UInt64(i), tokens: [
            subj(40), pathTok("/srv/docs/report\(i).docx"), pathTok("/srv/docs/report\(i).docx.locked"), ok]))
    }
    for r in records { r.encode(into: &out) }
    return out
}()

@Suite(.timeLimit(.minutes(3))) struct DetectionCommandTests {
    /// The trail and the rules in a fresh directory (removed when the test's `dir` goes).
    func setup() throws -> (dir: TemporaryDirectory, trail: String, rules: String) {
        let d = try TemporaryDirectory("fw-detect-cli")
        let trail = try d.write(detectionTrail, to: "t.bsm")
        let rules = d.file("rules.yaml")
        try Data("""
        rules:
          - name: ssh-keys
            paths: ["/root/.ssh/", "/home/*/.ssh/"]
            events: [open, read, write, delete, rename]
            allow: [sshd, ssh-agent]
            severity: high
        """.utf8).write(to: URL(fileURLWithPath: rules))
        return (d, trail, rules)
    }

    @Test func rulesAndRansomwareOnATrail() throws {
        let (dir, trail, rules) = try setup()
        defer { dir.remove() }
        let r = try watch(["--read", trail, "--rules", rules, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let objs = try r.out.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let alerting = objs.filter { $0["alert"] != nil }
        #expect(alerting.count == 2, "\(r.out)")
        let rule = try #require(alerting.first?["alert"] as? [String: Any])
        #expect(rule["rule"] as? String == "ssh-keys")
        #expect(rule["severity"] as? String == "high")
        #expect((rule["process"] as? [String: Any])?["pid"] as? Int == 30)
        let ransom = try #require(alerting.last?["alert"] as? [String: Any])
        #expect(ransom["type"] as? String == "ransomware")
        #expect(alerting.last?["dest_path"] as? String == "/srv/docs/report4.docx.locked", "flagged at the 5th file")
        #expect((ransom["evidence"] as? [Any])?.count == 5)
        #expect(r.stderr.contains("alerts: 2 (critical 1, high 1)"), "\(r.stderr)")
    }

    @Test func textMarksAlertsAndKindFiltersDoNotHideThem() throws {
        let (dir, trail, rules) = try setup()
        defer { dir.remove() }
        // --event stat hides every event of the trail, but not the alerting ones (kinds only affect display).
        let r = try watch(["--read", trail, "--rules", rules, "--color", "never", "--event", "stat"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("  !! ALERT [high] rule ssh-keys: ") })
        #expect(lines.contains { $0.hasPrefix("  !! ALERT [critical] ransomware: possible ransomware: locker (pid 40") })
        #expect(lines.filter { $0.contains("Detected") }.count == 2)
    }

    @Test func pathAndProcessFiltersScopeDetection() throws {
        let (dir, trail, rules) = try setup()
        defer { dir.remove() }
        let p = try watch(["--read", trail, "--rules", rules, "--format", "json", "-p", "locker"])
        #expect(p.out.split(separator: "\n").filter { $0.contains("\"alert\":") }.count == 1, "only the ransomware alert")
        let u = try watch(["--read", trail, "--rules", rules, "--format", "json", "--under", "/root"])
        let alerts = u.out.split(separator: "\n").filter { $0.contains("\"alert\":") }
        #expect(alerts.count == 1 && alerts[0].contains("\"rule\":\"ssh-keys\""))
        let x = try watch(["--read", trail, "--rules", rules, "--format", "json", "--exclude-process", "locker", "--exclude-process", "cat"])
        #expect(!x.out.contains("\"alert\":"))
    }

    @Test func onAlertGetsJSONOnStdin() throws {
        let (d, trail, rules) = try setup()
        defer { d.remove() }
        let out = d.file("alerts.jsonl")
        let r = try watch(["--read", trail, "--rules", rules, "--no-ransomware", "--on-alert", "tee -a '\(out)'", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 1)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(obj["rule"] as? String == "ssh-keys")
        #expect(obj["path"] as? String == "/root/.ssh/id_rsa")
        #expect(r.stderr.contains("on-alert command: 1 run"))
    }

    @Test func thresholdOptionAndBadRulesFile() throws {
        let (d, trail, _) = try setup()
        defer { d.remove() }
        // 6 renames 1 s apart. Threshold 2: the first alert at the 2nd; then at most one per window.
        let r = try watch(["--read", trail, "--ransomware", "--ransomware-threshold", "2", "--format", "json"])
        #expect(r.out.split(separator: "\n").filter { $0.contains("\"alert\":") }.count == 1)
        let w = try watch(["--read", trail, "--ransomware-threshold", "2", "--ransomware-window", "1.5", "--format", "json"])
        let alerts = w.out.split(separator: "\n").filter { $0.contains("\"alert\":") }
        #expect(alerts.count == 3, "window 1.5 s: alerts at the 2nd, 4th and 6th rename")

        let bad = d.file("bad.yaml")
        try Data("rules:\n  - name: x\n    paths: [/a\n".utf8).write(to: URL(fileURLWithPath: bad))
        let out = d.file("never-created")
        let b = try watch(["--read", trail, "--rules", bad, "-o", out])
        #expect(b.status == 1)
        #expect(b.stderr.hasPrefix("filewatcher: invalid rules file: \(bad):"), "\(b.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing starts with a bad rules file")

        let v = try watch(["--read", trail, "--no-ransomware", "--stop-offenders"])
        #expect(v.status == 2)
        let replayStop = try watch(["--read", trail, "--ransomware", "--stop-offenders"])
        #expect(replayStop.status == 2 && replayStop.stderr.contains("acts on live processes"), "\(replayStop.stderr)")
        let n = try watch(["--read", trail, "--on-alert", "x"])
        #expect(n.status == 2 && n.stderr.contains("--on-alert needs"))
    }

    @Test func bsmOutputGetsAlertsOnStandardError() throws {
        let (d, trail, rules) = try setup()
        defer { d.remove() }
        let out = d.file("copy.bsm")
        let r = try watch(["--read", trail, "--rules", rules, "--format", "bsm", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("  !! ALERT [high] rule ssh-keys: "))
        #expect(r.stderr.contains("  !! ALERT [critical] ransomware: "))
    }
}
