import BSM
import Foundation
import Testing
import TestSupport

/// The built `filewatcher` binary (next to the test bundle), or FILEWATCHER_BINARY (e.g. to run the
/// end-to-end tests against another build).
let binary: URL = {
    if let p = ProcessInfo.processInfo.environment["FILEWATCHER_BINARY"] { return URL(fileURLWithPath: p) }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("filewatcher")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/filewatcher")
}()

struct RunResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    var out: String { String(decoding: stdout, as: UTF8.self) }
}

@discardableResult
func run(_ args: [String], stdin: Data? = nil, environment: [String: String]? = nil,
         whileRunning: ((Process) -> Void)? = nil) throws -> RunResult {
    let p = Process()
    p.executableURL = binary
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    env["TZ"] = "UTC"
    for (k, v) in environment ?? [:] { env[k] = v }
    p.environment = env
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fw-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    let inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    if let stdin { inp.fileHandleForWriting.write(stdin) }
    if let whileRunning { whileRunning(p) } else { try inp.fileHandleForWriting.close() }
    p.waitUntilExit()
    try? inp.fileHandleForWriting.close()
    try out.close(); try err.close()
    let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
    return RunResult(status: p.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
}

func tempDir() throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("fw-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// 2023-11-14 22:13:20 UTC onwards: exec (vim), open, write-open, rename, failed unlink, stat, a stranger's open.
let fixture: [UInt8] = TrailFixture.fileToken() + TrailFixture.bytes(TrailFixture.editing)

func fixtureFile(_ dir: URL, _ bytes: [UInt8] = fixture) throws -> String {
    let f = dir.appendingPathComponent("fixture.bsm")
    try Data(bytes).write(to: f)
    return f.path
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct WatchCommandTests {
    @Test func textReplayWithSummary() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(["--read", try fixtureFile(dir), "--color", "always"], environment: ["NO_COLOR": "1"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n").map(String.init)
        // stat is not a basic kind; 6 of 7 shown. Colour: --color always beats NO_COLOR.
        #expect(lines.count == 6)
        #expect(r.out.contains("\u{1B}["))
        let plain = try run(["--read", try fixtureFile(dir)]).out.split(separator: "\n").map(String.init)
        #expect(plain[0] == "[22:13:20] [root] Detected exec event from vim (pid 10) -> /usr/bin/vim args: vim notes")
        #expect(plain[3] == "[22:13:23] [root] Detected rename event from vim (pid 10) -> /home/a/.notes.swp -> /home/a/notes")
        #expect(plain[4] == "[22:13:24] [root] Detected delete event from vim (pid 10) -> /home/a/gone FAILED (No such file or directory, errno 2)")
        #expect(plain[5].hasPrefix("[22:13:26] [nobody] Detected open event from ? (pid 20) -> /etc/passwd"))
        #expect(r.stderr.contains("filewatcher summary: 7 events seen, 6 shown, 1 dropped by filters, 0 lost"))
        #expect(r.stderr.contains("top processes: vim (5), ? (1)"))
    }

    @Test func filtersOnTheCommandLine() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = try fixtureFile(dir)
        func count(_ args: [String]) throws -> Int {
            let r = try run(["--read", f, "--no-summary"] + args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            return r.out.split(separator: "\n").count
        }
        #expect(try count(["-a"]) == 7)
        #expect(try count(["-f", "NOTES"]) == 3)
        #expect(try count(["-f", "notes", "-f", "passwd"]) == 4)
        #expect(try count(["-p", "vim"]) == 5)
        #expect(try count(["-p", "vim", "-f", "gone"]) == 1)
        #expect(try count(["--under", "/home/a"]) == 4)
        #expect(try count(["--under", "/home/a/no"]) == 0)
        #expect(try count(["--pid", "20"]) == 1)
        #expect(try count(["--user", "nobody"]) == 1)
        #expect(try count(["--user", "0", "-a"]) == 6)
        #expect(try count(["--event", "stat,delete"]) == 2)
        #expect(try count(["--event", "open", "--event", "rename"]) == 4)
        #expect(try count(["--failed"]) == 1)
        #expect(try count(["--succeeded", "-a"]) == 6)
        #expect(try count(["--exclude-process", "VIM"]) == 1)
        #expect(try count(["--exclude-path", "/home/"]) == 2)
        #expect(try count(["--count", "2", "-a"]) == 2)
    }

    @Test func jsonLinesParse() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(["--read", try fixtureFile(dir), "-a", "--format", "json", "--no-summary"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 7)
        for line in lines {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(obj["time"] is String && obj["event"] is String && obj["process"] is [String: Any])
        }
        let rename = try #require(try JSONSerialization.jsonObject(with: Data(lines[3].utf8)) as? [String: Any])
        #expect(rename["time"] as? String == "2023-11-14T22:13:23.000000Z")
        #expect(rename["dest_path"] as? String == "/home/a/notes")
        #expect((rename["bsm_event"] as? [String: Any])?["name"] as? String == "AUE_RENAME")
    }

    @Test func bsmOutputReplaysToTheSameEvents() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = try fixtureFile(dir)
        let trail = dir.appendingPathComponent("out.bsm").path
        let w = try run(["--read", f, "-a", "--format", "bsm", "-o", trail])
        #expect(w.status == 0, "\(w.stderr)")
        #expect(w.stdout.isEmpty)
        let direct = try run(["--read", f, "-a", "--format", "json", "--no-summary"])
        let replay = try run(["--read", trail, "-a", "--format", "json", "--no-summary"])
        #expect(replay.status == 0)
        #expect(replay.out == direct.out)
        // Filtered output still names the processes (facts travel with every record).
        let filtered = dir.appendingPathComponent("filtered.bsm").path
        #expect(try run(["--read", f, "-f", "passwd", "-f", "gone", "--format", "bsm", "-o", filtered]).status == 0)
        let text = try run(["--read", filtered, "--no-summary"]).out
        #expect(text.contains("Detected delete event from vim (pid 10)"))
    }

    @Test func stdinAndDebugLog() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(["--read", "-", "-d", "--no-summary"], stdin: Data(fixture))
        #expect(r.status == 0)
        #expect(r.out.split(separator: "\n").count == 6)
        #expect(r.stderr.contains("debug filewatcher: source: trail"))
        let combined = try run(["--read", "-", "-ad", "--no-summary"], stdin: Data(fixture))
        #expect(combined.status == 0)
        #expect(combined.out.split(separator: "\n").count == 7, "-a")
        #expect(combined.stderr.contains("debug filewatcher:"), "-d")
        let log = dir.appendingPathComponent("debug.log").path
        let r2 = try run(["-d", log, "--read", "-", "--no-summary"], stdin: Data(fixture))
        #expect(r2.status == 0)
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("finished"))
    }

    @Test func usageErrorsExitTwo() throws {
        for args in [["--failed", "--succeeded"], ["--event", "bogus"], ["--pid", "x"], ["--count", "0"], ["--nope"],
                     ["--seconds", "-1"]] {
            let r = try run(args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains("Error"), "\(args)")
        }
        let help = try run(["watch", "--help"])
        #expect(help.status == 0)
        for option in ["--file", "--process", "--all", "--debug", "--under", "--pid", "--user", "--event", "--failed",
                       "--succeeded", "--exclude-process", "--exclude-path", "--format", "--output", "--color", "--read",
                       "--seconds", "--count"] {
            #expect(help.out.contains(option), "help lacks \(option)")
        }
    }

    @Test func everyOptionOfEveryCommandHasHelp() throws {
        let r = try run(["--experimental-dump-help"])
        #expect(r.status == 0)
        let root = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        var missing: [String] = []
        var checked = 0
        func walk(_ command: [String: Any], _ path: String) {
            for a in command["arguments"] as? [[String: Any]] ?? [] {
                let names = (a["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                if names.contains("help") { continue }  // ArgumentParser's own
                checked += 1
                if (a["abstract"] as? String ?? "").isEmpty { missing.append("\(path) \(names)") }
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                let name = sub["commandName"] as? String ?? "?"
                if name != "help" { walk(sub, path + " " + name) }
            }
        }
        walk(try #require(root["command"] as? [String: Any]), "filewatcher")
        #expect(missing.isEmpty, "options without help: \(missing)")
        #expect(checked > 30)
    }

    @Test func runtimeErrorsExitOne() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try run(["--read", "/nonexistent/x.bsm"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/x.bsm"))

        // Damaged input: the valid records are shown, the damage reported with its offset, status 1.
        var damaged = fixture
        damaged.insert(contentsOf: [0xde, 0xad, 0xbe, 0xef], at: 100)
        let d = try run(["--read", try fixtureFile(dir, damaged), "-a"])
        #expect(d.status == 1)
        #expect(d.stderr.contains("damaged input at byte offset"))
        #expect(d.stderr.contains("damaged input stretch skipped"))
        #expect(d.out.split(separator: "\n").count >= 5)

        // -o refuses a symlink.
        let target = dir.appendingPathComponent("target").path
        try "keep".write(toFile: target, atomically: false, encoding: .utf8)
        let link = dir.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let s = try run(["--read", try fixtureFile(dir), "-o", link])
        #expect(s.status == 1)
        #expect(s.stderr.contains("symbolic link"))
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
    }

    @Test func closedOutputPipeEndsQuietly() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = binary
        p.arguments = ["--read", try fixtureFile(dir), "-a"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try out.fileHandleForReading.close()  // nobody reads: the first write fails with EPIPE
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationReason == .exit)
        #expect(p.terminationStatus == 0)
        #expect(errData.isEmpty, "\(String(decoding: errData, as: UTF8.self))")
    }

    @Test func sigintStopsCleanlyWithSummary() throws {
        let r = try run(["--read", "-", "--format", "json"], stdin: Data(fixture)) { p in
            // stdin stays open: only the signal ends the run.
            usleep(700_000)
            kill(p.processIdentifier, SIGINT)
        }
        #expect(r.status == 0)
        #expect(r.out.split(separator: "\n").count == 6)
        #expect(r.stderr.contains("filewatcher summary: 7 events seen, 6 shown"))
    }

    @Test func sigtermLeavesACompleteTrail() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trail = dir.appendingPathComponent("cap.bsm").path
        let r = try run(["--read", "-", "-a", "--format", "bsm", "-o", trail], stdin: Data(fixture)) { p in
            usleep(700_000)
            kill(p.processIdentifier, SIGTERM)
        }
        #expect(r.status == 0)
        #expect(r.stderr.contains("7 events seen, 7 shown"))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: trail)))
        // Ends with the closing file token: 0x11, 4+4 bytes of time, u16 length, the name with its NUL.
        let name = Array(trail.utf8) + [0]
        #expect(Array(bytes.suffix(name.count)) == name)
        #expect(bytes[bytes.count - name.count - 11] == 0x11)
        let replay = try run(["--read", trail, "-a", "--no-summary"])
        #expect(replay.status == 0)
        #expect(replay.out.split(separator: "\n").count == 7)
    }

    @Test func secondsLimit() throws {
        let start = Date()
        let r = try run(["--read", "-", "--seconds", "0.5", "--no-summary"], stdin: Data(fixture)) { _ in }
        #expect(r.status == 0)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(r.out.split(separator: "\n").count == 6)
    }
}

@Suite(.timeLimit(.minutes(2))) struct PrauditCompatibilityTests {
    @Test(.needsPraudit) func prauditReadsOurTrailWithoutComplaint() throws {
        let praudit = URL(fileURLWithPath: try #require(TestEnvironment.praudit))
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trail = dir.appendingPathComponent("out.bsm").path
        #expect(try run(["--read", try fixtureFile(dir), "-a", "--format", "bsm", "-o", trail]).status == 0)
        let p = Process()
        p.executableURL = praudit
        p.arguments = [trail]
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(errText.isEmpty)
        #expect(!text.contains("unknown"))
        #expect(text.hasPrefix("file,"))
        #expect(text.contains("path,/home/a/.notes.swp\npath,/home/a/notes\n"))
        #expect(text.contains("exec arg,vim,notes\n"))
        #expect(text.contains("return,failure : No such file or directory,4294967295\n"))
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("header,") }.count == 7)
    }
}
