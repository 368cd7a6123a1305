// The live source's attribution as a user meets it (root): ordinary commands watched through the CLI,
// each event checked for the path its file had at that moment and the process that did it. Each case
// is a symptom issue 12 listed.

#if os(Linux)
import Foundation
import Glibc
import Testing
import TestSupport

/// A `filewatcher --format json --under DIR` run around a shell script.
struct LiveRun {
    struct Seen {
        var kind: String
        var path: String?
        var dest: String?
        var pid: Int32
        var name: String
        var line: Int
        var exe: String? = nil
        var interpreter: String? = nil
    }

    var events: [Seen] = []
    var stderr = ""
    var status: Int32 = 0
    var scriptPID: Int32 = 0

    /// Starts filewatcher, waits until it reports a marker, runs `script` in `dir` with /bin/sh, waits
    /// until it reports the end marker (unless `stopAtOnce`: then SIGINT right after the script), stops it.
    static func watch(_ dir: String, arguments: [String] = [], script: String, stopAtOnce: Bool = false) throws -> LiveRun {
        let scratch = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let output = scratch + "/events.jsonl", errors = scratch + "/stderr"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let monitor = Process()
        monitor.executableURL = Oracle.filewatcher
        monitor.arguments = ["--format", "json", "-o", output, "--under", dir] + arguments
        monitor.standardError = FileHandle(forWritingAtPath: errors)
        try monitor.run()
        defer { if monitor.isRunning { monitor.terminate(); monitor.waitUntilExit(orKillAfter: Process.testChildBound) } }
        let ready = dir + "/.ready"
        // Only execs shown: the marker is a program run; otherwise a file made.
        let execOnly = arguments.firstIndex(of: "--event").map { arguments[$0 + 1] == "exec" } ?? false
        guard Oracle.waitFor("\"\(ready)\"", in: output, seconds: 30, remake: ready, execute: execOnly) else {
            throw OracleFailure("filewatcher never reported its readiness marker: \((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")")
        }
        var run = LiveRun()
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "cd '\(dir)' && " + script + (stopAtOnce ? " && kill -INT \(monitor.processIdentifier)" : "")]
        try shell.run()
        shell.waitUntilExit(orKillAfter: Process.testChildBound)
        run.scriptPID = shell.processIdentifier
        if !stopAtOnce {
            let end = dir + "/.end"
            guard Oracle.waitFor("\"\(end)\"", in: output, seconds: 30, remake: end, execute: execOnly) else {
                throw OracleFailure("no end marker")
            }
            kill(monitor.processIdentifier, SIGINT)
        }
        monitor.waitUntilExit(orKillAfter: Process.testChildBound)
        run.status = monitor.terminationStatus
        run.stderr = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        let data = (try? Data(contentsOf: URL(fileURLWithPath: output))) ?? Data()
        for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let process = object["process"] as? [String: Any] else { continue }
            // Native strings (compared many times; JSONSerialization hands out bridged ones).
            func native(_ value: Any?) -> String? { (value as? String).map { String(decoding: Array($0.utf8), as: UTF8.self) } }
            let path = native(object["path"])
            if let path, path.hasSuffix("/.ready") || path.hasSuffix("/.end") { continue }
            run.events.append(Seen(kind: native(object["event"]) ?? "", path: path, dest: native(object["dest_path"]),
                                   pid: (process["pid"] as? NSNumber)?.int32Value ?? 0, name: native(process["name"]) ?? "",
                                   line: number + 1, exe: native(process["exe"]), interpreter: native(process["interpreter"])))
        }
        return run
    }

    /// Runs filewatcher with `arguments` to its end (an error, or `--seconds`).
    static func command(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = Oracle.filewatcher
        p.arguments = arguments
        let pipe = Pipe()
        p.standardError = pipe
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        p.killIfRunning()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        return (p.terminationStatus, text)
    }

    /// Paths of the events of `kind` by processes named `name`, sorted.
    func paths(_ kind: String, by name: String) -> [String] {
        var out: [String] = []
        for event in events where event.kind == kind && event.name == name {
            if let path = event.path { out.append(path) }
        }
        return out.sorted()
    }

    func lines() -> [String] {
        events.map { "\($0.kind) \($0.path ?? "<null>")\($0.dest.map { " -> \($0)" } ?? "") \($0.name)[\($0.pid)]" }
    }
}

