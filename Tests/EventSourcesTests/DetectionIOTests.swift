import Foundation
import Synchronization
import Testing
import TestSupport
@testable import EventSources
import FileWatchCore

private func closeEvent(_ path: String, pid: Int32 = 1234, name: String = "x") -> Event {
    Event(time: 1, kind: .close, process: ProcessSubject(pid: pid, name: ByteString(name)), path: ByteString(path),
          closeAfterWrite: true, source: .trail)
}

private func read(_ reader: ContentReader, _ event: Event, max: Int = 1 << 20) -> Result<[UInt8], ContentUnavailable> {
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: max, alignment: 8)
    defer { buf.deallocate() }
    return reader.readPrefix(of: event, into: buf).map { Array(buf[..<$0]) }
}

@Suite struct ContentReaderTests {
    @Test func pathReaderReadsPrefixOfRegularFiles() throws {
        let dir = try TemporaryDirectory("fw-detect")
        defer { dir.remove() }
        let d = dir.path
        let p = d + "/f.bin"
        let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(data).write(to: URL(fileURLWithPath: p))
        let r = PathContentReader()
        #expect(try read(r, closeEvent(p)).get() == data)
        #expect(try read(r, closeEvent(p), max: 1000).get() == Array(data.prefix(1000)))
    }

