import BSM
import Foundation
import Testing
import TestSupport

private func subj(_ pid: UInt32) -> Token {
    .subject32(Subject(auid: 0, euid: 0, egid: 0, ruid: 0, rgid: 0, pid: pid, sid: 1, port: 0, address: .v4(0)))
}
private func pathTok(_ s: String) -> Token { .path(BSMBytes(Array(s.utf8) + [0])) }
private let ok: Token = .return32(ReturnToken(status: 0, value: 0))

/// cat (pid 30) reads an SSH key; sshd (pid 31) reads it too; pid 40 (locker) reads 6 documents in `docs`, writes
/// each one's encrypted copy NAME.locked and deletes the original, one document per second.
private func detectionTrail(docs: String) -> [UInt8] {
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
        let doc = "\(docs)/report\(i).docx", at = t + 3 + UInt64(i)
        records += [
            RecordBuilder(event: 72, seconds: at, tokens: [subj(40), pathTok(doc), ok]),               // open for reading
            RecordBuilder(event: 79, seconds: at, tokens: [subj(40), pathTok(doc + ".locked"), ok]),   // open write|create|trunc
            RecordBuilder(event: 112, seconds: at, tokens: [subj(40), pathTok(doc + ".locked"), ok]),  // close
            RecordBuilder(event: 6, seconds: at, tokens: [subj(40), pathTok(doc), ok]),                // unlink
        ]
    }
    for r in records { r.encode(into: &out) }
    return out
}

/// Random bytes (what an encryptor writes): the replay judges the .locked files as they are now.
private func writeLockedCopies(_ docs: String) throws {
    try FileManager.default.createDirectory(atPath: docs, withIntermediateDirectories: true)
    for i in 0..<6 {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<(128 << 10)).map { _ in UInt8.random(in: 0...255, using: &g) }
        try Data(bytes).write(to: URL(fileURLWithPath: "\(docs)/report\(i).docx.locked"))
    }
}

@Suite(.timeLimit(.minutes(3))) struct DetectionCommandTests {
    func setup() throws -> (dir: TemporaryDirectory, trail: String, rules: String) {
        let d = try TemporaryDirectory("fw-detect-cli")
        let trail = d.file("t.bsm")
        let docs = d.file("docs")
        try writeLockedCopies(docs)
        try Data(detectionTrail(docs: docs)).write(to: URL(fileURLWithPath: trail))
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
        let (d, trail, rules) = try setup()
        defer { d.remove() }
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
        #expect((alerting.last?["path"] as? String)?.hasSuffix("/docs/report4.docx") == true, "flagged at the 5th original deleted")
        let evidence = try #require(ransom["evidence"] as? [[String: Any]])
        #expect(evidence.count == 5)
        #expect(evidence.allSatisfy { $0["check"] as? String == "deleted-after-read" && $0["pid"] as? Int == 40 })
        #expect(r.stderr.contains("alerts: 2 (critical 1, high 1)"), "\(r.stderr)")
    }

    @Test func standardSchemasCarryTheAlerts() throws {
        let (d, trail, rules) = try setup()
        defer { d.remove() }
        func records(_ format: String) throws -> [[String: Any]] {
            let r = try watch(["--read", trail, "--rules", rules, "--format", format])
            #expect(r.status == 0, "\(r.stderr)")
            return try r.out.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        }
        let ecs = try records("ecs")
        let alerts = ecs.filter { ($0["event"] as? [String: Any])?["kind"] as? String == "alert" }
        #expect(alerts.compactMap { ($0["rule"] as? [String: Any])?["name"] as? String } == ["ssh-keys", "ransomware"])
        let ids = ecs.compactMap { ($0["event"] as? [String: Any])?["id"] as? String }
        #expect(Set(ids).count == ecs.count, "every record has its own event.id")
        let ocsf = try records("ocsf")
        #expect(ocsf.count == ecs.count + 2, "each alert is also a Detection Finding")
        let findings = ocsf.filter { $0["class_uid"] as? Int == 2004 }
        #expect(findings.compactMap { $0["severity_id"] as? Int } == [4, 5])
        #expect(ocsf.contains { $0["class_uid"] as? Int == 1007 && $0["activity_id"] as? Int == 1 }, "exec: Process Activity, Launch")
    }

    @Test func textMarksAlertsAndKindFiltersDoNotHideThem() throws {
        let (d, trail, rules) = try setup()
        defer { d.remove() }
        // --event stat hides every event of the trail, but not the alerting ones (kinds only affect display).
        let r = try watch(["--read", trail, "--rules", rules, "--color", "never", "--event", "stat"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("  !! ALERT [high] rule ssh-keys: ") })
        // Issue 17: the rule's name is said once.
        let ruleLine = try #require(lines.first { $0.hasPrefix("  !! ALERT [high] rule ssh-keys: ") })
        #expect(ruleLine.components(separatedBy: "ssh-keys").count == 2, "\(ruleLine)")
        #expect(ruleLine.hasPrefix("  !! ALERT [high] rule ssh-keys: open of /root/.ssh/id_rsa by cat (pid 30"), "\(ruleLine)")
        #expect(lines.contains { $0.hasPrefix("  !! ALERT [critical] ransomware: locker (pid 40") })
        #expect(lines.filter { $0.contains("Detected") }.count == 2)
    }

    @Test func pathAndProcessFiltersScopeDetection() throws {
        let (d, trail, rules) = try setup()
        defer { d.remove() }
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
        // 6 victims 1 s apart. Threshold 2: the first alert at the 2nd; then at most one per window.
        let r = try watch(["--read", trail, "--ransomware", "--ransomware-threshold", "2", "--format", "json"])
        #expect(r.out.split(separator: "\n").filter { $0.contains("\"alert\":") }.count == 1)
        let w = try watch(["--read", trail, "--ransomware-threshold", "2", "--ransomware-window", "1.5", "--format", "json"])
        let alerts = w.out.split(separator: "\n").filter { $0.contains("\"alert\":") }
        #expect(alerts.count == 3, "window 1.5 s: alerts at the 2nd, 4th and 6th victim")

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

    /// Issue 17: a command that cannot run is refused at start (exit 2), not "started" at the first alert.
    @Test func onAlertProgramsThatCannotRunAreRefused() throws {
        let (d, trail, rules) = try setup()
        defer { d.remove() }
        let script = d.file("notify.sh")
        try Data("#!/bin/sh\ncat >/dev/null\n".utf8).write(to: URL(fileURLWithPath: script))  // mode 0644: not executable
        let cases = [("/nonexistent/notify", "/nonexistent/notify: no such file"),
                     (script, "\(script): not executable"),
                     (d.path, "\(d.path): not a regular file"),
                     ("no-such-program-fw", "no-such-program-fw: no such program in PATH")]
        for (cmd, problem) in cases {
            let r = try watch(["--read", trail, "--rules", rules, "--on-alert", "'\(cmd)' --flag"])
            #expect(r.status == 2, "\(cmd): \(r.stderr)")
            #expect(r.stderr.contains("--on-alert: cannot run `\(cmd)`: \(problem)."), "\(r.stderr)")
            #expect(!r.stderr.contains("on-alert command: "), "nothing ran, no summary")
        }
        chmod(script, 0o755)
        let ok = try watch(["--read", trail, "--rules", rules, "--no-ransomware", "--on-alert", script, "--format", "json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.contains("on-alert command: 1 run"))
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
