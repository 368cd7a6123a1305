import BSM
import Foundation
import Testing
@testable import FileWatchCore

@Suite struct AlertOutputTests {
    let process = ProcessSubject(pid: 99, ppid: 1, name: "evil", executable: ByteString(Array("/tmp/ev".utf8) + [0xFF]), uid: 0, user: "root")

    func ransomwareAlert() -> Alert {
        Alert(time: 1_700_000_000_123_456, origin: .ransomware, severity: .critical, process: process, eventKind: .rename,
              path: "/d/a.txt", destinationPath: "/d/a.txt.locked", reason: "possible ransomware: \"quoted\"",
              evidence: [SuspiciousFile(time: 1_700_000_000_000_000, path: "/d/a.txt",
                                        reason: .encryptedContent(entropy: 7.99812, piErrorPercent: 0.4567)),
                         SuspiciousFile(time: 1_700_000_000_100_000, path: "/d/b.txt.locked",
                                        reason: .renamedExtension(from: "txt", to: "locked")),
                         SuspiciousFile(time: 1_700_000_000_100_001, path: "/d/c", reason: .deletedAfterRead)],
              responses: ["stopped pid 99 with SIGSTOP; resume it: kill -CONT 99; end it: kill -KILL 99"])
    }

    @Test func alertJSONIsValidAndComplete() throws {
        let line = ransomwareAlert().jsonLine
        #expect(line.last == UInt8(ascii: "\n"))
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(obj["type"] as? String == "ransomware")
        #expect(obj["severity"] as? String == "critical")
        #expect(obj["time"] as? String == "2023-11-14T22:13:20.123456Z")
        #expect(obj["event"] as? String == "rename")
        #expect(obj["dest_path"] as? String == "/d/a.txt.locked")
        #expect(obj["reason"] as? String == "possible ransomware: \"quoted\"")
        let p = try #require(obj["process"] as? [String: Any])
        #expect(p["pid"] as? Int == 99)
        #expect(p["exe"] as? String == "/tmp/ev\u{FFFD}")
        #expect(p["exe_base64"] as? String == Data(Array("/tmp/ev".utf8) + [0xFF]).base64EncodedString())
        let ev = try #require(obj["evidence"] as? [[String: Any]])
        #expect(ev.count == 3)
        #expect(ev[0]["check"] as? String == "encrypted-content")
        #expect(ev[0]["entropy"] as? Double == 7.9981)
        #expect(ev[0]["pi_error_percent"] as? Double == 0.457)
        #expect(ev[1]["to_extension"] as? String == "locked")
        #expect(ev[2]["check"] as? String == "deleted-after-read")
        #expect((obj["responses"] as? [String])?.first?.hasPrefix("stopped pid 99") == true)
    }

    @Test func sinksShowAlertsWithTheirEvent() throws {
        let rule = Alert(time: 5, origin: .rule("ssh-keys"), severity: .high, process: process, eventKind: .open,
                         path: "/root/.ssh/id_rsa", reason: "rule \"ssh-keys\": open of /root/.ssh/id_rsa by evil")
        var e = Event(time: 5, kind: .open, process: process, path: "/root/.ssh/id_rsa", source: .fanotify)
        e.alerts = [rule, ransomwareAlert()]

        let jm = MemoryWriter()
        try JSONSink(output: OutputBuffer(writer: jm, lineBuffered: false)).write(e)
        #expect(!jm.bytes.isEmpty, "alerts are flushed at once")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(jm.bytes)) as? [String: Any])
        #expect((obj["alert"] as? [String: Any])?["type"] as? String == "ransomware", "the most severe one")
        #expect((obj["alerts"] as? [[String: Any]])?.count == 2)
        #expect(((obj["alerts"] as? [[String: Any]])?.first)?["rule"] as? String == "ssh-keys")

        var plain = e
        plain.alerts = []
        let pm = MemoryWriter()
        let sink = JSONSink(output: OutputBuffer(writer: pm, lineBuffered: false))
        try sink.write(plain); try sink.flush()
        let pobj = try #require(try JSONSerialization.jsonObject(with: Data(pm.bytes)) as? [String: Any])
        #expect(pobj["alert"] == nil)

        let tm = MemoryWriter()
        try TextSink(output: OutputBuffer(writer: tm, lineBuffered: true), color: false, zone: UTCTime()).write(e)
        let lines = tm.text.split(separator: "\n").map(String.init)
        #expect(lines.count == 6, "\(lines)")
        #expect(lines[0].contains("Detected open event from evil (pid 99) -> /root/.ssh/id_rsa"))
        #expect(lines[1] == "  !! ALERT [high] rule ssh-keys: rule \"ssh-keys\": open of /root/.ssh/id_rsa by evil")
        #expect(lines[2].hasPrefix("  !! ALERT [critical] ransomware: possible ransomware"))
        #expect(lines[2].hasSuffix("[stopped pid 99 with SIGSTOP; resume it: kill -CONT 99; end it: kill -KILL 99]"))
        #expect(lines[3] == "       encrypted-content: /d/a.txt (entropy 7.998, pi error 0.46%)")
        #expect(lines[4] == "       renamed-extension: /d/b.txt.locked (.txt -> .locked)")
        #expect(lines[5] == "       deleted-after-read: /d/c")
    }

