#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EventSources
import Foundation
import Testing
import TestSupport

/// The session's output files: --append, SIGHUP reopening (log rotation), a full disk, and the
/// standard descriptors closed at start.
@Suite(.serialized, .timeLimit(.minutes(2))) struct OutputCommandTests {
    static func lines(_ path: String) -> [Substring] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    @Test func appendKeepsWhatTheFileHolds() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = try dir.write("{\"earlier\":true}\n", to: "out.jsonl")
        #expect(chmod(out, 0o600) == 0)
        #expect(try watch(["--read", try fixtureFile(dir), "--format", "json", "-o", out, "--append"]).status == 0)
        let l = Self.lines(out)
        #expect(l.count == 7 && l.first == "{\"earlier\":true}")
        #expect(try watch(["--read", try fixtureFile(dir), "--format", "json", "-o", out]).status == 0)
        #expect(Self.lines(out).count == 6)  // without --append: truncated
        let usage = try watch(["--read", try fixtureFile(dir), "--append"])
        #expect(usage.status == 2 && usage.stderr.contains("--append"), "\(usage.stderr)")
    }

    @Test func sighupReopensOutputAndDebugLog() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.file("events.jsonl"), log = dir.file("debug.log")
        let r = try run(["--read", "-", "--format", "json", "-o", out, "-d", log], stdin: Data(fixture)) { p in
            try waitForLines(6, in: out)
            #expect(rename(out, out + ".1") == 0)
            #expect(rename(log, log + ".1") == 0)
            kill(p.processIdentifier, SIGHUP)
            // The run goes on (SIGHUP does not stop it when it writes files) into new files.
            try waitForLines(1, in: log)
            let stdin = try #require(p.standardInput as? Pipe)
            stdin.fileHandleForWriting.write(Data(TrailFixture.bytes(TrailFixture.editing)))
            try waitForLines(6, in: out)
            kill(p.processIdentifier, SIGINT)
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.lines(out + ".1").count == 6)
        #expect(Self.lines(out).count == 6)
        #expect(Self.lines(log).contains { $0.contains("reopened \(out) (SIGHUP)") }, "\(Self.lines(log))")
        #expect(Self.lines(log).contains { $0.contains("reopened \(log) (SIGHUP)") })
        #expect(r.stderr.contains("14 events seen, 12 shown"), "\(r.stderr)")
    }

    @Test func sighupStillEndsARunWithoutFiles() throws {
        let fifo = try FIFOFeeder()
        defer { fifo.remove() }
        fifo.feed(fixture, holdOpen: 30)  // the input never ends: only the signal does
        let p = Process()
        p.executableURL = binary
        p.arguments = ["--read", fifo.path, "--format", "json"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.killIfRunning()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit(orKillAfter: Process.testChildBound) } }
        usleep(1_500_000)  // well into the run (signal handling is set up before the source)
        kill(p.processIdentifier, SIGHUP)
        let start = Date()
        while p.isRunning && Date().timeIntervalSince(start) < 10 { usleep(20_000) }
        #expect(!p.isRunning, "SIGHUP did not end a run without -o/-d files")
        guard !p.isRunning else { return }
        #expect(p.terminationStatus == 0)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("filewatcher summary"), "\(stderr)")
    }

    /// Runs the binary with standard output (and input) closed, as `filewatcher ... >&- <&-` would.
    static func runWithClosedStandardOutput(_ args: [String], stderr: String) throws -> Int32 {
        #if os(Linux)
        var actions = posix_spawn_file_actions_t()
        #else
        var actions: posix_spawn_file_actions_t? = nil  // a pointer type on macOS and FreeBSD
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addclose(&actions, 0)
        posix_spawn_file_actions_addclose(&actions, 1)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([binary.path] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let env: [UnsafeMutablePointer<CChar>?] = [strdup("TZ=UTC"), nil]
        defer { for e in env { free(e) } }
        let rc = posix_spawn(&pid, binary.path, &actions, nil, argv, env)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(Process.testChildBound)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline { kill(pid, SIGKILL); while waitpid(pid, &status, 0) < 0 && errno == EINTR {}; return -9 }
            usleep(5_000)
        }
        return (status >> 8) & 0xff
    }

    @Test func closedStandardOutputDoesNotSendEventsIntoTheDebugLog() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = dir.file("debug.log")
        let status = try Self.runWithClosedStandardOutput(
            ["--read", try fixtureFile(dir), "--format", "json", "-d", log], stderr: dir.file("stderr"))
        #expect(status == 0)
        let l = Self.lines(log)
        #expect(l.contains { $0.contains("debug filewatcher: finished") }, "\(l)")
        #expect(!l.contains { $0.hasPrefix("{") }, "events landed in the debug log: \(l)")
        #expect(((try? String(contentsOfFile: dir.file("stderr"), encoding: .utf8)) ?? "").contains("6 shown"))
    }

    #if os(Linux)  // tmpfs sizes by mount(2) options
    @Test(.needsRoot) func aFullDiskCutsNoLineAndCountsTheLoss() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let small = try TemporaryDirectory("fw-full")
        #expect(mount("tmpfs", small.path, "tmpfs", 0, "size=64k,mode=0755") == 0)
        defer { _ = umount2(small.path, Int32(MNT_DETACH)); small.remove() }
        let trail = try dir.write(TrailFixture.Mac.trail(sessions: 300), to: "big.bsm")
        let out = small.path + "/out.jsonl"
        let r = try watch(["--read", trail, "--format", "json", "-o", out])
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(data.count > 30_000 && data.last == UInt8(ascii: "\n"), "\(data.count) bytes")
        let lines = data.split(separator: UInt8(ascii: "\n"))
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line))) != nil) }
        // Every shown event is either in the file or counted as lost.
        let shown = try #require(r.stderr.firstMatch(of: /(\d+) shown/).flatMap { Int($0.1) })
        let lost = try #require(r.stderr.firstMatch(of: /(\d+) lost/).flatMap { Int($0.1) })
        #expect(lines.count + lost == shown && lost > 0, "\(lines.count) lines + \(lost) lost != \(shown) shown")
        #expect(r.stderr.contains("\(lost) events not written to \(out): the filesystem was full"), "\(r.stderr)")
        #expect(r.stderr.contains("No space left on device; events are dropped"))
        #expect(r.status == 1)
    }
    #endif
}

