// Several sources as one: at once (live sources side by side, e.g. fanotify and the kernel audit
// socket) or one after the other (several recordings replayed in order).

import Dispatch
import FileWatchCore
import Synchronization

/// Several sources at once, each on its own thread, feeding one receiver serially (one call at a
/// time, as `EventReceiver` requires). Each source's events keep their order; across sources they
/// come in arrival order. `run` returns when every source has ended; a stop request (or the first
/// source that fails, which also stops the others) ends them all, and the first error is rethrown.
public final class MergedSource: EventSource {
    public let sources: [EventSource]
    public var kind: SourceKind { sources.first?.kind ?? .trail }

    public init(_ sources: [EventSource]) { self.sources = sources }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        if sources.count == 1 { return try sources[0].run(until: stop, into: receiver) }
        let serial = SerialReceiver(receiver)
        let failure = Mutex<(any Error)?>(nil)
        let group = DispatchGroup()
        for (i, source) in sources.enumerated() {
            let box = UncheckedSource(source)
            // A queue of its own per source: sources block in their reads for long.
            DispatchQueue(label: "filewatcher.source.\(i)").async(group: group) {
                do {
                    try box.source.run(until: stop, into: serial)
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    stop.stop()
                }
            }
        }
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}

/// Recordings replayed one after the other into the same receiver, until one fails or a stop
/// request comes.
public final class SequenceSource: EventSource {
    public let sources: [EventSource]
    public var kind: SourceKind { sources.first?.kind ?? .trail }

    public init(_ sources: [EventSource]) { self.sources = sources }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        for source in sources {
            if stop.isStopped { return }
            try source.run(until: stop, into: receiver)
        }
    }
}

/// Forwards to a receiver one call at a time, from any thread.
final class SerialReceiver: EventReceiver, @unchecked Sendable {
    private let target: EventReceiver
    private let lock = Mutex(())

    init(_ target: EventReceiver) { self.target = target }

    func receive(_ event: Event) { lock.withLock { _ in target.receive(event) } }
    func notice(_ notice: SourceNotice) { lock.withLock { _ in target.notice(notice) } }
    func sourceIdle() { lock.withLock { _ in target.sourceIdle() } }
    func passedOver(_ kind: EventKind) { lock.withLock { _ in target.passedOver(kind) } }
}

/// A source handed to the thread that runs it (each source is used by that one thread only).
private struct UncheckedSource: @unchecked Sendable {
    let source: EventSource
    init(_ source: EventSource) { self.source = source }
}
