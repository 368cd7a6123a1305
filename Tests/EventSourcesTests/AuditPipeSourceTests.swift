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

func replayAsTrail(_ path: String) throws -> CollectingReceiver {
    try runToEnd(TrailSource(path: path))
}

func normalized(_ events: [Event]) -> [Event] {
    events.map { var e = $0; e.source = .trail; return e }
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct AuditPipeSourceTests {
    @Test func fifoRecordsSplitAcrossWritesBecomeEvents() throws {
        let feed = try FIFOFeeder()
        defer { feed.remove() }
        let bytes = MacRecords.trail(sessions: 3)
        feed.feed(bytes, chunks: [1, 7, 13, 64, 3, 200])
        let source = AuditPipeSource(path: feed.path, classMask: 0x7f, executables: ExecutableLookup(ask: { _ in nil }))
        source.readSize = 4096
        let r = try runToEnd(source)

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
        let feed = try FIFOFeeder()
        defer { feed.remove() }
        let bytes = MacRecords.trail(sessions: 500)   // 3000 records in one write
        #expect(bytes.count > 64 * 1024 * 4)
        feed.feed(bytes, chunks: [bytes.count], pauseMicroseconds: 0)
        let source = AuditPipeSource(path: feed.path, classMask: 0x7f, executables: ExecutableLookup(ask: { _ in nil }))
        source.readSize = 64 * 1024
        let r = try runToEnd(source)
        #expect(r.damages.isEmpty)
        #expect(r.events.count == 3000)
        #expect(r.events.last?.path == "/etc/hosts")
        #expect(r.events[2995].path == "/Users/me/doc499.txt")
    }

    @Test func damageInTheStreamIsReportedAndReadingGoesOn() throws {
        let feed = try FIFOFeeder()
        defer { feed.remove() }
        var bytes = MacRecords.trail(sessions: 1)
        let good = MacRecords.trail(sessions: 1)
        bytes += [0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]   // garbage between records
        bytes += good
        feed.feed(bytes, chunks: [5, 300])
        let source = AuditPipeSource(path: feed.path, classMask: 0x7f, executables: ExecutableLookup(ask: { _ in nil }))
        let r = try runToEnd(source)
        #expect(r.events.count == 12)
        #expect(r.damages.count == 1)
        if case .damaged(let file, let offset, let reason)? = r.damages.first {
            #expect(file == feed.path)
            #expect(offset == UInt64(MacRecords.trail(sessions: 1).count))
            #expect(!reason.isEmpty)
        }
    }

    @Test func stopRequestEndsAWaitingSource() throws {
        let feed = try FIFOFeeder()
        defer { feed.remove() }
        let source = AuditPipeSource(path: feed.path, classMask: 0x7f)
        source.pollMilliseconds = 20
        // No writer ever: the source waits; a stop request must end it (the harness fails after 5 s).
        let events = try withRunningSource(source, stopTimeout: .seconds(5)) { running in
            usleep(200_000)
            return running.receiver.events
        }
        #expect(events.isEmpty)
    }

    @Test func missingPipeIsAClearError() {
        let source = AuditPipeSource(path: "/nonexistent/auditpipe", classMask: 0x7f)
        #expect(throws: SystemCallError.self) { try source.run(until: StopToken(), into: CollectingReceiver()) }
    }

    /// The public sample trails through a FIFO give exactly the events a plain replay gives.
    @Test(.needsSamples) func samplesThroughFIFOMatchTrailReplay() throws {
        let samples = URL(fileURLWithPath: try #require(TestEnvironment.samples))
        let names = try FileManager.default.contentsOfDirectory(atPath: samples.path)
        let trails = names.filter { $0.hasSuffix(".bsm") }.sorted()
        #expect(!trails.isEmpty)
        for name in trails {
            let path = samples.appendingPathComponent(name).path
            let expected = try replayAsTrail(path)
            let feed = try FIFOFeeder()
            defer { feed.remove() }
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            feed.feed(bytes, chunks: [97, 1, 4000], pauseMicroseconds: 50)
            let source = AuditPipeSource(path: feed.path, classMask: 0x7f, executables: ExecutableLookup(ask: { _ in nil }))
            let r = try runToEnd(source)
            #expect(normalized(r.events) == expected.events, "\(name)")
            #expect(r.damages.count == expected.damages.count, "\(name)")
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct AuditPipeDropTests {
    final class Counter: @unchecked Sendable { var value: UInt64 = 3; var reads = 0 }

    /// The drop counter grows while records flow: each growth is reported once, as the difference.
    @Test func growingDropCounterIsReported() throws {
        let feed = try FIFOFeeder()
        defer { feed.remove() }
        let bytes = MacRecords.trail(sessions: 400)
        feed.feed(bytes, chunks: [4096], pauseMicroseconds: 100)
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
        let r = try runToEnd(source)
        let lost = r.notices.compactMap { n -> UInt64? in if case .lost(let c, _) = n { return c } else { return nil } }
        #expect(lost == [5, 1])
        #expect(source.drops == 9)
        #expect(r.notices.contains(.lost(count: 5, reason: "\(feed.path) dropped 5 records (queue full; limit ?)")))
        #expect(r.events.count == 2400)
    }
}
