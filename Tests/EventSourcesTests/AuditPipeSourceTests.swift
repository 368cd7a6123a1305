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

/// Collects what a source delivers.
final class CollectingReceiver: EventReceiver, @unchecked Sendable {
    var events: [Event] = []
    var notices: [SourceNotice] = []
    func receive(_ event: Event) { events.append(event) }
    func notice(_ notice: SourceNotice) { notices.append(notice) }
    var damages: [SourceNotice] { notices.filter { if case .damaged = $0 { return true } else { return false } } }
}

/// macOS-shaped records made by our encoder: exec with arguments, then opens, a rename, an
/// unlink and a close from the same pid, each with Apple's identity token.
enum MacRecords {
    static let pid: UInt32 = 4242
    static func subject() -> Token {
        .subject32(Subject(auid: 501, euid: 501, egid: 20, ruid: 501, rgid: 20, pid: pid, sid: 100001, port: 0, address: .v4(0)))
    }
    static let identity = Token.identity(Identity(signerType: 1, signingID: "com.example.editor\0", signingIDTruncated: 0,
                                                  teamID: "TEAM123456\0", teamIDTruncated: 0,
                                                  cdHash: BSMBytes((0..<20).map { UInt8($0 * 7 & 0xff) })))
    static func attr() -> Token { .attr32(Attr(mode: 0o100644, uid: 501, gid: 20, fsid: 16777220, nodeid: 123456, device: 0)) }
    static func ok() -> Token { .return32(ReturnToken(status: 0, value: 3)) }

    static func record(_ event: UInt16, second: UInt64, _ body: [Token]) -> [UInt8] {
        RecordBuilder(event: event, seconds: 1_700_000_000 + second, milliseconds: 250, tokens: body).bytes
    }

    /// One pass: 6 records.
    static func session(second: UInt64 = 0, name: String = "report") -> [UInt8] {
        var out: [UInt8] = []
        out += record(23, second: second, [   // AUE_EXECVE
            .execArgs(ExecStrings([Array("/Applications/Editor.app/Contents/MacOS/Editor".utf8), Array("--open".utf8)])),
            .path("/Applications/Editor.app/Contents/MacOS/Editor"), attr(), subject(), identity, ok()])
        out += record(81, second: second, [   // AUE_OPEN_RWC
            .arg32(Arg(number: 2, value: 0x602, text: "flags")), .path(BSMBytes("/Users/me/\(name).txt")), attr(), subject(), identity, ok()])
        out += record(112, second: second, [  // AUE_CLOSE
            .arg32(Arg(number: 1, value: 3, text: "fd")), .path(BSMBytes("/Users/me/\(name).txt")), attr(), subject(), identity, ok()])
        out += record(42, second: second, [   // AUE_RENAME
            .path(BSMBytes("/Users/me/\(name).txt")), attr(), .path(BSMBytes("/Users/me/\(name).locked")), subject(), identity, ok()])
        out += record(6, second: second, [    // AUE_UNLINK, failed with ENOENT
            .path(BSMBytes("/Users/me/\(name).gone")), subject(), identity, .return32(ReturnToken(status: 2, value: UInt64(UInt32.max)))])
        out += record(72, second: second, [   // AUE_OPEN_R
            .arg32(Arg(number: 2, value: 0, text: "flags")), .path("/etc/hosts"), attr(), subject(), identity, ok()])
        return out
    }

    static func trail(sessions: Int) -> [UInt8] {
        var out = Token.file(FileToken(seconds: 1_700_000_000, milliseconds: 0, name: "20231114221320.not_terminated\0")).encoded
        for i in 0..<sessions { out += session(second: UInt64(i), name: "doc\(i)") }
        out += Token.file(FileToken(seconds: 1_700_000_100, milliseconds: 0, name: "20231114222320.20231114222320\0")).encoded
        return out
    }
}

/// A FIFO in a fresh temporary directory, fed by a writer thread in the given chunk sizes.
struct FIFOFeed {
    let directory: String
    let path: String

