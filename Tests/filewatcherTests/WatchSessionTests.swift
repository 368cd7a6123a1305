#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import EventSources
import FileWatchCore
import Foundation
import Testing
import TestSupport
@testable import filewatcher

/// `watch` in-process: the command line parsed and validated as the binary does, run by a
/// WatchSession. (The few true end-to-end tests of the binary are in WatchCommandTests.)
@Suite(.serialized, .timeLimit(.minutes(3))) struct WatchSessionTests {
    @Test func textReplayWithSummary() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let r = try watch(["--read", try fixtureFile(dir), "--color", "always"], noColor: true)
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n").map(String.init)
        // stat is not a basic kind; 6 of 7 shown. Colour: --color always beats NO_COLOR.
        #expect(lines.count == 6)
        #expect(r.out.contains("\u{1B}["))
        let plain = try watch(["--read", try fixtureFile(dir)]).out.split(separator: "\n").map(String.init)
        // A trail from 2023: the date is shown; its uids stay numbers (another machine's, maybe).
        #expect(plain[0] == "[2023-11-14 22:13:20] [0] Detected exec event from vim (pid 10) -> /usr/bin/vim args: vim notes")
        #expect(plain[3] == "[2023-11-14 22:13:23] [0] Detected rename event from vim (pid 10) -> /home/a/.notes.swp -> /home/a/notes")
        #expect(plain[4] == "[2023-11-14 22:13:24] [0] Detected delete event from vim (pid 10) -> /home/a/gone FAILED (No such file or directory, errno 2)")
        #expect(plain[5].hasPrefix("[2023-11-14 22:13:26] [65534] Detected open event from ? (pid 20) -> /etc/passwd"))
        #expect(r.stderr.contains("filewatcher summary: 7 events seen, 6 shown, 1 dropped by filters, 0 lost"))
        #expect(r.stderr.contains("top processes: vim (5), ? (1)"))
        #expect(try watch(["--read", try fixtureFile(dir), "--color", "auto"], noColor: false).out.contains("\u{1B}[") == false,
                "auto: not a terminal")
    }

    @Test func filtersOnTheCommandLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let f = try fixtureFile(dir)
        func count(_ args: [String]) throws -> Int {
            let r = try watch(["--read", f, "--no-summary"] + args)
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
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let r = try watch(["--read", try fixtureFile(dir), "-a", "--format", "json", "--no-summary"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
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
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let f = try fixtureFile(dir)
        let trail = dir.file("out.bsm")
        let w = try watch(["--read", f, "-a", "--format", "bsm", "-o", trail])
        #expect(w.status == 0, "\(w.stderr)")
        #expect(w.stdout.isEmpty)
        let direct = try watch(["--read", f, "-a", "--format", "json", "--no-summary"])
        let replay = try watch(["--read", trail, "-a", "--format", "json", "--no-summary"])
        #expect(replay.status == 0)
        #expect(replay.out == direct.out)
        // BSM to BSM copies the selected records whole: a process is named in the copy when the
        // exec that named it is selected too (re-encoded events carry it in every record instead).
        let filtered = dir.file("filtered.bsm")
        #expect(try watch(["--read", f, "-f", "passwd", "-f", "gone", "--format", "bsm", "-o", filtered]).status == 0)
        #expect(try watch(["--read", filtered, "--no-summary"]).out.contains("Detected delete event from ? (pid 10)"))
        #expect(try watch(["--read", f, "-f", "passwd", "-f", "gone", "-f", "bin/vim", "--format", "bsm", "-o", filtered]).status == 0)
        let text = try watch(["--read", filtered, "--no-summary"]).out
        #expect(text.contains("Detected delete event from vim (pid 10)"))
    }

    @Test func debugLogToAFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = dir.file("debug.log")
        let r = try watch(["-d", log, "--read", try fixtureFile(dir), "--no-summary"])
        #expect(r.status == 0)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("debug filewatcher: source: trail"))
        #expect(text.contains("finished"))
        #expect(try FileManager.default.attributesOfItem(atPath: log)[.posixPermissions] as? Int == 0o600)
    }

    @Test func runtimeErrorsExitOne() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let missing = try watch(["--read", "/nonexistent/x.bsm"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/x.bsm"))

        // Damaged input: the valid records are shown, the damage reported once with its offset, status 1.
        var damaged = fixture
        damaged.insert(contentsOf: [0xde, 0xad, 0xbe, 0xef], at: 100)
        let path = try fixtureFile(dir, damaged)
        let d = try watch(["--read", path, "-a"])
        #expect(d.status == 1)
        let line = try #require(d.stderr.split(separator: "\n").first { $0.contains("damaged input") })
        // The record holding byte 100 starts at 19 (after the 19-byte file token): its byte count no longer
        // lands on a trailer. The offset is said once, not repeated at the start of the reason.
        #expect(line.hasPrefix("filewatcher: \(path): damaged input at byte offset 19: record byte count"), "\(line)")
        #expect(d.stderr.contains("damaged input stretch skipped"))
        #expect(d.out.split(separator: "\n").count >= 5)

        // -o refuses a symlink.
        let target = try dir.write("keep", to: "target")
        let link = dir.file("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let s = try watch(["--read", try fixtureFile(dir), "-o", link])
        #expect(s.status == 1)
        #expect(s.stderr.contains("symbolic link"))
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
    }

    @Test func stopRequestLeavesACompleteTrail() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let fifo = try FIFOFeeder()
        defer { fifo.remove() }
        fifo.feed(fixture, holdOpen: 60)  // the input never ends: only the stop request does
        let trail = dir.file("cap.bsm")
        let r = try watch(["--read", fifo.path, "-a", "--format", "bsm", "-o", trail]) { session in
            // The source idles once the 7 records are in: the trail is flushed; then stop.
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline, ((try? FileManager.default.attributesOfItem(atPath: trail)[.size] as? Int) ?? 0) < 7 * 40 {
                usleep(10_000)
            }
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("7 events seen, 7 shown"))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: trail)))
        // Ends with the closing file token: 0x11, 4+4 bytes of time, u16 length, the name with its NUL.
        let name = Array(trail.utf8) + [0]
        #expect(Array(bytes.suffix(name.count)) == name)
        #expect(bytes[bytes.count - name.count - 11] == 0x11)
        let replay = try watch(["--read", trail, "-a", "--no-summary"])
        #expect(replay.status == 0)
        #expect(replay.out.split(separator: "\n").count == 7)
    }

    @Test func secondsLimit() throws {
        let fifo = try FIFOFeeder()
        defer { fifo.remove() }
        fifo.feed(fixture, holdOpen: 60)
        let start = Date()
        let r = try watch(["--read", fifo.path, "--seconds", "0.5", "--no-summary"])
        #expect(r.status == 0)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(r.out.split(separator: "\n").count == 6)
    }
}