    @Test func pathReaderRefusesSymlinksFifosDirectoriesAndMissingFiles() throws {
        let dir = try TemporaryDirectory("fw-detect")
        defer { dir.remove() }
        let d = dir.path
        try Data("secret".utf8).write(to: URL(fileURLWithPath: d + "/target"))
        try FileManager.default.createSymbolicLink(atPath: d + "/link", withDestinationPath: d + "/target")
        #expect(mkfifo(d + "/fifo", 0o600) == 0)
        let r = PathContentReader()
        if case .failure(let e) = read(r, closeEvent(d + "/link")) { #expect(e.reason.contains("open")) } else { Issue.record("followed a symlink") }
        // A FIFO with no writer must not block.
        if case .success = read(r, closeEvent(d + "/fifo")) { Issue.record("read a FIFO") }
        if case .success = read(r, closeEvent(d)) { Issue.record("read a directory") }
        if case .success = read(r, closeEvent(d + "/missing")) { Issue.record("read a missing file") }
    }

    @Test func lentDescriptorBeatsARaceWithDelete() throws {
        let dir = try TemporaryDirectory("fw-detect")
        defer { dir.remove() }
        let d = dir.path
        let p = d + "/victim"
        try Data([UInt8](repeating: 7, count: 5000)).write(to: URL(fileURLWithPath: p))
        let fd = open(p, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        unlink(p) // gone by path, still readable through the descriptor
        let r = LentDescriptorContentReader()
        let ev = closeEvent(p)
        let viaLending = r.lending(fd) { read(r, ev) }
        #expect(try viaLending.get().count == 5000)
        // Lend for one event: used once, only for that event.
        r.lend(fd, for: ev)
        #expect(throws: ContentUnavailable.self) { try read(r, closeEvent(p + "x")).get() }
        var enriched = ev
        enriched.process.user = "root" // the pipeline adds user names before detection
        #expect(try read(r, enriched).get().count == 5000)
        #expect(throws: ContentUnavailable.self) { try read(r, ev).get() } // used up; path is gone
        #expect(r.lentReads == 2)
        #expect(r.fallbackReads == 2)
    }
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct ResponderTests {
    func alert(pid: Int32, name: String, origin: AlertOrigin = .ransomware) -> Alert {
        Alert(time: 0, origin: origin, severity: .critical, process: ProcessSubject(pid: pid, name: ByteString(name)),
              eventKind: .close, path: "/x", reason: "test")
    }

    @Test func stopsTheOffenderAndSaysHowToResume() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        let pid = child.processIdentifier
        let lines = Mutex<[String]>([])
        let stopper = OffenderStopper(report: { l in lines.withLock { $0.append(l) } })

        // Rule alerts are not stopped (only ransomware and rules with `stop: true`, unless includeRules).
        var ruleAlert = alert(pid: pid, name: "sleep", origin: .rule("r"))
        stopper.respond(to: &ruleAlert)
        #expect(ruleAlert.responses.isEmpty)
        var stoppingRule = alert(pid: pid, name: "other", origin: .rule("r"))
        stoppingRule.stopsOffender = true
        stopper.respond(to: &stoppingRule)
        #expect(stoppingRule.responses.first?.hasPrefix("not stopped: pid \(pid) is now sleep") == true)

        // A pid whose name no longer matches is left alone.
        var wrong = alert(pid: pid, name: "other")
        stopper.respond(to: &wrong)
        #expect(wrong.responses.first?.hasPrefix("not stopped") == true)
        #expect(wrong.stopped == nil)

        var a = alert(pid: pid, name: "sleep")
        stopper.respond(to: &a)
        #expect(a.responses.first?.hasPrefix("stopped pid \(pid) with SIGSTOP") == true)
        #expect(a.stopped == StoppedProcess(pid: pid, name: "sleep"))
        #expect(a.responses.first?.contains("kill -CONT \(pid)") == true)
        #expect(lines.withLock { $0.last?.contains("kill -KILL \(pid)") } == true)
        var state: String?
        for _ in 0..<100 { state = OffenderStopper.state(of: pid); if state == "T" { break }; usleep(10_000) }
        #expect(state == "T")
        kill(pid, SIGCONT)
    }

    @Test func neverStopsItselfOrInit() {
        let stopper = OffenderStopper(report: { _ in })
        for pid in [getpid(), 1, 0, getppid()] {
            var a = alert(pid: pid, name: "x")
            stopper.respond(to: &a)
            #expect(a.responses == ["not stopped: pid \(pid) is protected"])
        }
    }

    @Test func runsTheCommandWithTheAlertOnStdin() throws {
        let dir = try TemporaryDirectory("fw-detect")
        defer { dir.remove() }
        let d = dir.path
        let out = d + "/alerts.jsonl"
        let reports = Mutex<[String]>([])
        let runner = AlertCommandRunner(argv: ["tee", "-a", out], maxConcurrent: 2, maxQueued: 100,
                                        encode: { $0.jsonLine }, report: { l in reports.withLock { $0.append(l) } })
        for i in 0..<10 {
            var a = alert(pid: Int32(1000 + i), name: "p\(i)")
            runner.respond(to: &a)
            #expect(a.responses.first?.hasPrefix("on-alert command") == true)
        }
        #expect(runner.finish(waitingUpTo: 10))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 10)
        var pids = Set<Int>()
        for line in lines {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(obj["type"] as? String == "ransomware")
            pids.insert(try #require((obj["process"] as? [String: Any])?["pid"] as? Int))
        }
        #expect(pids == Set(1000..<1010))
        #expect(runner.counts.started == 10)
        #expect(runner.counts.failed == 0)
        #expect(reports.withLock { $0.isEmpty })
    }

    @Test func boundedAndNonBlocking() throws {
        let reports = Mutex<[String]>([])
        let runner = AlertCommandRunner(argv: ["sleep", "0.3"], maxConcurrent: 1, maxQueued: 1,
                                        encode: { $0.jsonLine }, report: { l in reports.withLock { $0.append(l) } })
        let start = DispatchTime.now()
        var responses: [String] = []
        for i in 0..<5 {
            var a = alert(pid: Int32(2000 + i), name: "p")
            runner.respond(to: &a)
            responses += a.responses
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        #expect(elapsed < 0.1, "respond must not wait for the command (took \(elapsed) s)")
        #expect(responses == ["on-alert command started", "on-alert command queued",
                              "on-alert command skipped: too many running", "on-alert command skipped: too many running",
                              "on-alert command skipped: too many running"])
        #expect(runner.finish(waitingUpTo: 5))
        #expect(runner.counts == (started: 2, failed: 0, dropped: 3))
        #expect(reports.withLock { $0.count } == 3)
    }

    @Test func reportsMissingCommandsAndFailures() throws {
        let reports = Mutex<[String]>([])
        let missing = AlertCommandRunner(argv: ["/nonexistent/cmd"], encode: { $0.jsonLine },
                                         report: { l in reports.withLock { $0.append(l) } })
        var a = alert(pid: 5, name: "p")
        missing.respond(to: &a)
        let failing = AlertCommandRunner(argv: ["false"], encode: { $0.jsonLine },
                                         report: { l in reports.withLock { $0.append(l) } })
        failing.respond(to: &a)
        #expect(missing.finish(waitingUpTo: 5) && failing.finish(waitingUpTo: 5))
        let r = reports.withLock { $0 }
        #expect(r.contains { $0.contains("posix_spawnp") && $0.contains("/nonexistent/cmd") })
        #expect(r.contains { $0.contains("false exited with status 1") })
    }
}

@Suite struct RulesFileTests {
    @Test func loadsAndReportsLines() throws {
        let dir = try TemporaryDirectory("fw-detect")
        defer { dir.remove() }
        let d = dir.path
        try Data("rules:\n  - name: a\n    paths: /x/\n".utf8).write(to: URL(fileURLWithPath: d + "/ok.yaml"))
        #expect(try RulesFile.load(path: d + "/ok.yaml").rules.count == 1)
        try Data("rules:\n  - name: a\n    paths: /x/\n    severity: huge\n".utf8).write(to: URL(fileURLWithPath: d + "/bad.yaml"))
        #expect(throws: RulesError.self) { try RulesFile.load(path: d + "/bad.yaml") }
        do { _ = try RulesFile.load(path: d + "/bad.yaml") } catch { #expect(error.line == 4); #expect(error.description.hasPrefix(d + "/bad.yaml:4:")) }
        try Data([0x72, 0x75, 0x6C, 0x65, 0x73, 0x3A, 0x0A, 0x23, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: d + "/bin.yaml"))
        do { _ = try RulesFile.load(path: d + "/bin.yaml"); Issue.record("accepted non-UTF-8") } catch {
            #expect(error.line == 2)
            #expect(error.message.contains("byte offset 8"))
        }
        do { _ = try RulesFile.load(path: d + "/missing.yaml"); Issue.record("no error") } catch {
            #expect(error.message.contains("cannot read"))
        }
    }
}
