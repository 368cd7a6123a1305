import Foundation
import Testing
@testable import FileWatchCore
import TestSupport

let schemaIdentity = RecordIdentity(hostName: "host1", hostID: "0123abcd", runID: "00000000000000ff",
                                    errnoName: { $0 == 13 ? "EACCES" : nil },
                                    errnoMessage: { $0 == 13 ? "Permission denied" : nil })

/// The records `events` make in `kind`, as parsed JSON objects (and the raw lines).
func schemaRecords(_ kind: RecordSchemaKind, _ events: [Event], firstSequence: UInt64 = 1) throws -> (objects: [[String: Any]], text: String) {
    let mem = MemoryWriter()
    let sink = SchemaSink(schema: kind.schema(schemaIdentity), output: OutputBuffer(writer: mem, lineBuffered: false),
                          firstSequence: firstSequence)
    for e in events { try sink.write(e) }
    try sink.finish()
    let objects = try mem.text.split(separator: "\n").map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
    return (objects, mem.text)
}

/// `obj["a"]["b"]…` for a dotted path.
func member(_ obj: [String: Any], _ dotted: String) -> Any? {
    var cur: Any? = obj
    for k in dotted.split(separator: ".") { cur = (cur as? [String: Any])?[String(k)] }
    return cur
}

/// One event of every kind, a failure, a rename, names that are hostile or not UTF-8, and alerts.
func schemaSampleEvents() -> [Event] {
    var events = EventKind.allCases.map { kind -> Event in
        var e = ev(kind, path: kind == .exec ? "/usr/bin/ls" : "/home/alice/report.txt", user: "alice")
        if kind == .rename || kind == .link { e.destinationPath = "/home/alice/report.old" }
        if kind == .exec { e.process.arguments = ["ls", "-l", "/tmp"]; e.process.ppid = 1 }
        if kind == .open { e.openFlags = [.read, .write] }
        if kind == .close { e.closeAfterWrite = true }
        return e
    }
    events.append(ev(.open, path: "/etc/shadow", result: .failure(errno: 13)))
    events.append(ev(.create, path: ByteString(Array("/tmp/evil\nname\u{1B}[31m".utf8)), dest: nil))
    events.append(ev(.write, path: ByteString([0x2F, 0x74, 0xFF, 0x78]), name: ByteString([0x6E, 0xFE])))
    var dir = ev(.create, path: "/tmp/newdir")
    dir.isDirectory = true
    events.append(dir)
    var alerted = ev(.write, path: "/home/alice/.ssh/id_rsa", user: "alice")
    alerted.alerts = [
        Alert(time: alerted.time, origin: .rule("ssh-keys"), severity: .high, process: alerted.process,
              eventKind: .write, path: alerted.path, reason: "ssh private key written"),
        Alert(time: alerted.time, origin: .ransomware, severity: .critical, process: alerted.process,
              eventKind: .write, path: alerted.path, reason: "12 files encrypted",
              evidence: [SuspiciousFile(time: alerted.time, path: "/home/alice/a.doc",
                                        reason: .encryptedContent(entropy: 7.99, piErrorPercent: 0.2))]),
    ]
    events.append(alerted)
    return events
}

@Suite struct ECSSchemaTests {
    @Test func everyKindMapsToCategoryTypeAndAction() throws {
        let (records, _) = try schemaRecords(.ecs, EventKind.allCases.map { ev($0) })
        #expect(records.count == EventKind.allCases.count)
        for (kind, r) in zip(EventKind.allCases, records) {
            let m = ECSSchema.mapping(kind)
            #expect(member(r, "event.category") as? [String] == ["\(m.category)"])
            #expect(member(r, "event.type") as? [String] == ["\(m.type)"])
            #expect(member(r, "event.action") as? String == "\(m.action)")
            #expect(member(r, "event.kind") as? String == "event")
            #expect(member(r, "ecs.version") as? String == "8.11.0")
        }
        #expect(member(records[EventKind.exec.index], "event.category") as? [String] == ["process"])
        #expect(member(records[EventKind.exit.index], "event.type") as? [String] == ["end"])
    }