@Suite(.serialized, .timeLimit(.minutes(10))) struct LiveTruthTests {
    static var available: Bool { Oracle.isRoot && FileManager.default.isExecutableFile(atPath: Oracle.filewatcher.path) }

    /// `sed -i` reads the file it then replaces: the read carries the file's path (it was `null`).
    @Test(.enabled(if: available)) func sedInPlaceReadIsNamed() throws {
        let dir = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/doc.txt", contents: Data("a line\n".utf8))
        for _ in 0..<3 {
            let run = try LiveRun.watch(dir, script: "sed -i s/a/b/ doc.txt")
            let sed = run.events.filter { $0.name == "sed" }
            #expect(sed.contains { $0.kind == "read" && $0.path == dir + "/doc.txt" }, "\(run.lines())")
            #expect(sed.contains { $0.kind == "rename" && $0.dest == dir + "/doc.txt" }, "\(run.lines())")
            #expect(!run.events.contains { $0.path == nil }, "\(run.lines())")
        }
    }

    /// Copy a tree, rename in it, rename it, remove it: every path is the one its object had then.
    @Test(.enabled(if: available)) func copyRenameRemoveTreeKeepsPathsOfTheirMoment() throws {
        let dir = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try LiveRun.watch(dir, script: """
            mkdir -p src/sub && echo 1 > src/f1.txt && echo 2 > src/sub/f3.txt \
            && cp -r src copy && mv copy/f1.txt copy/f2.txt && mv copy moved && rm -r moved
            """)
        let lines = run.lines()
        #expect(!run.events.contains { $0.path == nil }, "\(lines)")
        let byCP = run.paths("create", by: "cp")
        #expect(byCP == [dir + "/copy", dir + "/copy/f1.txt", dir + "/copy/sub", dir + "/copy/sub/f3.txt"], "\(lines)")
        let byRM = run.paths("delete", by: "rm")
        #expect(byRM == [dir + "/moved", dir + "/moved/f2.txt", dir + "/moved/sub", dir + "/moved/sub/f3.txt"], "\(lines)")
        #expect(run.events.contains { $0.kind == "rename" && $0.path == dir + "/copy/f1.txt" && $0.dest == dir + "/copy/f2.txt" })
        #expect(run.events.contains { $0.kind == "rename" && $0.path == dir + "/copy" && $0.dest == dir + "/moved" })
        // cp wrote the copy under its name then, never under a name that did not exist.
        #expect(!run.events.contains { $0.name == "cp" && ($0.path ?? "").hasPrefix(dir + "/moved") }, "\(lines)")
    }

    /// `--event create,delete,rename` changes what is shown, never who did it.
    @Test(.enabled(if: available)) func eventSelectionKeepsAttribution() throws {
        let dir = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try LiveRun.watch(dir, arguments: ["--event", "create,delete,rename"],
                                    script: ": > a && : > b && : > c && rm a && rm b && rm c")
        let deletes = run.events.filter { $0.kind == "delete" }
        #expect(deletes.count == 3 && deletes.allSatisfy { $0.name == "rm" }, "\(run.lines())")
        #expect(run.events.allSatisfy { ["create", "delete", "rename"].contains($0.kind) })
    }

    /// Short-lived programs exec'd by a shell: every exec named by its program, never "".
    @Test(.enabled(if: available)) func execsOfShortLivedProgramsAreNamed() throws {
        let dir = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try LiveRun.watch(dir, arguments: ["--event", "exec"],
                                    script: "cp /bin/true ./t && for i in 1 2 3 4 5 6 7 8; do sh -c './t; ls > /dev/null'; done")
        let execs = run.events.filter { $0.kind == "exec" && $0.path == dir + "/t" }
        #expect(execs.count == 8, "\(run.lines())")
        #expect(execs.allSatisfy { $0.name == "t" }, "\(run.lines())")
        #expect(!run.events.contains { $0.name.isEmpty }, "\(run.lines())")
    }

    /// `bash -c 'head -c 5000 /dev/urandom > f'`: bash creates and opens f, then execs head in the same
    /// process, which writes and closes it — also with the content check on (its close used to come
    /// first, from another queue).
    @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: "/bin/bash")), arguments: [false, true])
    func redirectionIsTheShellsWritingIsTheProgram(ransomware: Bool) throws {
        let dir = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for _ in 0..<3 {
            try? FileManager.default.removeItem(atPath: dir + "/f")
            let run = try LiveRun.watch(dir, arguments: ransomware ? ["--ransomware"] : [],
                                        script: "bash -c 'head -c 5000 /dev/urandom > f'")
            let onF = run.events.filter { $0.path == dir + "/f" }
            // head writes 4096 and then 904 bytes: one write event, or two when read in between.
            var kinds: [String] = []
            for kind in onF.map(\.kind) where kinds.last != kind { kinds.append(kind) }
            #expect(kinds == ["create", "open", "write", "close"], "\(run.lines())")
            #expect(onF.filter { $0.kind == "create" || $0.kind == "open" }.allSatisfy { $0.name == "bash" }, "\(run.lines())")
            #expect(onF.filter { $0.kind == "write" || $0.kind == "close" }.allSatisfy { $0.name == "head" }, "\(run.lines())")
            #expect(Set(onF.map(\.pid)).count == 1, "\(run.lines())")
        }
    }

    /// A program exec'd through a symbolic link is named as it was called (comm), as /proc shows it:
    /// `/bin/sh` runs dash, and is `sh`. (Read when the exec is announced: a program gone within a
    /// moment of it is named by its file; this one runs a while.)
    @Test(.enabled(if: available)) func programsAreNamedAsCalled() throws {
        let dir = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try LiveRun.watch(dir, script: "ln -s \"$(command -v cat)\" ./kitty && echo x > in && (timeout -s INT 0.3 ./kitty in /dev/zero > /dev/null || true)")
        #expect(run.events.contains { $0.kind == "read" && $0.path == dir + "/in" && $0.name == "kitty" }, "\(run.lines())")
    }

    /// SIGINT right after the work: what the kernel queued before the signal is shown.
    @Test(.enabled(if: available)) func stopDeliversWhatWasQueued() throws {
        let dir = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for attempt in 0..<8 {
            let run = try LiveRun.watch(dir, script: "touch t\(attempt)", stopAtOnce: true)
            #expect(run.events.contains { $0.kind == "create" && $0.path == dir + "/t\(attempt)" && $0.name == "touch" },
                    "attempt \(attempt): \(run.lines())")
            #expect(run.status == 0)
        }
    }

    /// Kinds the live Linux source cannot give: one sentence, not "no filesystem could be watched".
    @Test(.enabled(if: available)) func unavailableKindsSaySo() throws {
        let stat = try LiveRun.command(["--event", "stat", "--seconds", "1"])
        #expect(stat.status == 1)
        #expect(stat.stderr.contains("gives no stat events") && stat.stderr.contains("--source audit"), "\(stat.stderr)")
        #expect(!stat.stderr.contains("no filesystem could be watched"))
        let failed = try LiveRun.command(["--failed", "--seconds", "1"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("no failed operations"), "\(failed.stderr)")
        let all = try LiveRun.command(["-a", "--seconds", "1", "--under", "/nonexistent-fw-dir"])
        #expect(all.status == 0)
        #expect(all.stderr.contains("gives no stat, exit, other events"), "\(all.stderr)")
    }
}
#endif
