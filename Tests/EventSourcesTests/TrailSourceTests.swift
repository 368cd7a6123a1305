import BSM
import FileWatchCore
import Foundation
import Testing
@testable import EventSources

private let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
private let samples: URL? = {
    for rel in ["../shared/samples", "../../shared/samples"] {
        let u = repoRoot.appendingPathComponent(rel).standardizedFileURL
        if FileManager.default.fileExists(atPath: u.path) { return u }
    }
    return nil
}()

final class Collector: EventReceiver {
    var events: [Event] = []
    var notices: [SourceNotice] = []
    var idles = 0
    func receive(_ event: Event) { events.append(event) }
    func notice(_ notice: SourceNotice) { notices.append(notice) }
    func sourceIdle() { idles += 1 }
}

private func tempDir() throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("fw-core-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

private func subject(_ pid: UInt32) -> Token {
    .subject32(Subject(auid: 501, euid: 501, egid: 20, ruid: 501, rgid: 20, pid: pid, sid: 1, port: 0, address: .v4(0)))
}
private func path(_ s: String) -> Token { .path(BSMBytes(Array(s.utf8) + [0])) }
private func ok() -> Token { .return32(ReturnToken(status: 0, value: 0)) }

/// exec, open, rename, unlink (ENOENT) by one pid.
private func fixtureRecords() -> [[UInt8]] {
    [
        RecordBuilder(event: 23, seconds: 1_700_000_000, tokens: [
            .execArgs(ExecStrings([Array("mv".utf8), Array("a".utf8), Array("b".utf8)])), path("/bin/mv"), subject(77), ok(),
        ]).bytes,
        RecordBuilder(event: 72, seconds: 1_700_000_001, milliseconds: 5, tokens: [subject(77), path("/tmp/a"), ok()]).bytes,
        RecordBuilder(event: 42, seconds: 1_700_000_002, tokens: [subject(77), path("/tmp/a"), path("/tmp/b"), ok()]).bytes,
        RecordBuilder(event: 6, seconds: 1_700_000_003, tokens: [subject(77), path("/tmp/c"),
                                                                  .return32(ReturnToken(status: 2, value: 0xffff_ffff))]).bytes,
    ]
}

@Suite struct TrailSourceTests {
    @Test func replaysOurFixture() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("t.bsm")
        try Data(fixtureRecords().flatMap { $0 }).write(to: file)
        let c = Collector()
        try TrailSource(path: file.path).run(until: StopToken(), into: c)
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
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("d.bsm")
        try Data(bytes).write(to: file)
        let c = Collector()
        try TrailSource(path: file.path).run(until: StopToken(), into: c)
        #expect(c.events.map(\.kind) == [.exec, .open, .rename, .delete])
        try #require(c.notices.count == 1)
        guard case .damaged(let name, let offset, let reason) = c.notices[0] else { Issue.record("not damage"); return }
        #expect(name == file.path)
        #expect(offset == UInt64(garbageAt))
        #expect(reason.contains("skipped 6 bytes"))
    }

    @Test func truncatedTailIsDamage() throws {
        let r = fixtureRecords()
        let bytes = r[0] + r[1].dropLast(3)
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("t.bsm")
        try Data(bytes).write(to: file)
        let c = Collector()
        try TrailSource(path: file.path).run(until: StopToken(), into: c)
        #expect(c.events.count == 1)
        #expect(c.notices.count == 1)
    }

    @Test func readsAPipeInSmallPiecesAndStopsOnRequest() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let all = fixtureRecords().flatMap { $0 }
        let stop = StopToken()
        let c = Collector()
        let source = TrailSource(path: fifo)
        source.chunkSize = 7  // records split across reads
        source.pollMilliseconds = 20
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            all.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
            // Keep the pipe open: the source must stop on the token, not on EOF.
            usleep(300_000)
            stop.stop()
            usleep(200_000)
            close(fd)
        }
        writer.start()
        try source.run(until: stop, into: c)
        #expect(c.events.count == 4)
        #expect(c.idles >= 1)
    }

    @Test func missingFileIsAClearError() {
        #expect {
            try TrailSource(path: "/nonexistent/trail.bsm").run(until: StopToken(), into: Collector())
        } throws: { error in
            "\(error)".contains("/nonexistent/trail.bsm") && "\(error)".contains("open")
        }
    }

    @Test func sampleTrails() throws {
        guard let samples else {
            print("SKIP: sample trails: ../shared/samples is not present")
            return
        }
        let c = Collector()
        try TrailSource(path: samples.appendingPathComponent("freebsd-13-logins-execs.bsm").path).run(until: StopToken(), into: c)
        #expect(c.notices.isEmpty)
        let execs = c.events.filter { $0.kind == .exec }
        #expect(execs.count == 24)
        let git = try #require(execs.first { $0.path == "/usr/local/bin/git" })
        #expect(git.process.name == "git")
        #expect(git.process.arguments?.first == "git")
        #expect(git.process.uid == 1001)

        // The damaged-size sample: praudit prints nothing; we report the damage and keep what is valid.
        let d = Collector()
        try TrailSource(path: samples.appendingPathComponent("freebsd-13-damaged-size.bsm").path).run(until: StopToken(), into: d)
        #expect(d.notices.contains { if case .damaged = $0 { return true } else { return false } })

        // A version-10 header with a 50-argument execve.
        let long = Collector()
        try TrailSource(path: samples.appendingPathComponent("openbsm-execve-long-args.bsm").path).run(until: StopToken(), into: long)
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
            let r = Collector()
            try TrailSource(path: reference.appendingPathComponent(name).path).run(until: StopToken(), into: r)
            #expect(r.events.count == 1, "\(name)")
            #expect(r.events.first?.result == .failure(errno: HostErrno.byName[symbol]), "\(name)")
            checked += 1
        }
        #expect(checked >= 30)

        // Every sample replays without throwing.
        for name in try FileManager.default.contentsOfDirectory(atPath: samples.path) where name.hasSuffix(".bsm") {
            try TrailSource(path: samples.appendingPathComponent(name).path).run(until: StopToken(), into: Collector())
        }
    }
}

