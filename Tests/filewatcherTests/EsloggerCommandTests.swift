import Foundation
import Testing
import TestSupport

/// One eslogger line: `event` (the `event` object's content) by pid `pid`, at second `second`.
func esloggerLine(_ event: String, pid: Int, exe: String, global: Int, second: Int) -> String {
    "{\"schema_version\":1,\"version\":8,\"global_seq_num\":\(global),\"seq_num\":\(global),"
        + "\"time\":\"2026-03-14T09:00:\(second < 10 ? "0" : "")\(second).000000000Z\",\"event_type\":10,"
        + "\"process\":{\"audit_token\":{\"pid\":\(pid),\"pidversion\":7,\"euid\":0,\"ruid\":0},\"ppid\":1,"
        + "\"executable\":{\"path\":\"\(exe)\",\"path_truncated\":false}},\"event\":{\(event)}}\n"
}

func esFile(_ path: String) -> String { "{\"path\":\"\(path)\",\"path_truncated\":false}" }

@Suite(.timeLimit(.minutes(3))) struct EsloggerCommandTests {
    func jsonObjects(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test(arguments: EsloggerFixtures.releases)
    func replayIsRecognizedFromTheFirstBytes(file: String) throws {
        let r = try watch(["--read", EsloggerFixtures.path(file), "--format", "json", "-a"])
        #expect(r.status == 0, "\(r.stderr)")
        let objs = try jsonObjects(r.out)
        #expect(objs.count == 18)
        #expect(objs.allSatisfy { $0["source"] as? String == "eslogger" })
        #expect(objs.map { $0["event"] as? String } == ["other", "exec", "open", "close", "create", "open", "write", "close",
                                                        "rename", "rename", "link", "write", "attrib", "attrib", "attrib",
                                                        "delete", "create", "exit"])
        #expect(objs[8]["dest_path"] as? String == "/Users/alice/project/out.txt")
        let exec = try #require(objs[1]["process"] as? [String: Any])
        #expect(exec["pidversion"] as? Int == 12)
        #expect(exec["args"] as? [String] == ["python3", "work.py", "--fast"])
        #expect(exec["signing_id"] as? String == "com.apple.python3")
        #expect(exec["cdhash"] as? String == "0123456789abcdef0123456789abcdef01234567")
        #expect((objs[1]["es_event"] as? [String: Any])?["cwd"] as? String == "/Users/alice/project")
        #expect(r.stderr.contains("18 events seen"), "\(r.stderr)")
        // --input eslogger says the same.
        let named = try watch(["--read", EsloggerFixtures.path(file), "--input", "eslogger", "--format", "json", "-a"])
        #expect(named.out == r.out)
    }

    @Test func standardInputIsRecognizedToo() throws {
        let file = EsloggerFixtures.path("macos26.jsonl")
        let fromFile = try watch(["--read", file, "--format", "json", "-a", "--no-summary"])
        let piped = try run(["--read", "-", "--format", "json", "-a", "--no-summary"], stdin: Data(try EsloggerFixtures.bytes("macos26.jsonl")))
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.out == fromFile.out)
        let garbage = try run(["--read", "-"], stdin: Data("hello, this is no recording at all\n".utf8))
        #expect(garbage.status == 1)
        #expect(garbage.stderr.contains("standard input: not a recognized recording"), "\(garbage.stderr)")
    }

    @Test func damagedLinesAreSkippedReportedAndFailTheRun() throws {
        let d = try TemporaryDirectory("fw-es-damage")
        defer { d.remove() }
        var lines = try EsloggerFixtures.lines("macos14.jsonl").map { String(decoding: $0, as: UTF8.self) }
        lines.insert("not json at all", at: 1)
        lines.insert(String(lines[5].prefix(300)), at: 5)  // a line cut short
        let path = try d.write(lines.joined(separator: "\n") + "\n", to: "damaged.jsonl")
        let r = try watch(["--read", path, "--format", "json", "-a"])
        #expect(r.status == 1)
        #expect(try jsonObjects(r.out).count == 18, "every valid line is kept")
        #expect(r.stderr.contains("damaged.jsonl: damaged input at byte offset"), "\(r.stderr)")
        #expect(r.stderr.contains("line 2 skipped: not eslogger JSON"), "\(r.stderr)")
        #expect(r.stderr.contains("line 6 skipped: not eslogger JSON (unexpected end of input"), "\(r.stderr)")
        #expect(r.stderr.contains("damaged.jsonl: 2 of 20 lines skipped (2 not JSON)"), "\(r.stderr)")
    }

    @Test func sequenceGapsAreReportedAsLoss() throws {
        let r = try watch(["--read", EsloggerFixtures.path("special.jsonl"), "--format", "json", "-a"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("events lost: 4 ("), "\(r.stderr)")
        #expect(r.stderr.contains("4 lost (1 loss report)"), "\(r.stderr)")
        #expect(r.stderr.contains("version 11"), "\(r.stderr)")
    }

    /// cat (pid 30) reads an SSH key, sshd (31) too; locker (40) reads six documents and writes each
    /// back encrypted (close with modified: true): a rule alert and a ransomware alert.
    @Test func rulesAndRansomwareOnEsloggerInput() throws {
        let d = try TemporaryDirectory("fw-es-detect")
        defer { d.remove() }
        let docs = d.file("docs")
        try FileManager.default.createDirectory(atPath: docs, withIntermediateDirectories: true)
        var g = SystemRandomNumberGenerator()
        var text = esloggerLine("\"open\":{\"fflag\":1,\"file\":\(esFile("/Users/alice/.ssh/id_ed25519"))}",
                                pid: 30, exe: "/bin/cat", global: 1, second: 1)
        text += esloggerLine("\"open\":{\"fflag\":1,\"file\":\(esFile("/Users/alice/.ssh/id_ed25519"))}",
                             pid: 31, exe: "/usr/sbin/sshd", global: 2, second: 2)
        var global = 3
        for i in 0..<6 {
            let doc = "\(docs)/report\(i).docx"
            // What the encryptor left: random bytes in place of the document.
            try Data((0..<(64 << 10)).map { _ in UInt8.random(in: 0...255, using: &g) }).write(to: URL(fileURLWithPath: doc))
            for (event, _) in [("\"open\":{\"fflag\":1,\"file\":\(esFile(doc))}", 0),
                               ("\"close\":{\"modified\":false,\"target\":\(esFile(doc))}", 0),
                               ("\"open\":{\"fflag\":3,\"file\":\(esFile(doc))}", 0),
                               ("\"write\":{\"target\":\(esFile(doc))}", 0),
                               ("\"close\":{\"modified\":true,\"target\":\(esFile(doc))}", 0)] {
                text += esloggerLine(event, pid: 40, exe: "/tmp/locker", global: global, second: 3 + i)
                global += 1
            }
        }
        let input = try d.write(text, to: "capture.jsonl")
        let rules = try d.write("""
            rules:
              - name: ssh-keys
                paths: ["/Users/*/.ssh/"]
                events: [open, read, write, delete, rename]
                allow: [sshd]
                severity: high
            """, to: "rules.yaml")
        let r = try watch(["--read", input, "--rules", rules, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let alerting = try jsonObjects(r.out).filter { $0["alert"] != nil }
        #expect(alerting.count == 2, "\(r.out)")
        let rule = try #require(alerting.first?["alert"] as? [String: Any])
        #expect(rule["rule"] as? String == "ssh-keys")
        #expect((rule["process"] as? [String: Any])?["pid"] as? Int == 30)
        let ransom = try #require(alerting.last?["alert"] as? [String: Any])
        #expect(ransom["type"] as? String == "ransomware", "\(ransom)")
        #expect((ransom["process"] as? [String: Any])?["pid"] as? Int == 40)
        #expect(alerting.last?["event"] as? String == "close")
        #expect(r.stderr.contains("alerts: 2 (critical 1, high 1)"), "\(r.stderr)")
    }
}
