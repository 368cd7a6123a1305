#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import EventSources
import FileWatchCore
import Foundation
import Synchronization
import Testing
import TestSupport
@testable import filewatcher

/// The session's extension points: several recordings, recognized formats, several live sources
/// merged, several sinks, summary contributions; and `--under` resolved once.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SessionCompositionTests {
    @Test func severalRecordingsAndADirectoryAreReadInTimeOrder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let a = try dir.write(TrailFixture.trail([TrailFixture.editing[0]]), to: "a.bsm")
        let b = try dir.write(TrailFixture.trail([TrailFixture.editing[1]]), to: "b.bsm")
        let r = try watch(["--read", b, a, "-a", "--no-summary", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let kinds = r.out.split(separator: "\n").map { $0.contains("\"event\":\"open\"") ? "open" : "exec" }
        #expect(kinds == ["exec", "open"], "BSM trails are merged in time order (the exec is a second earlier)")

        // A directory: its files (not hidden ones) in name order.
        let trails = try TemporaryDirectory()
        defer { trails.remove() }
        for (i, record) in TrailFixture.editing.enumerated() {
            try trails.write(TrailFixture.trail([record]), to: "2023111422132\(i).2023111422132\(i)")
        }
        try trails.write("not a trail", to: ".hidden")
        let d = try watch(["--read", trails.path, "-a", "--format", "json"])
        #expect(d.status == 0, "\(d.stderr)")
        #expect(d.out.split(separator: "\n").count == 7)
        #expect(d.stderr.contains("7 events seen, 7 shown"))
        let empty = try TemporaryDirectory()
        defer { empty.remove() }
        let e = try watch(["--read", empty.path])
        #expect(e.status == 1 && e.stderr.contains("no files to read"))
    }

    @Test func inputFormatIsRecognizedOrNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let text = try dir.write("type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e\n", to: "audit.log")
        let r = try watch(["--read", text])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(text): not a recognized recording (first bytes 74 79 70 65"), "\(r.stderr)")
        #expect(r.stderr.contains("--input"))
        // Named explicitly, the bytes are read as BSM (and reported as damage, nothing shown).
        let forced = try watch(["--read", text, "--input", "bsm"])
        #expect(forced.status == 1 && forced.stderr.contains("damaged input at byte offset 0"))
    }

    @Test(.needsSamples) func everySampleTrailIsRecognized() throws {
        let samples = try #require(TestEnvironment.samples)
        for name in try FileManager.default.contentsOfDirectory(atPath: samples) where name.hasSuffix(".bsm") {
            let r = try watch(["--read", samples + "/" + name, "--no-summary", "--format", "json"])
            #expect(!r.stderr.contains("not a recognized recording"), "\(name): \(r.stderr)")
        }
    }

    @Test func underIsResolvedOnceForLiveInputOnly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let real = dir.file("real")
        #expect(mkdir(real, 0o700) == 0)
        let link = dir.file("link")
        #expect(symlink(real, link) == 0)
        var result = RunResult(status: 0, stdout: Data(), stderr: "")
        let live = try #require(parseWatch(["--under", link + "/", "--under", "relative"], into: &result))
        let session = WatchSession(configuration: try live.makeConfiguration())
        let cwd = FileManager.default.currentDirectoryPath
        #expect(session.configuration.filters.under == [real, cwd + "/relative"])
        // The live source marks exactly the directories the filters use.
        #expect(session.configuration.watchedDirectories == session.configuration.filters.under)
        // A recording from elsewhere is matched as given.
        let replay = try #require(parseWatch(["--read", "x.bsm", "--under", link], into: &result))
        #expect(WatchSession(configuration: try replay.makeConfiguration()).configuration.filters.under == [link])
    }

    @Test func usersAreLookedUpOnce() throws {
        var result = RunResult(status: 0, stdout: Data(), stderr: "")
        let command = try #require(parseWatch(["--read", "x", "--user", "root", "--user", "0", "--user", "no-such-user-xyz"], into: &result))
        let users = WatchSession(configuration: try command.makeConfiguration()).configuration.filters.users
        #expect(users == [UserSelector(uid: 0, name: "root"), UserSelector(uid: 0, name: "root"),
                          UserSelector(uid: nil, name: "no-such-user-xyz")])
    }

    /// Two live sources side by side (two auditpipe FIFOs), merged into one stream; two sinks (the
    /// configured output and an added one that reports at the end).
    @Test func twoSourcesMergeAndTwoSinksFanOut() throws {
        let first = try FIFOFeeder(), second = try FIFOFeeder()
        defer { first.remove(); second.remove() }
        first.feed(TrailFixture.Mac.trail(sessions: 3), chunks: [100])
        second.feed(TrailFixture.Mac.trail(sessions: 2), chunks: [77])
        let dir = try TemporaryDirectory()
        defer { dir.remove() }

        final class Counting: EventSink, SessionReporting, @unchecked Sendable {
            var paths: [String] = []
            func write(_ event: Event) throws { paths.append(event.path?.description ?? "-") }
            func flush() throws {}
            var summaryLines: [String] { ["counting sink: \(paths.count) events"] }
        }
        let extra = Counting()
        var c = WatchConfiguration()
        c.input = .live([.auditpipe])
        c.auditPipePath = first.path
        c.filters.all = true
        c.output.format = .json
        c.output.path = dir.file("out.jsonl")
        let diagnostics = DiagnosticsText()
        let session = WatchSession(configuration: c, io: SessionIO(standardOutput: { .standardOutput() },
                                                                   diagnostics: { diagnostics.append($0) }))
        let secondPath = second.path
        session.extensions.sources = [{ _ in AuditPipeSource(path: secondPath, classMask: 0x7f) }]
        session.extensions.sinks = [{ _ in extra }]
        let outcome = try session.run()  // both FIFOs end: both sources end, and so does the run
        #expect(outcome.exitStatus == 0, "\(diagnostics.value)")
        #expect(outcome.statistics.seen == 30)
        #expect(extra.paths.count == 30)
        #expect(extra.paths.filter { $0.hasPrefix("/Users/me/doc2") }.count == 4, "the first FIFO's third session")
        #expect(try String(contentsOfFile: c.output.path!, encoding: .utf8).split(separator: "\n").count == 30)
        #expect(outcome.summary.contains("  counting sink: 30 events\n"))
        #expect(diagnostics.value.contains("filewatcher summary: 30 events seen"))
    }

    /// A stop request ends every merged source, even ones still waiting for input.
    @Test func stopEndsEveryMergedSource() throws {
        let first = try FIFOFeeder(), second = try FIFOFeeder()
        defer { first.remove(); second.remove() }
        first.feed(TrailFixture.Mac.trail(sessions: 1), holdOpen: 60)
        // The second FIFO is never written: its source waits for a writer until the stop request.
        let sources: [EventSource] = [AuditPipeSource(path: first.path, classMask: 0x7f),
                                      AuditPipeSource(path: second.path, classMask: 0x7f)]
        for case let s as AuditPipeSource in sources { s.pollMilliseconds = 20 }
        let merged = try withRunningSource(MergedSource(sources), stopTimeout: .seconds(10)) { running in
            try running.wait(for: { $0.events.count >= 6 })
            return running.receiver.events.count
        }
        #expect(merged == 6)
    }
}