    @Test func identityTimeProcessUserHost() throws {
        var e = ev(.exec, path: "/usr/bin/ls", user: "alice")
        e.process.arguments = ["ls", "-l"]
        e.process.ppid = 1
        let (r, _) = try schemaRecords(.ecs, [e, ev()], firstSequence: 41)
        #expect(member(r[0], "@timestamp") as? String == "2023-11-14T22:13:20.123456Z")
        #expect(member(r[0], "event.sequence") as? Int == 41)
        #expect(member(r[1], "event.sequence") as? Int == 42)
        #expect(member(r[0], "event.id") as? String == "0123abcd-00000000000000ff-41")
        #expect(member(r[0], "process.pid") as? Int == 10)
        #expect(member(r[0], "process.name") as? String == "Vim")
        #expect(member(r[0], "process.executable") as? String == "/usr/bin/vim")
        #expect(member(r[0], "process.args") as? [String] == ["ls", "-l"])
        #expect(member(r[0], "process.args_count") as? Int == 2)
        #expect(member(r[0], "process.parent.pid") as? Int == 1)
        #expect(member(r[0], "user.id") as? String == "1000")
        #expect(member(r[0], "user.name") as? String == "alice")
        #expect(member(r[0], "host.name") as? String == "host1")
        #expect(member(r[0], "host.id") as? String == "0123abcd")
        #expect(member(r[0], "agent.type") as? String == "filewatcher")
        #expect(member(r[0], "agent.version") as? String == FileWatcherVersion.current)
    }

    @Test func fileFieldsAndRenameAsElasticEndpoint() throws {
        let (r, _) = try schemaRecords(.ecs, [ev(.open, path: "/home/alice/report.txt"),
                                              ev(.rename, path: "/a/old.txt", dest: "/b/new.txt")])
        #expect(member(r[0], "file.path") as? String == "/home/alice/report.txt")
        #expect(member(r[0], "file.name") as? String == "report.txt")
        #expect(member(r[0], "file.directory") as? String == "/home/alice")
        #expect(member(r[1], "file.path") as? String == "/b/new.txt")
        #expect(member(r[1], "file.name") as? String == "new.txt")
        #expect(member(r[1], "file.Ext.original.path") as? String == "/a/old.txt")
        #expect(member(r[1], "file.Ext.original.name") as? String == "old.txt")
    }

    @Test func failureOutcomeAndErrorCode() throws {
        let (r, _) = try schemaRecords(.ecs, [ev(.open, path: "/etc/shadow", result: .failure(errno: 13))])
        #expect(member(r[0], "event.outcome") as? String == "failure")
        #expect(member(r[0], "error.code") as? String == "EACCES")
        #expect(member(r[0], "error.message") as? String == "Permission denied")
        #expect(member(r[0], "filewatcher.errno") as? Int == 13)
    }

    @Test func alertsAreAlertKindWithRuleAndSeverity() throws {
        let alerted = schemaSampleEvents().last!
        let (r, _) = try schemaRecords(.ecs, [alerted])
        #expect(r.count == 1)
        #expect(member(r[0], "event.kind") as? String == "alert")
        #expect(member(r[0], "rule.name") as? String == "ransomware", "the most severe alert")
        #expect(member(r[0], "rule.description") as? String == "12 files encrypted")
        #expect(member(r[0], "event.severity") as? Int == 99)
        let all = try #require(member(r[0], "filewatcher.alerts") as? [[String: Any]])
        #expect(all.map { $0["type"] as? String } == ["rule", "ransomware"])
    }

    @Test func hostileAndNonUTF8NamesSurviveExactly() throws {
        let events = schemaSampleEvents()
        let hostile = events.first { $0.path?.bytes.contains(0x1B) == true }!
        let binary = events.first { $0.path?.bytes.contains(0xFF) == true }!
        let (r, text) = try schemaRecords(.ecs, [hostile, binary])
        #expect(!text.utf8.contains(0x1B), "ESC is escaped in the JSON text")
        #expect(text.split(separator: "\n").count == 2, "a newline in a name never splits a record")
        #expect(member(r[0], "file.path") as? String == "/tmp/evil\nname\u{1B}[31m")
        #expect(member(r[0], "filewatcher.base64") == nil)
        let exact = try #require(member(r[1], "filewatcher.base64") as? [String: Any])
        #expect(exact["file.path"] as? String == Data([0x2F, 0x74, 0xFF, 0x78]).base64EncodedString())
        #expect(exact["file.name"] as? String == Data([0x74, 0xFF, 0x78]).base64EncodedString())
        #expect(exact["process.name"] as? String == Data([0x6E, 0xFE]).base64EncodedString())
    }
}

