// A receiver that keeps everything a source delivers, safe to read from the test's thread while
// the source runs on its own, with a bounded wait.

import FileWatchCore
import Foundation

/// A wait that ran out of time: the test fails with what was seen instead of hanging.
public struct TimedOut: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Collects events, notices and idle calls (thread-safe).
public final class CollectingReceiver: EventReceiver, @unchecked Sendable {
    private let condition = NSCondition()
    private var _events: [Event] = []
    private var _notices: [SourceNotice] = []
    private var _idles = 0
    /// Keeps only events for which this holds (nil: all). Set before the source starts.
    public var keep: ((Event) -> Bool)?
    /// Called on the source's thread for every kept event, before it is stored.
    public var onEvent: ((Event) -> Void)?

    public init(keep: ((Event) -> Bool)? = nil) { self.keep = keep }

    /// Keeps only events with a path or destination path under the directory `prefix` (ending in `/`).
    public convenience init(under prefix: String) {
        let p = prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.init(keep: { e in [e.path, e.destinationPath].contains { $0?.description.hasPrefix(p) == true } })
    }

    public func receive(_ event: Event) {
        if let keep, !keep(event) { return }
        onEvent?(event)
        condition.lock(); _events.append(event); condition.broadcast(); condition.unlock()
    }

    public func notice(_ notice: SourceNotice) {
        condition.lock(); _notices.append(notice); condition.broadcast(); condition.unlock()
    }

    public func sourceIdle() {
        condition.lock(); _idles += 1; condition.broadcast(); condition.unlock()
    }

    public var events: [Event] { condition.lock(); defer { condition.unlock() }; return _events }
    public var notices: [SourceNotice] { condition.lock(); defer { condition.unlock() }; return _notices }
    public var idles: Int { condition.lock(); defer { condition.unlock() }; return _idles }
    /// The damage notices.
    public var damages: [SourceNotice] { notices.filter { if case .damaged = $0 { true } else { false } } }
    /// The loss notices.
    public var losses: [SourceNotice] { notices.filter { if case .lost = $0 { true } else { false } } }

    /// Waits until `condition` holds for this receiver; throws `TimedOut` (naming what was collected)
    /// after `timeout`.
    public func wait(for condition: (CollectingReceiver) -> Bool, timeout: Duration = .seconds(15),
                     _ what: String = "the expected events") throws {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        while !condition(self) {
            if Date() >= deadline { throw TimedOut("waited \(timeout) for \(what); got \(summary)") }
            // Woken by every delivery; the short bound covers a delivery between the check and the wait.
            self.condition.lock()
            _ = self.condition.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
            self.condition.unlock()
        }
    }

    /// Waits until at least `count` events arrived.
    public func wait(forEvents count: Int, timeout: Duration = .seconds(15)) throws {
        try wait(for: { $0.events.count >= count }, timeout: timeout, "\(count) events")
    }

    /// What was collected, for failure messages.
    public var summary: String {
        let e = events, n = notices
        let shown = e.suffix(20).map { "\($0.kind) \($0.path?.description ?? "-") [\($0.process.name)]" }
        return "\(e.count) events (last: \(shown)), notices \(n)"
    }
}

extension Duration {
    /// As seconds (Double).
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