    init() throws {
        var template = Array("/tmp/fw-fifo-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw POSIXError(.EIO) }
        directory = String(cString: dir)
        path = directory + "/auditpipe"
        guard mkfifo(path, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Writes `bytes` into the FIFO in pieces of the given sizes (cycled), pausing briefly between
    /// pieces so reads see them separately, then closes it.
    func feed(_ bytes: [UInt8], chunks: [Int], pauseMicroseconds: UInt32 = 200) -> Thread {
        let path = self.path
        let thread = Thread {
            let fd = open(path, O_WRONLY)
            guard fd >= 0 else { return }
            var offset = 0, i = 0
            while offset < bytes.count {
                let n = min(chunks[i % chunks.count], bytes.count - offset)
                var written = 0
                while written < n {
                    let w = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset + written, n - written) }
                    if w < 0 { if errno == EINTR { continue }; close(fd); return }
                    written += w
                }
                offset += n; i += 1
                if pauseMicroseconds > 0 { usleep(pauseMicroseconds) }
            }
            close(fd)
        }
        thread.start()
        return thread
    }

    func remove() { unlink(path); rmdir(directory) }
}

func replayAsTrail(_ path: String) throws -> CollectingReceiver {
    let r = CollectingReceiver()
    try TrailSource(path: path).run(until: StopToken(), into: r)
    return r
}

func normalized(_ events: [Event]) -> [Event] {
    events.map { var e = $0; e.source = .trail; return e }
}

@Suite(.serialized) struct AuditPipeSourceTests {
    @Test func fifoRecordsSplitAcrossWritesBecomeEvents() throws {
        let feed = try FIFOFeed()
        defer { feed.remove() }
        let bytes = MacRecords.trail(sessions: 3)
        _ = feed.feed(bytes, chunks: [1, 7, 13, 64, 3, 200])
        let source = AuditPipeSource(path: feed.path, classMask: 0x7f, executables: ExecutableLookup(ask: { _ in nil }))
        source.readSize = 4096
        let r = CollectingReceiver()
        try source.run(until: StopToken(), into: r)

        #expect(r.damages.isEmpty, "\(r.damages)")
        #expect(r.notices.contains(.info("\(feed.path) is not a character device: auditpipe configuration skipped, reading records as they come")))
        #expect(r.events.count == 18)
        let first = Array(r.events.prefix(6))
        #expect(first.map(\.kind) == [.exec, .open, .close, .rename, .delete, .open])
        for e in r.events {
            #expect(e.source == .auditpipe)
            #expect(e.process.pid == Int32(MacRecords.pid))
            #expect(e.process.signingID == "com.example.editor")
            #expect(e.process.teamID == "TEAM123456")
            #expect(e.process.cdhash == (0..<20).map { UInt8($0 * 7 & 0xff) })
            #expect(e.process.executable == "/Applications/Editor.app/Contents/MacOS/Editor")
            #expect(e.process.auid == 501)
        }
        #expect(first[1].path == "/Users/me/doc0.txt")
        #expect(first[1].openFlags == [.read, .write, .create])
        #expect(first[3].path == "/Users/me/doc0.txt")
        #expect(first[3].destinationPath == "/Users/me/doc0.locked")
        #expect(first[4].result == .failure(errno: ENOENT))
        #expect(r.events[13].path == "/Users/me/doc2.txt")
        #expect(r.events[17].time == (1_700_000_002 * 1_000_000 + 250_000))
    }

    @Test func burstLargerThanOneReadLosesNothing() throws {
        let feed = try FIFOFeed()
        defer { feed.remove() }
        let bytes = MacRecords.trail(sessions: 500)   // 3000 records in one write
        #expect(bytes.count > 64 * 1024 * 4)
        _ = feed.feed(bytes, chunks: [bytes.count], pauseMicroseconds: 0)
        let source = AuditPipeSource(path: feed.path, classMask: 0x7f, executables: ExecutableLookup(ask: { _ in nil }))
        source.readSize = 64 * 1024
        let r = CollectingReceiver()
        try source.run(until: StopToken(), into: r)
        #expect(r.damages.isEmpty)
        #expect(r.events.count == 3000)
        #expect(r.events.last?.path == "/etc/hosts")
        #expect(r.events[2995].path == "/Users/me/doc499.txt")
    }