/// A standard error that nobody reads (a full pipe) does not stall the run, and exit is prompt.
@Suite(.timeLimit(.minutes(2))) struct SlowStandardErrorTests {
    @Test func unreadStandardErrorDoesNotStallTheRun() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // 3,000 records, each followed by junk: 3,000 damage notices (~400 KB), far more than a pipe holds.
        let junk: [UInt8] = [0xde, 0xad, 0x14, 0x00, 0x00, 0x00, 0x03, 0xbe, 0xef]
        var trail: [UInt8] = []
        for i in 0..<3_000 {
            trail += TrailFixture.record(72, seconds: TrailFixture.t0 + UInt64(i),
                                         [TrailFixture.subject(pid: 10), TrailFixture.path("/srv/file\(i)"), TrailFixture.ret()]).bytes
            trail += junk
        }
        let input = try dir.write(trail, to: "damaged.bsm")
        let out = dir.file("out.jsonl")
        let p = Process()
        p.executableURL = binary
        p.arguments = ["--read", input, "--format", "json", "-o", out]
        let stderr = Pipe()  // never read
        p.standardError = stderr
        p.standardOutput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        while p.isRunning && Date().timeIntervalSince(start) < 30 { usleep(50_000) }
        let seconds = Date().timeIntervalSince(start)
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit(orKillAfter: Process.testChildBound)
            Issue.record("the run stalled on an unread standard error (killed after \(Int(seconds)) s)")
            return
        }
        #expect(seconds < 15, "took \(seconds) s")
        #expect(p.terminationStatus == 1)  // damaged input
        #expect(OutputCommandTests.lines(out).count == 3_000)
        // What did reach standard error starts with whole notices.
        let head = String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
        #expect(head.hasPrefix("filewatcher: \(input): damaged input at byte offset"), "\(head.prefix(200))")
    }
}

/// `--read FIFO` with no writer: the blocking open that once hung is gone; signals and --seconds work.
@Suite(.timeLimit(.minutes(1))) struct WriterlessFIFOCommandTests {
    @Test func secondsEndsAWaitForAWriter() throws {
        let fifo = try FIFOFeeder()
        defer { fifo.remove() }
        let start = Date()
        let r = try watch(["--read", fifo.path, "--seconds", "0.5"], timeout: .seconds(10))
        #expect(r.status == 0)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(r.stderr.contains("0 events seen"))
    }

    @Test func sigtermEndsAWaitForAWriter() throws {
        let fifo = try FIFOFeeder()
        defer { fifo.remove() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = dir.file("debug.log")
        let p = Process()
        p.executableURL = binary
        p.arguments = ["--read", fifo.path, "-d", log]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.killIfRunning()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit(orKillAfter: Process.testChildBound) } }
        // Signalled once it waits for the writer (its signal handling is set up before the source).
        try waitForLines(2, in: log)
        usleep(300_000)
        let start = Date()
        kill(p.processIdentifier, SIGTERM)
        while p.isRunning && Date().timeIntervalSince(start) < 10 { usleep(20_000) }
        let elapsed = Date().timeIntervalSince(start)
        #expect(!p.isRunning, "SIGTERM did not end a run waiting for a FIFO writer within 10 s")
        guard !p.isRunning else { return }
        #expect(elapsed < 5, "SIGTERM took \(elapsed) s")
        #expect(p.terminationStatus == 0)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("filewatcher summary: 0 events seen"), "\(stderr)")
    }
}
