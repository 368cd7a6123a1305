#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import BSM
import FileWatchCore
@testable import EventSources

/// A receiver that stops the source once it has seen `target` events.
final class StoppingReceiver: EventReceiver, @unchecked Sendable {
    let lock = NSLock()
    var events: [Event] = []
    var notices: [SourceNotice] = []
    let target: Int
    let stop: StopToken
    init(target: Int, stop: StopToken) { self.target = target; self.stop = stop }
    func receive(_ event: Event) {
        lock.lock(); events.append(event); let n = events.count; lock.unlock()
        if n >= target { stop.stop() }
    }
    func notice(_ notice: SourceNotice) { lock.lock(); notices.append(notice); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return events.count }
}

func appendBytes(_ bytes: [UInt8], to path: String) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
    precondition(fd >= 0)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

@Suite(.serialized) struct TrailFollowSourceTests {
    @Test func followsGrowthAndRotation() throws {
        var template = Array("/tmp/fw-follow-XXXXXX".utf8CString)
        let dir = String(cString: mkdtemp(&template)!)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        let first = dir + "/20231114221320.not_terminated"
        let second = dir + "/20231114222320.not_terminated"
        let current = dir + "/current"

        // Start: the trail holds a file token and one session (6 records).
        appendBytes(Token.file(FileToken(seconds: 1, milliseconds: 0, name: "start\0")).encoded + MacRecords.session(second: 0, name: "a"), to: first)
        #expect(symlink(first, current) == 0)

        let stop = StopToken()
        let receiver = StoppingReceiver(target: 24, stop: stop)
        let source = TrailFollowSource(path: current)
        source.pollMilliseconds = 20
        final class Box: @unchecked Sendable { var failure: Error?; let source: TrailFollowSource; init(_ s: TrailFollowSource) { source = s } }
        let box = Box(source)
        let done = DispatchSemaphore(value: 0)
        Thread {
            do { try box.source.run(until: stop, into: receiver) } catch { box.failure = error }
            done.signal()
        }.start()

        func waitFor(_ n: Int) {
            let deadline = Date().addingTimeInterval(10)
            while receiver.count < n && Date() < deadline { usleep(10_000) }
        }
        waitFor(6)
        #expect(receiver.count == 6)

        // The trail grows, a record split across two appends.
        let grow = MacRecords.session(second: 1, name: "b")
        appendBytes(Array(grow[0..<50]), to: first)
        usleep(100_000)
        appendBytes(Array(grow[50...]), to: first)
        waitFor(12)
        #expect(receiver.count == 12)

        // Rotation: the last records reach the old file, auditd terminates it and points
        // `current` at a new trail.
        appendBytes(MacRecords.session(second: 2, name: "c") + Token.file(FileToken(seconds: 2, milliseconds: 0, name: "end\0")).encoded, to: first)
        appendBytes(Token.file(FileToken(seconds: 3, milliseconds: 0, name: "start\0")).encoded + MacRecords.session(second: 3, name: "d"), to: second)
        let tmpLink = dir + "/current.tmp"
        #expect(symlink(second, tmpLink) == 0)
        #expect(rename(tmpLink, current) == 0)

        #expect(done.wait(timeout: .now() + 15) == .success)
        #expect(box.failure == nil)
        #expect(receiver.events.count == 24)
        let opens = receiver.events.filter { $0.kind == .open && $0.path != "/etc/hosts" }.compactMap(\.path)
        #expect(opens == ["/Users/me/a.txt", "/Users/me/b.txt", "/Users/me/c.txt", "/Users/me/d.txt"])
        #expect(source.filesRead == 2)
        #expect(receiver.notices.contains(.info("\(current): trail rotated, following the new trail")))
        #expect(!receiver.notices.contains { if case .damaged = $0 { return true } else { return false } })
    }

    @Test func stopsWhileWaitingAtTheEnd() throws {
        var template = Array("/tmp/fw-follow-XXXXXX".utf8CString)
        let dir = String(cString: mkdtemp(&template)!)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        let trail = dir + "/trail"
        appendBytes(MacRecords.session(), to: trail)
        let stop = StopToken()
        let receiver = StoppingReceiver(target: 1000, stop: stop)
        let source = TrailFollowSource(path: trail)
        source.pollMilliseconds = 20
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { stop.stop() }
        let started = Date()
        try source.run(until: stop, into: receiver)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(receiver.count == 6)
    }
}
