#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FileWatchCore
import Foundation
import Testing
import TestSupport

/// The command line as a new user meets it: `--version`, options that say what is wrong, replays
/// that do not pretend another machine's uids are this one's, errors without a summary of nothing.
@Suite(.serialized, .timeLimit(.minutes(3))) struct EverydayCLITests {
    @Test func versionFromOnePlace() throws {
        let r = try run(["--version"])
        #expect(r.status == 0)
        #expect(r.out == FileWatcherVersion.current + "\n")
        #expect(FileWatcherVersion.current.split(separator: ".").count == 3)
    }

    @Test func negativeNumbersAreValuesThatAreChecked() throws {
        let seconds = try watch(["--seconds", "-5"])
        #expect(seconds.status == 2)
        #expect(seconds.stderr.contains("--seconds must be a positive number"), "\(seconds.stderr)")
        #expect(!seconds.stderr.contains("Missing value"))
        let count = try watch(["--count", "-5"])
        #expect(count.status == 2)
        #expect(count.stderr.contains("'-5' is invalid for '--count"), "\(count.stderr)")
        let threshold = try watch(["--ransomware-threshold", "-1"])
        #expect(threshold.status == 2 && threshold.stderr.contains("--ransomware-threshold must be at least 1"))
        // A negative number is still a value, never an option, also for text options.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let r = try watch(["--read", try fixtureFile(dir), "--file", "-5", "--no-summary"])
        #expect(r.status == 0 && r.out.isEmpty, "\(r.stderr)")
    }

    @Test func repeatedReadReadsEveryFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let a = try fixtureFile(dir)
        let b = try dir.write(fixture, to: "second.bsm")
        let r = try watch(["--read", a, "--read", b, "-a"])
        #expect(r.status == 0)
        #expect(r.out.split(separator: "\n").count == 14, "7 events from each")
        #expect(r.stderr.contains("14 events seen"))
    }

    @Test func liveOnlyOptionsAreRefusedWithRead() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let f = try fixtureFile(dir)
        for (option, value) in [("--queue", "bounded"), ("--fanotify-layout", "fid"), ("--batch-delay", "1"),
                                ("--read-buffer", "65536")] {
            let r = try watch(["--read", f, option, value])
            #expect(r.status == 2, "\(option)")
            #expect(r.stderr.contains("\(option) tunes the live source; it cannot be used with --read"), "\(r.stderr)")
        }
        let follow = try watch(["--read", f, "--follow", "--queue", "unlimited"])
        #expect(follow.status == 2 && follow.stderr.contains("--queue tunes the live source"))
    }

    @Test func unreadableInputIsSaidWithoutASummary() throws {
        for args in [["--read", "/nonexistent/x.bsm"], ["--input", "bsm", "--read", "/nonexistent/x.bsm"]] {
            let r = try run(args)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr == "filewatcher: open /nonexistent/x.bsm: No such file or directory\n", "\(args): \(r.stderr)")
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let later = try run(["--input", "bsm", "--read", try fixtureFile(dir), "/nonexistent/y.bsm"])
        #expect(later.status == 1)
        #expect(later.out.isEmpty, "nothing is read before every file is known to be there")
        #expect(later.stderr == "filewatcher: open /nonexistent/y.bsm: No such file or directory\n", "\(later.stderr)")
    }

    @Test func replayedUidsStayNumbersUnlessNamesAreAsked() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let f = try fixtureFile(dir)
        // The fixture's uids 0 and 65534 are root and nobody here; in a trail from elsewhere they may be anyone.
        let numbers = try watch(["--read", f, "--no-summary"]).out.split(separator: "\n")
        #expect(numbers[0].hasPrefix("[2023-11-14 22:13:20] [0] Detected exec"))
        #expect(numbers[5].contains("] [65534] Detected open"))
        let names = try watch(["--read", f, "--no-summary", "--resolve-users"]).out.split(separator: "\n")
        #expect(names[0].hasPrefix("[2023-11-14 22:13:20] [root] Detected exec"))
        #expect(names[5].contains("] [nobody] Detected open"), "\(names[5])")
        // JSON carries no user name either unless asked.
        let json = try watch(["--read", f, "--no-summary", "--format", "json"]).out
        #expect(!json.contains("\"root\""))
        #expect(try watch(["--read", f, "--no-summary", "--format", "json", "--resolve-users"]).out.contains("\"root\""))
        // --user NAME still selects by this machine's uid for the name.
        #expect(try watch(["--read", f, "--no-summary", "--user", "root"]).out.split(separator: "\n").count == 5)
    }

    @Test func timeFormats() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let f = try fixtureFile(dir)
        let iso = try watch(["--read", f, "--no-summary", "--time-format", "iso"]).out
        #expect(iso.hasPrefix("[2023-11-14T22:13:20.000000Z] [0] Detected exec"), "\(iso)")
        let epoch = try watch(["--read", f, "--no-summary", "--time-format", "epoch"]).out
        #expect(epoch.hasPrefix("[1700000000.000000] [0] Detected exec"), "\(epoch)")
        let bad = try watch(["--read", f, "--time-format", "utc"])
        #expect(bad.status == 2)
    }

    @Test(.needsRoot, .enabled(if: TestEnvironment.isLinux, "fanotify is Linux's"))
    func underANonexistentDirectoryWarns() throws {
        let dir = try TemporaryDirectory("fw-under-missing")
        defer { dir.remove() }
        let missing = dir.file("no-such-dir")
        let file = dir.file("plain")
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let r = try watch(["--under", missing, "--under", file, "--under", dir.path, "--no-summary", "--seconds", "0.3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("filewatcher: warning: --under \(missing): no such directory"), "\(r.stderr)")
        #expect(r.stderr.contains("filewatcher: warning: --under \(file): not a directory"), "\(r.stderr)")
        #expect(!r.stderr.contains("--under \(dir.path):"), "an existing directory is fine")
    }
}