@Suite struct HostTests {
    @Test func outputFilesRefuseSymlinksAndArePrivate() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("target").path
        let link = dir.appendingPathComponent("link").path
        try "keep".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect { try FileDescriptorWriter.open(path: link, append: false) } throws: { e in
            "\(e)".contains("symbolic link")
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")

        let out = dir.appendingPathComponent("out").path
        do {
            let w = try FileDescriptorWriter.open(path: out, append: false)
            try Array("abc".utf8).withUnsafeBytes { try w.write($0) }
        }
        let attrs = try FileManager.default.attributesOfItem(atPath: out)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        do {
            let w = try FileDescriptorWriter.open(path: out, append: true)
            try Array("d".utf8).withUnsafeBytes { try w.write($0) }
        }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "abcd")

        // An existing world-readable file is tightened to 0600.
        let loose = dir.appendingPathComponent("loose").path
        _ = FileManager.default.createFile(atPath: loose, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])
        _ = try FileDescriptorWriter.open(path: loose, append: true)
        #expect((try FileManager.default.attributesOfItem(atPath: loose)[.posixPermissions] as? Int) == 0o600)
        // Devices are left alone.
        _ = try FileDescriptorWriter.open(path: "/dev/null", append: false)
        #expect((try FileManager.default.attributesOfItem(atPath: "/dev/null")[.posixPermissions] as? Int) == 0o666)
    }

    @Test func errnoTablesAndNames() {
        #expect(bsmErrnoToHost(2) == ENOENT)
        #expect(bsmErrnoToHost(93) == ENOTEMPTY)   // BSM 93 is ENOTEMPTY (Linux 39)
        #expect(bsmErrnoToHost(190) == nil)        // EPROCLIM: no Linux errno
        #expect(hostErrnoToBSM(ENOTEMPTY) == 93)
        #expect(hostErrnoToBSM(EACCES) == 13)
        #expect(bsmEventName(72) == "AUE_OPEN_R")
        #expect(bsmEventName(FileWatcherBSMEvent.read) == "AUE_FW_READ")
        #expect(bsmEventName(12345) == nil)
        #expect(errnoDescription(ENOENT) == "No such file or directory")
        #expect(SystemIdentityNames().userName(for: 0) == "root")
        #expect(SystemIdentityNames.uid(ofUser: "root") == 0)
        #expect(SystemIdentityNames.uid(ofUser: "no-such-user-xyz") == nil)
    }
}
