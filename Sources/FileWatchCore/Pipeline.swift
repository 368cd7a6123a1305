import Synchronization

/// A cross-thread stop request (set from a signal handler thread, read by the source loop).
public final class StopToken: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public var isStopped: Bool { flag.load(ordering: .acquiring) }
    public func stop() { flag.store(true, ordering: .releasing) }
}

/// Something a source tells the pipeline besides events: loss must always be reported.
public enum SourceNotice: Sendable, Equatable {
    /// Events were lost (kernel queue overflow, auditpipe drops). `count` when the source knows it.
    case lost(count: UInt64?, reason: String)
    /// Input that could not be decoded was skipped (damaged trail). `offset` is the byte offset.
    case damaged(file: String, offset: UInt64, reason: String)
    /// A one-line remark for the user (fallbacks, missing features).
    case info(String)
}

/// Receives what a source produces. Called on the source's thread, one call at a time.
public protocol EventReceiver: AnyObject {
    func receive(_ event: Event)
    func notice(_ notice: SourceNotice)
}

/// A producer of events: a trail, the auditpipe, fanotify.
public protocol EventSource: AnyObject {
    var kind: SourceKind { get }
    /// Runs until the input ends or `stop` is set; delivers every event to `receiver` in order.
    func run(until stop: StopToken, into receiver: EventReceiver) throws
}

/// An output.
public protocol EventSink: AnyObject {
    func write(_ event: Event) throws
    func flush() throws
}
