#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport
import BSM
import FileWatchCore
@testable import EventSources

private typealias MacRecords = TrailFixture.Mac

func appendBytes(_ bytes: [UInt8], to path: String) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
    precondition(fd >= 0)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct TrailFollowSourceTests {
    @Test func followsGrowthAndRotation() throws {
        let dir = try TemporaryDirectory("fw-follow")
        defer { dir.remove() }
        let first = dir.file("20231114221320.not_terminated")
        let second = dir.file("20231114222320.not_terminated")
        let current = dir.file("current")

        // Start: the trail holds a file token and one session (6 records).
        appendBytes(TrailFixture.fileToken(seconds: 1, name: "start") + MacRecords.session(second: 0, name: "a"), to: first)
        #expect(symlink(first, current) == 0)

        let source = TrailFollowSource(path: current)
        source.pollMilliseconds = 20
        let receiver = try withRunningSource(source) { running in
            let receiver = running.receiver
            try running.wait(for: { $0.events.count >= 6 })

            // The trail grows, a record split across two appends.
            let grow = MacRecords.session(second: 1, name: "b")
            appendBytes(Array(grow[0..<50]), to: first)
            usleep(100_000)
            appendBytes(Array(grow[50...]), to: first)
            try running.wait(for: { $0.events.count >= 12 })
            #expect(receiver.events.count == 12)

            // Rotation: the last records reach the old file, auditd terminates it and points
            // `current` at a new trail.
            appendBytes(MacRecords.session(second: 2, name: "c") + TrailFixture.fileToken(seconds: 2, name: "end"), to: first)
            appendBytes(TrailFixture.fileToken(seconds: 3, name: "start") + MacRecords.session(second: 3, name: "d"), to: second)
            let tmpLink = dir.file("current.tmp")
            #expect(symlink(second, tmpLink) == 0)
            #expect(rename(tmpLink, current) == 0)
            try running.wait(for: { $0.events.count >= 24 })
            return receiver
        }
        #expect(receiver.events.count == 24)
        let opens = receiver.events.filter { $0.kind == .open && $0.path != "/etc/hosts" }.compactMap(\.path)
        #expect(opens == ["/Users/me/a.txt", "/Users/me/b.txt", "/Users/me/c.txt", "/Users/me/d.txt"])
        #expect(source.filesRead == 2)
        #expect(receiver.notices.contains(.info("\(current): trail rotated, following the new trail")))
        #expect(receiver.damages.isEmpty)
    }

    @Test func severalRotationsBetweenTwoLooksAreReadInOrder() throws {
        let dir = try TemporaryDirectory("fw-follow")
        defer { dir.remove() }
        let starts = ["20231114221320", "20231114222320", "20231114223320", "20231114224320"]
        func open(_ i: Int) -> String { dir.file("\(starts[i]).not_terminated") }
        func terminated(_ i: Int) -> String { dir.file("\(starts[i]).\(starts[i + 1])") }
        let current = dir.file("current")
        func point(at trail: String) {
            let tmp = dir.file("current.tmp")
            #expect(symlink(trail, tmp) == 0)
            #expect(rename(tmp, current) == 0)
        }
        appendBytes(MacRecords.session(second: 0, name: "a"), to: open(0))
        point(at: open(0))
        let source = TrailFollowSource(path: current)
        source.pollMilliseconds = 1500  // the rotations below all happen between two looks
        let receiver = try withRunningSource(source) { running in
            try running.wait(for: { $0.events.count >= 6 })
            // auditd rotates three times: each trail gets its last records, is renamed to its
            // final name, and `current` moves on.
            for i in 0..<3 {
                appendBytes(MacRecords.session(second: UInt64(1 + i), name: "end\(i)"), to: open(i))
                #expect(rename(open(i), terminated(i)) == 0)
                appendBytes(MacRecords.session(second: UInt64(10 + i), name: "start\(i + 1)"), to: open(i + 1))
                point(at: open(i + 1))
            }
            try running.wait(for: { $0.events.count >= 42 })  // 7 sessions of 6 events
            return running.receiver
        }
        let opens = receiver.events.filter { $0.kind == .open && $0.path != "/etc/hosts" }.compactMap(\.path)
        #expect(opens == ["/Users/me/a.txt", "/Users/me/end0.txt", "/Users/me/start1.txt", "/Users/me/end1.txt",
                          "/Users/me/start2.txt", "/Users/me/end2.txt", "/Users/me/start3.txt"], "every trail, in order, once")
        #expect(source.filesRead == 4)
        #expect(receiver.notices.contains(.info("\(current): trail rotated more than once meanwhile; reading \(terminated(1)), then the trails after it")))
        #expect(receiver.damages.isEmpty)
    }

    @Test func aTruncatedOrRewrittenTrailIsReadAgainFromTheStart() throws {
        let dir = try TemporaryDirectory("fw-follow")
        defer { dir.remove() }
        let trail = dir.file("trail")
        appendBytes(MacRecords.trail(sessions: 16), to: trail)  // 96 records
        let source = TrailFollowSource(path: trail)
        source.pollMilliseconds = 20
        let receiver = try withRunningSource(source) { running in
            try running.wait(for: { $0.events.count >= 96 })
            // Truncated and at once written again, longer than before (36 sessions = 216 records):
            // the size alone does not tell, the bytes where reading stopped do.
            let fd = open(trail, O_WRONLY | O_TRUNC)
            let again = TrailFixture.fileToken(seconds: 7, name: "again") + (0..<36).flatMap { MacRecords.session(second: UInt64(100 + $0), name: "new\($0)") }
            _ = again.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            try running.wait(for: { $0.events.count >= 96 + 216 })
            // Then truncated to nothing and written again, shorter than before.
            let fd2 = open(trail, O_WRONLY | O_TRUNC)
            let short = MacRecords.session(second: 500, name: "short")
            _ = short.withUnsafeBytes { write(fd2, $0.baseAddress, $0.count) }
            close(fd2)
            try running.wait(for: { $0.events.count >= 96 + 216 + 6 })
            usleep(100_000)
            return running.receiver
        }
        #expect(receiver.events.count == 96 + 216 + 6)
        #expect(receiver.damages.isEmpty, "\(receiver.damages)")
        let restarts = receiver.notices.filter { "\($0)".contains("trail truncated or rewritten") }
        #expect(restarts.count == 2, "\(receiver.notices)")
        #expect(receiver.events.last?.path == "/etc/hosts")
        #expect(receiver.events.filter { $0.path == "/Users/me/short.txt" }.count >= 1)
    }

    @Test func stopsWhileWaitingAtTheEnd() throws {
        let dir = try TemporaryDirectory("fw-follow")
        defer { dir.remove() }
        let trail = dir.file("trail")
        appendBytes(MacRecords.session(), to: trail)
        let source = TrailFollowSource(path: trail)
        source.pollMilliseconds = 20
        // The source waits at the end for more: only the stop request ends it (within 5 s).
        let count = try withRunningSource(source, stopTimeout: .seconds(5)) { running in
            try running.wait(for: { $0.events.count >= 6 })
            usleep(100_000)
            return running.receiver.events.count
        }
        #expect(count == 6)
    }
}
