#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import Foundation
import Testing
import TestSupport

/// The binary end to end: what only a separate process shows (exit statuses as the shell sees
/// them, signals, standard input, a closed output pipe, help). Everything else runs in-process
/// (WatchSessionTests).
@Suite(.serialized, .timeLimit(.minutes(3))) struct WatchCommandTests {
    @Test func replayOfStandardInputWithDebugLog() throws {
        let r = try run(["--read", "-", "-d", "--no-summary"], stdin: Data(fixture))
        #expect(r.status == 0)
        #expect(r.out.split(separator: "\n").count == 6)
        #expect(r.out.hasPrefix("[2023-11-14 22:13:20] [0] Detected exec event from vim (pid 10) -> /usr/bin/vim args: vim notes\n"))
        #expect(r.stderr.contains("debug filewatcher: source: trail"))
        let combined = try run(["--read", "-", "-ad", "--no-summary"], stdin: Data(fixture))
        #expect(combined.status == 0)
        #expect(combined.out.split(separator: "\n").count == 7, "-a")
        #expect(combined.stderr.contains("debug filewatcher:"), "-d")
    }

    @Test func usageErrorsExitTwo() throws {
        for args in [["--failed", "--succeeded"], ["--event", "bogus"], ["--pid", "x"], ["--count", "0"], ["--nope"],
                     ["--seconds", "-1"], ["--follow"], ["--read", "a", "b", "--follow"], ["--input", "bsm"]] {
            let r = try run(args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains("Error"), "\(args)")
        }
        let help = try run(["watch", "--help"])
        #expect(help.status == 0)
        for option in ["--file", "--process", "--all", "--debug", "--under", "--pid", "--user", "--event", "--failed",
                       "--succeeded", "--exclude-process", "--exclude-path", "--format", "--output", "--color", "--read",
                       "--input", "--seconds", "--count"] {
            #expect(help.out.contains(option), "help lacks \(option)")
        }
    }

    @Test func runtimeErrorExitsOne() throws {
        let missing = try run(["--read", "/nonexistent/x.bsm"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "filewatcher: open /nonexistent/x.bsm: No such file or directory\n")
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

    @Test func closedOutputPipeEndsQuietly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let p = Process()
        p.executableURL = binary
        p.arguments = ["--read", try fixtureFile(dir), "-a"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try out.fileHandleForReading.close()  // nobody reads: the first write fails with EPIPE
        try p.run()
        p.killIfRunning()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        #expect(p.terminationReason == .exit)
        #expect(p.terminationStatus == 0)
        #expect(errData.isEmpty, "\(String(decoding: errData, as: UTF8.self))")
    }

    @Test func sigintStopsCleanlyWithSummary() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.file("out.jsonl")
        let r = try run(["--read", "-", "--format", "json", "-o", out], stdin: Data(fixture)) { p in
            // Standard input stays open: only the signal ends the run, sent once all events are out.
            try waitForLines(6, in: out)
            kill(p.processIdentifier, SIGINT)
        }
        #expect(r.status == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").count == 6)
        #expect(r.stderr.contains("filewatcher summary: 7 events seen, 6 shown"))
    }
}

@Suite(.timeLimit(.minutes(2))) struct PrauditCompatibilityTests {
    @Test(.needsPraudit) func prauditReadsOurTrailWithoutComplaint() throws {
        let praudit = URL(fileURLWithPath: try #require(TestEnvironment.praudit))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let trail = dir.file("out.bsm")
        #expect(try watch(["--read", try fixtureFile(dir), "-a", "--format", "bsm", "-o", trail]).status == 0)
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
        p.killIfRunning()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit(orKillAfter: Process.testChildBound)
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
