import Foundation
import Synchronization
import Testing
@testable import EventSources
import FileWatchCore
import TestSupport

private func tempDir() throws -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("fw-detect-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

private func closeEvent(_ path: String, pid: Int32 = 1234, name: String = "x") -> Event {
    Event(time: 1, kind: .close, process: ProcessSubject(pid: pid, name: ByteString(name)), path: ByteString(path),
          closeAfterWrite: true, source: .trail)
}

private func read(_ reader: ContentReader, _ event: Event, max: Int = 1 << 20) -> Result<[UInt8], ContentUnavailable> {
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: max, alignment: 8)
    defer { buf.deallocate() }
    return reader.readPrefix(of: event, into: buf).map { Array(buf[..<$0.count]) }
}

@Suite struct ContentReaderTests {
    @Test func pathReaderReadsPrefixOfRegularFiles() throws {
        let d = try tempDir()
        let p = d + "/f.bin"
        let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(data).write(to: URL(fileURLWithPath: p))
        let r = PathContentReader()
        #expect(try read(r, closeEvent(p)).get() == data)
        #expect(try read(r, closeEvent(p), max: 1000).get() == Array(data.prefix(1000)))
    }

    @Test func pathReaderRefusesSymlinksFifosDirectoriesAndMissingFiles() throws {
        let d = try tempDir()
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
        let d = try tempDir()
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

/// Builds a small C program in a temporary directory; nil without a C compiler.
func buildC(_ name: String, _ source: String) throws -> String? {
    guard let cc = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        return nil
    }
    let dir = try tempDir()
    try Data(source.utf8).write(to: URL(fileURLWithPath: dir + "/\(name).c"))
    let p = Process()
    p.executableURL = URL(fileURLWithPath: cc)
    p.arguments = ["-O1", "-o", dir + "/" + name, dir + "/\(name).c"]
    try p.run()
    p.waitUntilExit(orKillAfter: Process.testChildBound)
    return p.terminationStatus == 0 ? dir + "/" + name : nil
}

let hasCompiler = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].contains { FileManager.default.isExecutableFile(atPath: $0) }