@Suite struct OCSFSchemaTests {
    @Test func classesActivitiesAndFindings() throws {
        let events = schemaSampleEvents()
        let (r, _) = try schemaRecords(.ocsf, events)
        #expect(r.count == events.count + 2, "each alert is a Detection Finding of its own")
        for (kind, rec) in zip(EventKind.allCases, r) {
            let a = OCSFSchema.activity(kind)
            #expect(rec["class_uid"] as? Int == Int(a.classUID))
            #expect(rec["activity_id"] as? Int == Int(a.id))
            #expect(rec["type_uid"] as? Int == Int(a.classUID * 100 + a.id))
            #expect(rec["time"] as? Int == 1_700_000_000_123)
        }
        let rename = r[EventKind.rename.index]
        #expect(member(rename, "file.path") as? String == "/home/alice/report.txt")
        #expect(member(rename, "file_result.path") as? String == "/home/alice/report.old")
        let exec = r[EventKind.exec.index]
        #expect(member(exec, "process.cmd_line") as? String == "ls -l /tmp")
        #expect(member(exec, "process.file.path") as? String == "/usr/bin/ls")
        #expect(member(exec, "actor.process.pid") as? Int == 1)
        let failed = r[EventKind.allCases.count]
        #expect(failed["status_id"] as? Int == 2)
        #expect(failed["status_code"] as? String == "EACCES")
        let activity = r[r.count - 3], rule = r[r.count - 2], ransomware = r[r.count - 1]
        #expect(activity["class_uid"] as? Int == 1001)
        #expect(rule["class_uid"] as? Int == 2004)
        #expect(rule["severity_id"] as? Int == 4)
        #expect(ransomware["severity_id"] as? Int == 5)
        #expect(member(rule, "finding_info.analytic.name") as? String == "ssh-keys")
        let related = try #require(member(ransomware, "finding_info.related_events") as? [[String: Any]])
        #expect(related.first?["uid"] as? String == member(activity, "metadata.uid") as? String)
        let sequences = r.compactMap { member($0, "metadata.sequence") as? Int }
        #expect(sequences == Array(1...r.count), "every record numbered, in order")
    }

    @Test(.needsOCSFValidator) func realValidatorAcceptsEveryRecord() throws {
        let (_, text) = try schemaRecords(.ocsf, schemaSampleEvents())
        let dir = try TemporaryDirectory("fw-ocsf")
        defer { dir.remove() }
        let file = try dir.write(text, to: "records.jsonl")
        let (status, output) = try runValidator(file)
        #expect(status == 0, "ocsf-validate.py: \(output)")
    }

    @Test(.needsOCSFValidator) func realValidatorRejectsWhatIsNotOCSF() throws {
        // The validator must be able to fail: an unknown activity, and an attribute OCSF lacks.
        let (_, text) = try schemaRecords(.ocsf, [ev(.open)])
        let bad = text.replacingOccurrences(of: "\"activity_id\":14", with: "\"activity_id\":77")
            .replacingOccurrences(of: "\"actor\":{", with: "\"actor\":{\"bogus\":1,")
        let dir = try TemporaryDirectory("fw-ocsf")
        defer { dir.remove() }
        let (status, output) = try runValidator(try dir.write(bad, to: "bad.jsonl"))
        #expect(status == 1)
        #expect(output.contains("activity_id"))
        #expect(output.contains("actor.bogus"))
    }

    private func runValidator(_ file: String) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnvironment.ocsfPython!)
        p.arguments = [TestEnvironment.packageRoot + "/scripts/ocsf-validate.py", file]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        p.killIfRunning()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