    @Test func damageInTheStreamIsReportedAndReadingGoesOn() throws {
        let feed = try FIFOFeed()
        defer { feed.remove() }
        var bytes = MacRecords.trail(sessions: 1)
        let good = MacRecords.trail(sessions: 1)
        bytes += [0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]   // garbage between records
        bytes += good
        _ = feed.feed(bytes, chunks: [5, 300])
        let source = AuditPipeSource(path: feed.path, classMask: 0x7f, executables: ExecutableLookup(ask: { _ in nil }))
        let r = CollectingReceiver()
        try source.run(until: StopToken(), into: r)
        #expect(r.events.count == 12)
        #expect(r.damages.count == 1)
        if case .damaged(let file, let offset, let reason)? = r.damages.first {
            #expect(file == feed.path)
            #expect(offset == UInt64(MacRecords.trail(sessions: 1).count))
            #expect(!reason.isEmpty)
        }
    }

    @Test func stopRequestEndsAWaitingSource() throws {
        let feed = try FIFOFeed()
        defer { feed.remove() }
        let source = AuditPipeSource(path: feed.path, classMask: 0x7f)
        source.pollMilliseconds = 20
        let stop = StopToken()
        let r = CollectingReceiver()
        let started = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { stop.stop() }
        try source.run(until: stop, into: r)   // no writer ever: must not hang
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(r.events.isEmpty)
    }

    @Test func missingPipeIsAClearError() {
        let source = AuditPipeSource(path: "/nonexistent/auditpipe", classMask: 0x7f)
        #expect(throws: SystemCallError.self) { try source.run(until: StopToken(), into: CollectingReceiver()) }
    }

    /// The public sample trails through a FIFO give exactly the events a plain replay gives.
    @Test func samplesThroughFIFOMatchTrailReplay() throws {
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/samples")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: samples.path) else {
            print("skipped: \(samples.path) not present (the public sample trails are optional)")
            return
        }
        let trails = names.filter { $0.hasSuffix(".bsm") }.sorted()
        #expect(!trails.isEmpty)
        for name in trails {
            let path = samples.appendingPathComponent(name).path
            let expected = try replayAsTrail(path)
            let feed = try FIFOFeed()
            defer { feed.remove() }
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            _ = feed.feed(bytes, chunks: [97, 1, 4000], pauseMicroseconds: 50)
            let source = AuditPipeSource(path: feed.path, classMask: 0x7f, executables: ExecutableLookup(ask: { _ in nil }))
            let r = CollectingReceiver()
            try source.run(until: StopToken(), into: r)
            #expect(normalized(r.events) == expected.events, "\(name)")
            #expect(r.damages.count == expected.damages.count, "\(name)")
        }
    }
}

@Suite struct AuditPipeDropTests {
    final class Counter: @unchecked Sendable { var value: UInt64 = 3; var reads = 0 }

    /// The drop counter grows while records flow: each growth is reported once, as the difference.
    @Test func growingDropCounterIsReported() throws {
        let feed = try FIFOFeed()
        defer { feed.remove() }
        let bytes = MacRecords.trail(sessions: 400)
        _ = feed.feed(bytes, chunks: [4096], pauseMicroseconds: 100)
        let source = AuditPipeSource(path: feed.path, classMask: 0x7f, executables: ExecutableLookup(ask: { _ in nil }))
        source.readSize = 4096
        source.dropCheckInterval = .zero
        let counter = Counter()
        source.dropCounterForTesting = {
            counter.reads += 1
            if counter.reads == 2 { counter.value += 5 }    // 5 dropped after the first check
            if counter.reads == 3 { counter.value += 1 }
            return counter.value
        }
        let r = CollectingReceiver()
        try source.run(until: StopToken(), into: r)
        let lost = r.notices.compactMap { n -> UInt64? in if case .lost(let c, _) = n { return c } else { return nil } }
        #expect(lost == [5, 1])
        #expect(source.drops == 9)
        #expect(r.notices.contains(.lost(count: 5, reason: "\(feed.path) dropped 5 records (queue full; limit ?)")))
        #expect(r.events.count == 2400)
    }
}