/// Renames itself (`prctl(PR_SET_NAME)`) after a moment, then waits to be killed. Prints "renamed" when done.
private let renamerSource = #"""
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    usleep(200000);
    prctl(PR_SET_NAME, argc > 1 ? argv[1] : "kworker/0:1", 0, 0, 0);
    printf("renamed\n");
    for (;;) pause();
}
"""#

/// `takepid PID`: starts `sleep 60` with exactly that pid (clone3 with set_tid: root), prints it, exits.
private let takePIDSource = #"""
#define _GNU_SOURCE
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
    pid_t want = (pid_t)atoi(argv[1]);
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    args.set_tid = (unsigned long long)(unsigned long)&want;
    args.set_tid_size = 1;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) { perror("clone3"); return 1; }
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);  /* the test reads our stdout to its end */
        execl("/bin/sleep", "sleep", "60", (char *)0);
        _exit(127);
    }
    printf("%ld\n", pid);
    return 0;
}
"""#

private func processState(_ pid: Int32) -> Character? { ProcessPinner.state(of: pid) }

@Suite(.serialized) struct ResponderTests {
    func alert(pid: Int32, name: String, origin: AlertOrigin = .ransomware, offender: PinnedProcess? = nil) -> Alert {
        Alert(time: Int64(Date().timeIntervalSince1970 * 1e6), origin: origin, severity: .critical,
              process: ProcessSubject(pid: pid, name: ByteString(name)), eventKind: .close, path: "/x", reason: "test",
              offender: offender)
    }

    func waitForState(_ pid: Int32, _ want: Character) -> Character? {
        var state: Character?
        for _ in 0..<200 { state = processState(pid); if state == want { break }; usleep(10_000) }
        return state
    }

    @Test func stopsTheOffenderAndSaysHowToResume() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit(orKillAfter: Process.testChildBound) }
        let pid = child.processIdentifier
        let lines = Mutex<[String]>([])
        let stopper = OffenderStopper(pinner: ProcessPinner(), report: { l in lines.withLock { $0.append(l) } })

        // Rule alerts are not stopped (only ransomware and rules with `stop: true`, unless includeRules).
        var ruleAlert = alert(pid: pid, name: "sleep", origin: .rule("r"))
        stopper.respond(to: &ruleAlert)
        #expect(ruleAlert.responses.isEmpty)

        var a = alert(pid: pid, name: "whatever it calls itself")
        stopper.respond(to: &a)
        #expect(a.responses.first?.hasPrefix("stopped sleep (pid \(pid)) with SIGSTOP") == true, "\(a.responses)")
        #expect(a.responses.first?.contains("kill -CONT \(pid)") == true)
        #expect(a.stopped.map(\.pid) == [pid])
        #expect(lines.withLock { $0.last?.contains("kill -KILL \(pid)") } == true)
        #expect(waitForState(pid, "T") == "T")
        kill(pid, SIGCONT)
    }

    @Test func neverStopsItselfItsParentsOrInit() {
        let stopper = OffenderStopper(pinner: ProcessPinner(), report: { _ in })
        for pid in [getpid(), 1, getppid()] {
            var a = alert(pid: pid, name: "x")
            stopper.respond(to: &a)
            #expect(a.responses.first?.hasPrefix("not stopped: pid \(pid) is protected") == true, "\(a.responses)")
        }
        var none = alert(pid: 0, name: "x")
        stopper.respond(to: &none)
        #expect(none.responses.first?.hasPrefix("not stopped") == true)
    }

    /// Issue 18: the ransomware renames itself after its first file; it is stopped all the same.
    @Test(.enabled(if: hasCompiler, "needs a C compiler"), .timeLimit(.minutes(1)))
    func aProcessThatRenamesItselfIsStillStopped() throws {
        let renamer = try #require(try buildC("renamer", renamerSource))
        let child = Process()
        child.executableURL = URL(fileURLWithPath: renamer)
        child.arguments = ["kworker/0:1"]
        let out = Pipe()
        child.standardOutput = out
        try child.run()
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit(orKillAfter: Process.testChildBound) }
        let pid = child.processIdentifier
        let pinner = ProcessPinner()
        // Pinned at its first event, under its own name.
        let pinned = try #require(pinner.pin(pid: pid, at: Int64(Date().timeIntervalSince1970 * 1e6)))
        #expect(pinned.subject.name == "renamer")
        _ = out.fileHandleForReading.readData(ofLength: 8)  // "renamed"
        #expect(try String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) == "kworker/0:1\n")
        let stopper = OffenderStopper(pinner: pinner, report: { _ in })
        var a = alert(pid: pid, name: "renamer", offender: pinned)
        stopper.respond(to: &a)
        #expect(a.responses.first?.hasPrefix("stopped renamer (pid \(pid)) with SIGSTOP") == true, "\(a.responses)")
        #expect(waitForState(pid, "T") == "T")
    }

    /// Issue 18: a pid taken by another process after the offender's exit is never stopped.
    @Test(.enabled(if: hasCompiler && getuid() == 0, "needs a C compiler and root (clone3 with set_tid)"),
          .timeLimit(.minutes(1)))
    func aReusedPidIsNeverStopped() throws {
        let takePID = try #require(try buildC("takepid", takePIDSource))
        let first = Process()
        first.executableURL = URL(fileURLWithPath: "/bin/sleep")
        first.arguments = ["60"]
        try first.run()
        let pid = first.processIdentifier
        let pinner = ProcessPinner()
        let pinned = try #require(pinner.pin(pid: pid, at: Int64(Date().timeIntervalSince1970 * 1e6)))
        kill(pid, SIGKILL)
        first.waitUntilExit(orKillAfter: Process.testChildBound)
        usleep(200_000)  // a start time clearly later than the pinned one (pinning allows 20 ms of clock granularity)

        // Another `sleep`, same name, same pid: only its start time differs.
        // (Not Foundation's Process: it loses track of a child whose grandchild holds a pid it once knew.)
        let outFile = try tempDir() + "/pid"
        #expect(system("'\(takePID)' \(pid) > '\(outFile)'") == 0)
        defer { kill(pid, SIGKILL) }
        let text = try String(contentsOfFile: outFile, encoding: .utf8)
        #expect(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) == pid)
        for _ in 0..<200 where (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) != "sleep\n" { usleep(5_000) }
        let now = try #require(pinner.pin(pid: pid, at: Int64(Date().timeIntervalSince1970 * 1e6)))
        #expect(now.subject.name == "sleep")
        #expect(now != pinned, "the same pid, a later start time")

        let stopper = OffenderStopper(pinner: pinner, report: { _ in })
        var a = alert(pid: pid, name: "sleep", offender: pinned)
        stopper.respond(to: &a)
        #expect(a.responses.first?.hasPrefix("not stopped: sleep (pid \(pid)): it has exited") == true, "\(a.responses)")
        #expect(a.stopped.isEmpty)
        usleep(50_000)
        #expect(processState(pid) != "T")
        // An alert about an earlier moment than the new process's start is not pinned onto it either.
        var late = alert(pid: pid, name: "sleep")
        late.time = pinned.startedAt
        stopper.respond(to: &late)
        #expect(late.responses.first?.hasPrefix("not stopped: pid \(pid) has exited") == true, "\(late.responses)")
        #expect(processState(pid) != "T")
    }

    /// A process-tree alert stops the driver first, then its children.
    @Test(.timeLimit(.minutes(1))) func aTreeAlertStopsTheScriptAndItsChildren() throws {
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/bin/sh")
        script.arguments = ["-c", "sleep 60 & sleep 61 & (sleep 62; true) & wait"]
        try script.run()
        let pid = script.processIdentifier
        defer {
            for p in [pid] + descendants(pid) { kill(p, SIGKILL) }
            script.waitUntilExit(orKillAfter: Process.testChildBound)
        }
        var kids: [Int32] = []
        for _ in 0..<100 { kids = descendants(pid); if kids.count >= 4 { break }; usleep(20_000) }
        #expect(kids.count >= 4, "sh, 3 children, one grandchild: \(kids)")
        let pinner = ProcessPinner()
        var a = alert(pid: pid, name: "sh", offender: pinner.pin(pid: pid, at: Int64(Date().timeIntervalSince1970 * 1e6)))
        a.offenderTree = true
        let stopper = OffenderStopper(pinner: pinner, report: { _ in })
        stopper.respond(to: &a)
        #expect(a.stopped.first?.pid == pid)
        #expect(Set(a.stopped.map(\.pid)) == Set([pid] + kids), "\(a.stopped) vs \(kids)")
        for p in [pid] + kids { #expect(waitForState(p, "T") == "T", "pid \(p)") }
        #expect(a.responses.first?.contains("and the \(kids.count) processes it runs") == true, "\(a.responses)")
        for p in [pid] + kids { kill(p, SIGCONT) }
    }

    @Test func runsTheCommandWithTheAlertOnStdin() throws {
        let d = try tempDir()
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

    /// Issue 18: at exit, queued runs are counted and running ones are ended (by their pidfd), not orphaned.
    @Test(.timeLimit(.minutes(1))) func exitCountsQueuedRunsAndEndsRunningOnes() throws {
        let reports = Mutex<[String]>([])
        let runner = AlertCommandRunner(argv: ["sleep", "30"], maxConcurrent: 2, maxQueued: 5, exitWait: 0.5,
                                        encode: { $0.jsonLine }, report: { l in reports.withLock { $0.append(l) } })
        for i in 0..<6 {
            var a = alert(pid: Int32(3000 + i), name: "p")
            runner.respond(to: &a)
        }
        for _ in 0..<200 where runner.counts.started < 2 { usleep(10_000) }
        usleep(100_000)
        let children = descendants(getpid()).filter { (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8)) == "sleep\n" }
        let start = Date()
        #expect(!runner.finish(waitingUpTo: 0.5))
        #expect(Date().timeIntervalSince(start) < 5)
        let e = runner.exitCounts
        #expect(e.notRun == 4)
        #expect(e.ended.count == 2)
        #expect(Set(e.ended).isSubset(of: Set(children)), "\(e.ended) vs \(children)")
        usleep(100_000)
        for pid in e.ended { #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)"), "pid \(pid) ended and reaped") }
        let line = try #require(runner.summaryLine)
        #expect(line.contains("4 queued alerts not handed over at exit"), "\(line)")
        #expect(line.contains("2 still running after 0.5 s ended at exit (pid "), "\(line)")
        #expect(reports.withLock { $0.contains { $0.contains("ended at exit") } })
        // After the end, alerts are not handed over (and are counted).
        var late = alert(pid: 4000, name: "p")
        runner.respond(to: &late)
        #expect(late.responses == ["on-alert command not run: filewatcher is exiting"])
        #expect(runner.exitCounts.notRun == 5)
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
        let d = try tempDir()
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

/// Every live descendant of `pid` (from /proc/*/stat).
func descendants(_ pid: Int32) -> [Int32] {
    var parent: [Int32: Int32] = [:]
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let p = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        if fields.count > 1, let pp = Int32(fields[1]) { parent[p] = pp }
    }
    var out: [Int32] = []
    var frontier = [pid]
    while let p = frontier.popLast() {
        for (child, pp) in parent where pp == p { out.append(child); frontier.append(child) }
    }
    return out
}
