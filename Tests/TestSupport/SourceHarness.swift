// Runs an event source on its own thread for a test: the source is always stopped (and waited for,
// within a bound) when the test's block ends, and every wait fails with a message instead of hanging.

import FileWatchCore
import Foundation

/// A source running on its own thread into a `CollectingReceiver`.
public final class RunningSource: @unchecked Sendable {
    public let source: EventSource
    public let receiver: CollectingReceiver
    public let stop: StopToken
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var _error: (any Error)?
    private var _finished = false

    init(_ source: EventSource, receiver: CollectingReceiver, stop: StopToken) {
        self.source = source; self.receiver = receiver; self.stop = stop
        let thread = Thread { [self] in
            do { try self.source.run(until: self.stop, into: self.receiver) } catch {
                lock.lock(); _error = error; lock.unlock()
            }
            lock.lock(); _finished = true; lock.unlock()
            done.signal()
        }
        thread.name = "test source"
        thread.start()
    }

    /// What the source threw, if it has ended with an error.
    public var error: (any Error)? { lock.lock(); defer { lock.unlock() }; return _error }
    /// Whether `run` has returned.
    public var finished: Bool { lock.lock(); defer { lock.unlock() }; return _finished }

    /// Waits until `condition` holds for the receiver; throws `TimedOut` after `timeout` (or at once
    /// when the source ended with an error before it held).
    public func wait(for condition: (CollectingReceiver) -> Bool, timeout: Duration = .seconds(15),
                     _ what: String = "the expected events") throws {
        try receiver.wait(for: { r in condition(r) || (finished && error != nil) }, timeout: timeout, what)
        if !condition(receiver), let error { throw error }
    }

    /// Waits for the source to end by itself (end of input); throws `TimedOut` after `timeout`, and
    /// rethrows what the source threw.
    public func waitForEnd(timeout: Duration = .seconds(15)) throws {
        guard done.wait(timeout: .now() + timeout.seconds) == .success else {
            throw TimedOut("the source did not end within \(timeout); got \(receiver.summary)")
        }
        done.signal()  // later waits return at once
        if let error { throw error }
    }

    /// Stops the source and waits for it to return; throws `TimedOut` when it ignores the stop.
    public func stopAndWait(timeout: Duration = .seconds(15)) throws {
        stop.stop()
        try waitForEnd(timeout: timeout)
    }
}

/// Starts `source` on its own thread, runs `body` with it, and ALWAYS stops it afterwards (even when
/// `body` throws), waiting at most `stopTimeout` for it to return. The source's own error is thrown
/// after `body` unless `body` already looked at it.
///
///     let r = try withRunningSource(source) { running in
///         try running.wait(for: { $0.events.count >= 3 })
///         return running.receiver.events
///     }
@discardableResult
public func withRunningSource<R>(_ source: EventSource, receiver: CollectingReceiver = CollectingReceiver(),
                                 stop: StopToken = StopToken(), stopTimeout: Duration = .seconds(15),
                                 _ body: (RunningSource) throws -> R) throws -> R {
    let running = RunningSource(source, receiver: receiver, stop: stop)
    var stopped = false
    defer { if !stopped { running.stop.stop(); _ = try? running.waitForEnd(timeout: stopTimeout) } }
    let result = try body(running)
    stopped = true
    try running.stopAndWait(timeout: stopTimeout)
    return result
}

/// Runs `source` to its end (end of input) on its own thread; throws `TimedOut` after `timeout`
/// (stopping it), and rethrows its error.
@discardableResult
public func runToEnd(_ source: EventSource, receiver: CollectingReceiver = CollectingReceiver(),
                     timeout: Duration = .seconds(30)) throws -> CollectingReceiver {
    try withRunningSource(source, receiver: receiver) { running in
        try running.waitForEnd(timeout: timeout)
    }
    return receiver
}
