// The live source as scripts and operators meet it (root): the line that says watching has started,
// the debug log of what was set up, hard links, and BSM output of live opens (issue 17).

#if os(Linux)
import Foundation
import Glibc
import Testing
import TestSupport

@Suite(.serialized, .timeLimit(.minutes(5))) struct LiveSetupTests {
    static var available: Bool { LiveTruthTests.available }

    /// A running `filewatcher` with its stderr in a file.
    struct Running {
        let process: Process
        let stderrPath: String
        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        init(_ arguments: [String], scratch: String) throws {
            stderrPath = scratch + "/stderr"
            _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
            process = Process()
            process.executableURL = Oracle.filewatcher
            process.arguments = arguments
            process.standardError = FileHandle(forWritingAtPath: stderrPath)
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
        }

        /// Waits for the "watching N filesystems" line (what a script waits for).
        func waitUntilWatching(seconds: Double = 30) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if stderr.contains("watching ") && stderr.contains(" (layout ") { return true }
                if !process.isRunning { return false }
                usleep(20_000)
            }
            return false
        }

        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGINT) }
            process.waitUntilExit(orKillAfter: Process.testChildBound)
        }
    }

    static func shell(_ script: String, in dir: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "cd '\(dir)' && " + script]
        try p.run()
        p.waitUntilExit(orKillAfter: Process.testChildBound)
    }

    /// One line on stderr once every filesystem is marked: events from then on are seen.
    @Test(.enabled(if: available)) func saysWhenWatchingHasStarted() throws {
        let dir = Oracle.makeRoot(), scratch = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: scratch) }
        let output = scratch + "/events.jsonl"
        let run = try Running(["--format", "json", "-o", output, "--under", dir], scratch: scratch)
        defer { run.stop() }
        #expect(run.waitUntilWatching(), "\(run.stderr)")
        let line = run.stderr.split(separator: "\n").first { $0.contains("watching ") } ?? ""
        #expect(line.range(of: #"^filewatcher: watching [1-9][0-9]* filesystems? \(layout fid\)$"#, options: .regularExpression) != nil,
                "\(line)")
        // Right after the line, a file made is reported.
        try Self.shell("touch right-away", in: dir)
        #expect(Oracle.waitFor("\"\(dir)/right-away\"", in: output, seconds: 10))
    }

    /// `-d` says what was set up: kernel features, groups, marks per filesystem, layout, process events.
    @Test(.enabled(if: available)) func debugLogSaysWhatWasSetUp() throws {
        let scratch = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let log = scratch + "/debug.log"
        let run = try Running(["-d", log, "--seconds", "1", "-o", scratch + "/out.txt"], scratch: scratch)
        run.process.waitUntilExit(orKillAfter: Process.testChildBound)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        for needle in ["fanotify: kernel ", "FAN_REPORT_DFID_NAME, Linux 5.9) yes", "fanotify: layout fid, queue unlimited",
                       "fanotify: group 0 (events): reporting fid", "fanotify: marked / (", "process events: the kernel's proc connector",
                       "fanotify: watching "] {
            #expect(text.contains(needle), "\(needle) missing in:\n\(text)")
        }
    }

    /// `ln a b`: a hard link, not a create.
    @Test(.enabled(if: available)) func hardLinksAreLinks() throws {
        let dir = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try LiveRun.watch(dir, script: "echo x > a && ln a b && ln b c && echo y > d")
        #expect(run.events.contains { $0.kind == "link" && $0.path == dir + "/b" && $0.name == "ln" }, "\(run.lines())")
        #expect(run.events.contains { $0.kind == "link" && $0.path == dir + "/c" && $0.name == "ln" }, "\(run.lines())")
        #expect(!run.events.contains { $0.kind == "create" && ($0.path == dir + "/b" || $0.path == dir + "/c") }, "\(run.lines())")
        #expect(run.events.contains { $0.kind == "create" && $0.path == dir + "/a" }, "\(run.lines())")
        #expect(run.events.contains { $0.kind == "create" && $0.path == dir + "/d" }, "\(run.lines())")
        #expect(!run.events.contains { $0.kind == "link" && ($0.path == dir + "/a" || $0.path == dir + "/d") }, "\(run.lines())")
    }

    /// A script run by its #! line: every event of it names the script as the executable, the interpreter
    /// in a field of its own (not the script for some events and /usr/bin/dash for others).
    @Test(.enabled(if: available)) func scriptsNameOneExecutable() throws {
        let dir = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/job.sh"
        try "#!/bin/sh\ncat in > /dev/null\necho done > out\n".write(toFile: script, atomically: false, encoding: .utf8)
        chmod(script, 0o755)
        try Self.shell("echo x > in", in: dir)
        let run = try LiveRun.watch(dir, script: "./job.sh")
        let interpreter = Oracle.realpathString("/bin/sh") ?? "/bin/sh"
        // The script's own events: the exec of job.sh, the open of `out` (its redirection), its write.
        let own = run.events.filter { $0.name == "job.sh" }
        #expect(own.contains { $0.kind == "exec" && $0.path == script }, "\(run.lines())")
        #expect(own.contains { $0.kind == "write" && $0.path == dir + "/out" }, "\(run.lines())")
        for event in own where event.kind != "exec" || event.path == script {
            #expect(event.exe == script, "\(event)")
        }
        #expect(own.contains { $0.path == dir + "/out" && $0.interpreter == interpreter }, "\(run.events.map { "\($0.kind) \($0.path ?? "") \($0.exe ?? "") \($0.interpreter ?? "")" })")
        // cat, its child, runs cat.
        #expect(run.events.contains { $0.kind == "read" && $0.path == dir + "/in" && $0.name == "cat" && $0.interpreter == nil })
    }

    /// Issue 18: `--queue bounded` with the watcher stalled while 20,000 files are made: the kernel's queue
    /// (fs.fanotify.max_queued_events) overflows; the summary says an unknown number was lost, and when.
    @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func boundedQueueOverflowIsAnUnknownLoss() throws {
        let dir = Oracle.makeRoot(), scratch = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: scratch) }
        let run = try Running(["--queue", "bounded", "--under", dir, "-o", scratch + "/out.txt"], scratch: scratch)
        #expect(run.waitUntilWatching(), "\(run.stderr)")
        kill(run.process.processIdentifier, SIGSTOP)
        try Self.shell("python3 -c 'for i in range(20000): open(\"f%d\" % i, \"w\").close()'", in: dir)
        kill(run.process.processIdentifier, SIGCONT)
        usleep(1_500_000)
        run.stop()
        let summary = run.stderr.split(separator: "\n").first { $0.hasPrefix("filewatcher summary:") }.map(String.init) ?? ""
        #expect(summary.contains("unknown number lost ("), "\(run.stderr)")
        #expect(summary.range(of: #"loss reports? (between|after|before) [0-9:.]+"#, options: .regularExpression) != nil, "\(summary)")
        #expect(!summary.contains(", 0 lost"), "\(summary)")
    }

    /// Issue 18: a file whose path is longer than PATH_MAX, in directories made before watching started (so
    /// their path must be found from the filesystem): reported with its full path, not its bare name.
    @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func pathsLongerThanPathMaxAreWhole() throws {
        let dir = Oracle.makeRoot()
        defer { try? Self.shell("rm -rf \"$PWD\"", in: dir); try? FileManager.default.removeItem(atPath: dir) }
        let levels = 45, name = String(repeating: "d", count: 100)
        let walk = "import os\nfor i in range(\(levels)):\n    os.makedirs('\(name)', exist_ok=True); os.chdir('\(name)')\n"
        try Self.shell("python3 -c \"\(walk)\"", in: dir)
        let run = try LiveRun.watch(dir, script: "python3 -c \"\(walk)open('deepfile', 'w').write('x')\"")
        let expected = dir + String(repeating: "/" + name, count: levels) + "/deepfile"
        #expect(expected.utf8.count > 4096)
        #expect(run.events.contains { $0.kind == "create" && $0.path == expected }, "\(run.events.map { "\($0.kind) \(($0.path ?? "<null>").suffix(40)) (\($0.path?.utf8.count ?? 0) bytes)" })")
        #expect(!run.events.contains { $0.path == "deepfile" || $0.path == nil }, "\(run.lines().map { $0.suffix(60) })")
    }

    /// `--format bsm` of live opens: the event number follows how the file was opened, as praudit shows it.
    @Test(.enabled(if: available)) func bsmOpensFollowTheirFlags() throws {
        let dir = Oracle.makeRoot(), scratch = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: scratch) }
        try Self.shell("echo old > r && echo old > w", in: dir)
        let trail = scratch + "/live.bsm"
        let run = try Running(["--format", "bsm", "-o", trail, "--under", dir, "--event", "open"], scratch: scratch)
        #expect(run.waitUntilWatching(), "\(run.stderr)")
        try Self.shell("cat r > /dev/null && echo more >> w && echo new > c", in: dir)
        usleep(300_000)
        run.stop()
        let p = Process()
        p.executableURL = Oracle.filewatcher
        p.arguments = ["print", trail]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        p.killIfRunning()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        // One record per header line: its event name and its path.
        var records: [(event: String, path: String)] = []
        for record in text.components(separatedBy: "header,").dropFirst() {
            let fields = record.split(separator: "\n")
            // "175,11,open(2) - write,creat,0,Thu Dec ...": the name (which may hold commas) up to the modifier.
            let header = fields.first.map { $0.split(separator: ",", maxSplits: 2).dropFirst(2).first.map(String.init) ?? "" } ?? ""
            let event = header.range(of: #",[0-9]+,[A-Z][a-z][a-z] "#, options: .regularExpression).map { String(header[..<$0.lowerBound]) } ?? header
            let path = fields.first { $0.hasPrefix("path,") }.map { String($0.dropFirst(5)) } ?? ""
            records.append((event, path))
        }
        func events(_ name: String) -> [String] { records.filter { $0.path == dir + "/" + name }.map(\.event) }
        #expect(events("r") == ["open(2) - read"], "\(records)")
        #expect(events("w") == ["open(2) - write"], "\(records)")
        #expect(events("c") == ["open(2) - write,creat"], "\(records)")
        #expect(!records.contains { $0.path.hasPrefix(dir + "/") && $0.event == "open(2) - attr only" }, "\(records)")
    }
}
#endif
