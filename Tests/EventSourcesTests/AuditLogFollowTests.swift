// `--read audit.log --follow` in-process: a writer appends auditd line groups to a real file while
// TrailFollowSource follows it; rotation done as auditd does it (audit.log.1 → .2, audit.log →
// audit.log.1, a new audit.log), an event's records split across the rotation and a line split
// across two reads, truncation in place: every serial arrives once, whole, in order.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport
import FileWatchCore
@testable import EventSources

/// Checks of the events of AuditLogWriter's groups.
enum AuditFollowLog {
    static func serial(_ e: Event) -> UInt64? {
        if case .linuxAudit(let d) = e.detail { return d.serial }
        return nil
    }

    /// Each event is the whole group of its serial: the open of dir/fileN by cat with pid 10000+N.
    static func checkWhole(_ events: [Event], dir: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for e in events {
            guard let s = serial(e) else { Issue.record("no audit serial: \(e)", sourceLocation: sourceLocation); continue }
            #expect(e.kind == .open && e.path == ByteString("\(dir)/file\(s)") && e.process.pid == Int32(10_000 + s)
                    && e.process.name == ByteString("cat"), "event \(s) not whole: \(e)", sourceLocation: sourceLocation)
        }
    }
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct AuditLogFollowTests {
    @Test func followsGrowthAndAuditdRotationWithoutLossOrDuplicates() throws {
        let dir = try TemporaryDirectory("fw-auditfollow")
        defer { dir.remove() }
        let log = dir.file("audit.log")
        let base = dir.path
        // An older rotated log that must not be read, and the log holding events 1…10.
        AuditLogWriter.append(AuditLogWriter.text(900...902, dir: base), to: log + ".1")
        AuditLogWriter.append(AuditLogWriter.text(1...10, dir: base), to: log)

        let source = TrailFollowSource(path: log)  // the format is recognized from the first bytes
        source.pollMilliseconds = 20
        source.chunkSize = 97  // reads end inside lines and inside events everywhere
        let receiver = try withRunningSource(source) { running in
            try running.wait(for: { $0.events.count >= 10 })

            // Growth, with a line cut in the middle and its rest written after the follower read the first part.
            let eleven = AuditLogWriter.text(11...11, dir: base)
            let cut = eleven.utf8.count / 3
            AuditLogWriter.append(String(eleven.prefix(cut)), to: log)
            usleep(150_000)
            AuditLogWriter.append(String(eleven.dropFirst(cut)) + AuditLogWriter.text(12...20, dir: base), to: log)
            try running.wait(for: { $0.events.count >= 20 })

            // The last event before the rotation is written in two halves: SYSCALL + CWD to the old
            // file, then auditd rotates, then PATH + PROCTITLE + EOE to the new one.
            let split = AuditLogWriter.lines(21, dir: base)
            AuditLogWriter.append(split[0..<2].joined(separator: "\n") + "\n", to: log)
            usleep(100_000)
            AuditLogWriter.rotate(log)
            AuditLogWriter.append(split[2...].joined(separator: "\n") + "\n", to: log)
            AuditLogWriter.append(AuditLogWriter.text(22...30, dir: base), to: log)
            try running.wait(for: { $0.events.count >= 30 })

            // A second rotation at once after writing to the old file (the follower finds the old
            // file's last records through its open descriptor, after the rename).
            AuditLogWriter.append(AuditLogWriter.text(31...35, dir: base), to: log)
            AuditLogWriter.rotate(log)
            AuditLogWriter.append(AuditLogWriter.text(36...40, dir: base), to: log)
            try running.wait(for: { $0.events.count >= 40 })
            usleep(200_000)
            return running.receiver
        }
        let serials = receiver.events.compactMap(AuditFollowLog.serial)
        #expect(serials == (1...40).map(UInt64.init), "\(serials)")
        AuditFollowLog.checkWhole(receiver.events, dir: dir.path)
        #expect(source.filesRead == 3)
        #expect(source.kind == .auditLog)
        #expect(receiver.notices.filter { $0 == .info("\(log): log rotated, following the new log") }.count == 2, "\(receiver.notices)")
        #expect(receiver.damages.isEmpty, "\(receiver.damages)")
        #expect(!receiver.notices.contains { "\($0)".contains("never logged") }, "\(receiver.notices)")
        // The rotated files hold what was written to them.
        #expect(try String(contentsOfFile: log + ".2", encoding: .utf8).contains("audit(") )
        #expect(try String(contentsOfFile: log + ".3", encoding: .utf8).contains(":900)"))
    }

    @Test func logsRotatedTwiceBetweenTwoLooksAreAllRead() throws {
        let dir = try TemporaryDirectory("fw-auditfollow")
        defer { dir.remove() }
        let log = dir.file("audit.log")
        AuditLogWriter.append(AuditLogWriter.text(1...5, dir: dir.path), to: log)
        let source = TrailFollowSource(path: log)
        source.pollMilliseconds = 500  // both rotations come while it sleeps
        let receiver = try withRunningSource(source) { running in
            try running.wait(for: { $0.events.count >= 5 })
            // auditd rotates twice (then three times) between two looks of the follower: the logs
            // in between (now audit.log.1, audit.log.2) are read in order before the newest.
            AuditLogWriter.append(AuditLogWriter.text(6...8, dir: dir.path), to: log)
            AuditLogWriter.rotate(log)
            AuditLogWriter.append(AuditLogWriter.text(9...11, dir: dir.path), to: log)
            AuditLogWriter.rotate(log)
            AuditLogWriter.append(AuditLogWriter.text(12...14, dir: dir.path), to: log)
            try running.wait(for: { $0.events.count >= 14 })
            AuditLogWriter.rotate(log)
            AuditLogWriter.append(AuditLogWriter.text(15...16, dir: dir.path), to: log)
            AuditLogWriter.rotate(log)
            AuditLogWriter.rotate(log)
            AuditLogWriter.append(AuditLogWriter.text(17...18, dir: dir.path), to: log)
            try running.wait(for: { $0.events.count >= 18 })
            usleep(600_000)
            return running.receiver
        }
        let serials = receiver.events.compactMap(AuditFollowLog.serial)
        #expect(serials == (1...18).map(UInt64.init), "\(serials)")
        AuditFollowLog.checkWhole(receiver.events, dir: dir.path)
        #expect(source.filesRead == 1 + 2 + 3)
        #expect(receiver.notices.contains(.info("\(log): log rotated more than once meanwhile; reading \(log).1, then the logs after it")),
                "\(receiver.notices)")
        #expect(receiver.damages.isEmpty, "\(receiver.damages)")
    }

    /// After audit.log.2 comes audit.log.1; one that cannot be opened is said as a loss and passed
    /// over; an old log under no audit.log.N name is followed by audit.log.
    @Test func theLogAfterARotatedOneIsTheNextNumberDown() throws {
        let dir = try TemporaryDirectory("fw-auditfollow")
        defer { dir.remove() }
        let log = dir.file("audit.log")
        for name in ["audit.log", "audit.log.1", "audit.log.2", "audit.log.3"] { AuditLogWriter.append("", to: dir.file(name)) }
        let source = TrailFollowSource(path: log, format: .linuxAudit)
        let receiver = CollectingReceiver()
        let old = try #require(source.identity(atPath: log + ".2"))
        var (fd, name) = try #require(source.successor(of: old, auditLog: true, receiver))
        try fd.close()
        #expect(name == log + ".1" && receiver.notices.isEmpty)
        // audit.log.1 cannot be opened (here: a symbolic link to itself, ELOOP; for a user not
        // root: a rotated log auditd made read-only for root).
        #expect(unlink(log + ".1") == 0 && symlink(log + ".1", log + ".1") == 0)
        (fd, name) = try #require(source.successor(of: old, auditLog: true, receiver))
        try fd.close()
        #expect(name == log)
        #expect(receiver.notices.count == 1 && "\(receiver.notices)".contains("\(log).1 (rotated meanwhile) cannot be read"), "\(receiver.notices)")
        // Renamed otherwise (logrotate's dateext) or deleted: the new audit.log, said.
        let gone = try #require(source.identity(atPath: log + ".3"))
        #expect(rename(log + ".3", log + "-20261203") == 0)
        (fd, name) = try #require(source.successor(of: gone, auditLog: true, receiver))
        try fd.close()
        #expect(name == log && "\(receiver.notices.last!)".contains("under no name \(log).N"))
    }

    @Test func aLogTruncatedInPlaceIsReadAgainFromItsStart() throws {
        let dir = try TemporaryDirectory("fw-auditfollow")
        defer { dir.remove() }
        let log = dir.file("audit.log")
        AuditLogWriter.append(AuditLogWriter.text(1...10, dir: dir.path), to: log)
        let source = TrailFollowSource(path: log, format: .linuxAudit)
        source.pollMilliseconds = 20
        let receiver = try withRunningSource(source) { running in
            try running.wait(for: { $0.events.count >= 10 })
            // Truncated (as logrotate's copytruncate does) and written again, shorter than before.
            #expect(truncate(log, 0) == 0)
            AuditLogWriter.append(AuditLogWriter.text(11...12, dir: dir.path), to: log)
            try running.wait(for: { $0.events.count >= 12 })
            // Truncated and at once written again, longer than before: the bytes where reading
            // stopped tell, not the size.
            let fd = open(log, O_WRONLY | O_TRUNC)
            let again = Array(AuditLogWriter.text(13...30, dir: dir.path).utf8)
            _ = again.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            try running.wait(for: { $0.events.count >= 30 })
            // Then growing again as usual.
            AuditLogWriter.append(AuditLogWriter.text(31...32, dir: dir.path), to: log)
            try running.wait(for: { $0.events.count >= 32 })
            usleep(200_000)
            return running.receiver
        }
        let serials = receiver.events.compactMap(AuditFollowLog.serial)
        #expect(serials == (1...32).map(UInt64.init), "\(serials)")
        AuditFollowLog.checkWhole(receiver.events, dir: dir.path)
        let restarts = receiver.notices.filter { "\($0)".contains("log truncated or rewritten") }
        #expect(restarts.count == 2, "\(receiver.notices)")
        #expect(receiver.damages.isEmpty, "\(receiver.damages)")
    }

    @Test func anEmptyLogIsRecognizedFromItsFirstLinesAndAnEventWithoutEOECompletesWhenItIdles() throws {
        let dir = try TemporaryDirectory("fw-auditfollow")
        defer { dir.remove() }
        let log = dir.file("audit.log")
        AuditLogWriter.append("", to: log)
        let source = TrailFollowSource(path: log)
        source.pollMilliseconds = 20
        let receiver = try withRunningSource(source) { running in
            usleep(100_000)
            AuditLogWriter.append(AuditLogWriter.text(1...3, dir: dir.path), to: log)
            try running.wait(for: { $0.events.count >= 3 })
            // A kernel that writes no EOE: the event is complete once nothing more came for the
            // assembler's timeout (2 s), while the follower waits — not only at the stop.
            AuditLogWriter.append(AuditLogWriter.lines(4, dir: dir.path, eoe: false).joined(separator: "\n") + "\n", to: log)
            try running.wait(for: { $0.events.count >= 4 }, timeout: .seconds(10))
            return running.receiver
        }
        #expect(receiver.events.compactMap(AuditFollowLog.serial) == [1, 2, 3, 4])
        AuditFollowLog.checkWhole(receiver.events, dir: dir.path)
        #expect(source.kind == .auditLog)
    }

    @Test func aStopDeliversOpenEventsAndDropsALineStillBeingWritten() throws {
        let dir = try TemporaryDirectory("fw-auditfollow")
        defer { dir.remove() }
        let log = dir.file("audit.log")
        let second = AuditLogWriter.lines(2, dir: dir.path)
        // Event 1 whole; event 2's first three records and half of its PROCTITLE line.
        AuditLogWriter.append(AuditLogWriter.text(1...1, dir: dir.path) + second[0..<3].joined(separator: "\n") + "\n" + second[3].prefix(20), to: log)
        let source = TrailFollowSource(path: log)
        source.pollMilliseconds = 20
        let receiver = try withRunningSource(source, stopTimeout: .seconds(5)) { running in
            try running.wait(for: { $0.events.count >= 1 })
            usleep(100_000)
            return running.receiver
        }
        #expect(receiver.events.compactMap(AuditFollowLog.serial) == [1, 2])
        AuditFollowLog.checkWhole(receiver.events, dir: dir.path)
        #expect(receiver.damages.isEmpty, "a line still being written is not damage: \(receiver.damages)")
    }

    @Test func inputThatCannotBeFollowedIsRefused() throws {
        let dir = try TemporaryDirectory("fw-auditfollow")
        defer { dir.remove() }
        let log = dir.file("audit.log")
        AuditLogWriter.append("", to: log)
        let source = TrailFollowSource(path: log)
        source.pollMilliseconds = 20
        AuditLogWriter.append("hello, this is no audit log at all\n", to: log)
        #expect(throws: SessionError.self) { try runToEnd(source, timeout: .seconds(10)) }
    }
}