    @Test func detectionStageCountsAndForcesDisplay() throws {
        let rules = try RuleSet.parse(yaml: "rules:\n  - {name: keys, paths: /k/, severity: low}\n", file: "r")
        final class Tagger: AlertResponder {
            func respond(to alert: inout Alert) {
                alert.responses.append("stopped pid \(alert.process.pid) (test)")
                alert.stopped = [StoppedProcess(pid: alert.process.pid, name: "evil"), StoppedProcess(pid: 123, name: "child")]
            }
        }
        let stage = DetectionStage(rules: rules, ransomware: nil, responders: [Tagger()])
        var hit = Event(time: 1, kind: .open, process: process, path: "/k/x", source: .trail)
        var miss = Event(time: 2, kind: .open, process: process, path: "/j/x", source: .trail)
        #expect(stage.process(&hit))
        #expect(!stage.process(&miss))
        #expect(hit.alerts.count == 1)
        #expect(hit.alerts[0].responses == ["stopped pid 99 (test)"])
        #expect(miss.alerts.isEmpty)
        #expect(stage.counts.total == 1)
        #expect(stage.counts.stopped.map(\.pid) == [99, 123])
        #expect(stage.summaryLines.first == "alerts: 1 (low 1)")
        // Issue 17: the summary lists the stopped pids and how to resume them.
        #expect(stage.summaryLines.contains("  processes stopped: 2: 99 (evil), 123 (child)"), "\(stage.summaryLines)")
        #expect(stage.summaryLines.contains("    still stopped unless resumed since; resume them: kill -CONT 99 123; end them: kill -KILL 99 123"))
    }

    @Test func repeatedRuleAlertsAreNotRepeated() throws {
        let rules = try RuleSet.parse(yaml: "rules:\n  - {name: keys, paths: /k/}\n", file: "r")
        let stage = DetectionStage(rules: rules, ransomware: nil)
        func ev(_ kind: EventKind, _ t: Int64, pid: Int32 = 99, path: String = "/k/id") -> Event {
            Event(time: t, kind: kind, process: ProcessSubject(pid: pid, name: "cat"), path: ByteString(path), source: .fanotify)
        }
        #expect(stage.inspect(ev(.open, 0)).count == 1)
        #expect(stage.inspect(ev(.read, 10)).isEmpty, "same rule, process, file: not repeated")
        #expect(stage.inspect(ev(.close, 20)).isEmpty)
        #expect(stage.inspect(ev(.open, 30, pid: 100)).count == 1, "another process")
        #expect(stage.inspect(ev(.open, 40, path: "/k/other")).count == 1, "another file")
        #expect(stage.inspect(ev(.open, 2_000_000)).count == 1, "after the interval")
        #expect(stage.repeatsSuppressed == 2)
        #expect(stage.summaryLines.contains { $0.contains("2 repeated rule alerts not shown") })
        let all = DetectionStage(rules: rules, ransomware: nil, repeatInterval: 0)
        #expect(all.inspect(ev(.open, 0)).count == 1 && all.inspect(ev(.read, 1)).count == 1)
    }

    @Test func textPrinterShowsAlertsForOutputsThatCannot() {
        var lines: [String] = []
        let printer = AlertTextPrinter(write: { lines.append($0) })
        var a = ransomwareAlert()
        printer.respond(to: &a)
        #expect(lines.count == 1)
        #expect(lines[0].hasPrefix("  !! ALERT [critical] ransomware: possible ransomware"))
        #expect(lines[0].contains("[stopped pid 99"))
    }
}
