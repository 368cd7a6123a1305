import BSM
import FileWatchCore
import Foundation
import Testing
import TestSupport
@testable import EventSources

/// exec, open, rename, unlink (ENOENT) by one pid.
private func fixtureRecords() -> [[UInt8]] {
    let t = TrailFixture.self
    let s = t.subject(pid: 77, session: 1)
    return [
        t.record(23, seconds: t.t0, [t.arguments(["mv", "a", "b"]), t.path("/bin/mv"), s, t.ret()]).bytes,
        t.record(72, seconds: t.t0 + 1, ms: 5, [s, t.path("/tmp/a"), t.ret()]).bytes,
        t.record(42, seconds: t.t0 + 2, [s, t.path("/tmp/a"), t.path("/tmp/b"), t.ret()]).bytes,
        t.record(6, seconds: t.t0 + 3, [s, t.path("/tmp/c"), t.failure(2)]).bytes,
    ]
}

@Suite struct TrailSourceTests {
    @Test func replaysOurFixture() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write(fixtureRecords().flatMap { $0 }, to: "t.bsm")
        let c = try runToEnd(TrailSource(path: file))
        #expect(c.notices.isEmpty)
        try #require(c.events.count == 4)
        #expect(c.events.map(\.kind) == [.exec, .open, .rename, .delete])
        #expect(c.events[1].process.name == "mv" && c.events[1].process.executable == "/bin/mv")
        #expect(c.events[1].time == 1_700_000_001_005_000)
        #expect(c.events[2].path == "/tmp/a" && c.events[2].destinationPath == "/tmp/b")
        #expect(c.events[3].result == .failure(errno: ENOENT))
        #expect(c.events[0].detail == .bsm(event: 23, name: "AUE_EXECVE", modifier: 0))
        #expect(c.events[1].detail == .bsm(event: 72, name: "AUE_OPEN_R", modifier: 0))
    }

    @Test func damageIsReportedWithOffsetAndLaterRecordsSurvive() throws {
        let r = fixtureRecords()
        var bytes = r[0] + r[1]
        let garbageAt = bytes.count
        bytes += [0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]
        bytes += r[2] + r[3]
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write(bytes, to: "d.bsm")
        let c = try runToEnd(TrailSource(path: file))
        #expect(c.events.map(\.kind) == [.exec, .open, .rename, .delete])
        try #require(c.notices.count == 1)
        guard case .damaged(let name, let offset, let reason) = c.notices[0] else { Issue.record("not damage"); return }
        #expect(name == file)
        #expect(offset == UInt64(garbageAt))
        #expect(reason.contains("skipped 6 bytes"))
    }

    @Test func truncatedTailIsDamage() throws {
        let r = fixtureRecords()
        let bytes = r[0] + r[1].dropLast(3)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let c = try runToEnd(TrailSource(path: try dir.write(bytes, to: "t.bsm")))
        #expect(c.events.count == 1)
        #expect(c.notices.count == 1)
    }

    @Test(.timeLimit(.minutes(1))) func readsAPipeInSmallPiecesAndStopsOnRequest() throws {
        let fifo = try FIFOFeeder()
        defer { fifo.remove() }
        // The writer keeps the pipe open: the source must stop on the token, not on EOF.
        fifo.feed(fixtureRecords().flatMap { $0 }, holdOpen: 30)
        let source = TrailSource(path: fifo.path)
        source.chunkSize = 7  // records split across reads
        source.pollMilliseconds = 20
        try withRunningSource(source) { running in
            try running.wait(for: { $0.events.count == 4 && $0.idles >= 1 })
        }
    }

    @Test func missingFileIsAClearError() {
        #expect {
            try TrailSource(path: "/nonexistent/trail.bsm").run(until: StopToken(), into: CollectingReceiver())
        } throws: { error in
            "\(error)".contains("/nonexistent/trail.bsm") && "\(error)".contains("open")
        }
    }

    @Test(.needsSamples) func sampleTrails() throws {
        let samples = URL(fileURLWithPath: try #require(TestEnvironment.samples))
        let c = try runToEnd(TrailSource(path: samples.appendingPathComponent("freebsd-13-logins-execs.bsm").path))
        #expect(c.notices.isEmpty)
        let execs = c.events.filter { $0.kind == .exec }
        #expect(execs.count == 24)
        let git = try #require(execs.first { $0.path == "/usr/local/bin/git" })
        #expect(git.process.name == "git")
        #expect(git.process.arguments?.first == "git")
        #expect(git.process.uid == 1001)

        // The damaged-size sample: praudit prints nothing; we report the damage and keep what is valid.
        let d = try runToEnd(TrailSource(path: samples.appendingPathComponent("freebsd-13-damaged-size.bsm").path))
        #expect(d.notices.contains { if case .damaged = $0 { return true } else { return false } })

        // A version-10 header with a 50-argument execve.
        let long = try runToEnd(TrailSource(path: samples.appendingPathComponent("openbsm-execve-long-args.bsm").path))
        #expect(long.events.count == 1)
        #expect(long.events.first?.kind == .exec && long.events.first?.path == "/usr/bin/grep")
        #expect(long.events.first?.process.arguments?.count == 50)
        #expect(long.events.first?.process.arguments?.prefix(2) == ["grep", "au_fetch_tok"])

        // OpenBSM's reference records, one per errno (E2BIG_record …): each maps to a failure with
        // this host's number for that errno name, through the BSM errno table.
        let reference = samples.appendingPathComponent("openbsm-reference")
        var checked = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: reference.path)
        where name.hasPrefix("E") && name.hasSuffix("_record") {
            let symbol = String(name.dropLast("_record".count))
            let r = try runToEnd(TrailSource(path: reference.appendingPathComponent(name).path))
            #expect(r.events.count == 1, "\(name)")
            #expect(r.events.first?.result == .failure(errno: HostErrno.byName[symbol]), "\(name)")
            checked += 1
        }
        #expect(checked >= 30)

        // Every sample replays without throwing.
        for name in try FileManager.default.contentsOfDirectory(atPath: samples.path) where name.hasSuffix(".bsm") {
            try runToEnd(TrailSource(path: samples.appendingPathComponent(name).path))
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct TrailSourceFIFOTests {
    /// A FIFO nobody writes to: the source waits (opening it must not block) and a stop request ends it.
    @Test func writerlessFIFOEndsOnStop() throws {
        let fifo = try FIFOFeeder()
        defer { fifo.remove() }
        let source = TrailSource(path: fifo.path)
        source.pollMilliseconds = 20
        let events = try withRunningSource(source, stopTimeout: .seconds(5)) { running in
            usleep(200_000)
            #expect(!running.finished, "waits for a writer")
            return running.receiver.events
        }
        #expect(events.isEmpty)
    }

    /// Damage still being skipped when a stop request comes is reported, not forgotten.
    @Test func damagePendingAtStopIsReported() throws {
        let fifo = try FIFOFeeder()
        defer { fifo.remove() }
        let good = TrailFixture.fileToken() + TrailFixture.Mac.session()
        let junk = [UInt8](repeating: 0xee, count: 300)  // no record can start in it: the reader waits for its end
        fifo.feed(good + junk, holdOpen: 30)
        let source = TrailSource(path: fifo.path)
        source.pollMilliseconds = 20
        let r = try withRunningSource(source, stopTimeout: .seconds(5)) { running in
            try running.wait(for: { $0.events.count >= 6 })
            usleep(200_000)
            #expect(running.receiver.damages.isEmpty, "not reported before the stop (its end is unknown)")
            return running.receiver
        }
        let damage = try #require(r.damages.first, "\(r.notices)")
        guard case .damaged(_, let offset, let reason) = damage else { return }
        #expect(offset == UInt64(good.count))
        #expect(reason.contains("skipped 300 bytes so far (reading stopped before the damage ended)"), "\(reason)")
    }

    /// A writer that comes later is read to its end.
    @Test func lateWriterIsReadToItsEnd() throws {
        let fifo = try FIFOFeeder()
        defer { fifo.remove() }
        let source = TrailSource(path: fifo.path)
        source.pollMilliseconds = 20
        let r = try withRunningSource(source) { running in
            usleep(100_000)
            fifo.feed(TrailFixture.Mac.trail(sessions: 1))
            try running.waitForEnd()
            return running.receiver
        }
        #expect(r.events.count == 6 && r.damages.isEmpty)
    }
}
