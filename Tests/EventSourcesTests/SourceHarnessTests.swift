import Foundation
import FileWatchCore
import Testing
import TestSupport
@testable import EventSources

/// The test harness itself: a wait that is never satisfied and a source that ignores its stop request
/// both end in a thrown `TimedOut` (a failed test), never in a hung suite.
@Suite(.timeLimit(.minutes(1))) struct SourceHarnessTests {
    /// Ignores the stop token until `release` is set (a broken source).
    final class StubbornSource: EventSource, @unchecked Sendable {
        let kind: SourceKind = .trail
        let release = StopToken()
        func run(until stop: StopToken, into receiver: EventReceiver) throws {
            while !release.isStopped { usleep(10_000) }
        }
    }

    @Test func unmetWaitThrowsAndTheSourceIsStopped() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let trail = try dir.write(TrailFixture.Mac.session(), to: "trail")
        let source = TrailFollowSource(path: trail)
        source.pollMilliseconds = 20
        let stop = StopToken()
        #expect(throws: TimedOut.self) {
            try withRunningSource(source, stop: stop) { running in
                try running.wait(for: { $0.events.count > 6 }, timeout: .milliseconds(300))
            }
        }
        #expect(stop.isStopped, "the harness stops the source when the body throws")
    }

    @Test func sourceIgnoringStopFailsInsteadOfHanging() throws {
        let source = StubbornSource()
        defer { source.release.stop() }
        let started = Date()
        #expect(throws: TimedOut.self) {
            try withRunningSource(source, stopTimeout: .milliseconds(300)) { _ in }
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func runToEndReturnsWhatTheSourceDelivered() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let r = try runToEnd(TrailSource(path: try dir.write(TrailFixture.Mac.trail(sessions: 2), to: "t.bsm")))
        #expect(r.events.count == 12 && r.notices.isEmpty)
    }
}
