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
    /// Input that could not be decoded was skipped (damaged trail). `offset` is the byte offset
    /// where the damage starts; `reason` says what was wrong (without that offset).
    case damaged(file: String, offset: UInt64, reason: String)
    /// A one-line remark for the user (fallbacks, missing features).
    case info(String)

    /// The notice as one line for the user (without the program name):
    /// `events lost: 5 (queue full)`, `trail.bsm: damaged input at byte offset 100: bad token …`.
    public var message: String {
        switch self {
        case .lost(let n, let reason): "events lost" + (n.map { ": \($0)" } ?? "") + " (\(reason))"
        case .damaged(let file, let offset, let reason): "\(file): damaged input at byte offset \(offset): \(reason)"
        case .info(let text): text
        }
    }
}

/// Receives what a source produces. Called on the source's thread, one call at a time.
public protocol EventReceiver: AnyObject {
    /// `consuming`: a receiver that changes the event (the pipeline: user names, stages) takes it
    /// over instead of copying it (a copy of an Event is about a dozen retains and releases;
    /// measured: a tenth of an audit log replay). Conformers may declare it borrowing.
    func receive(_ event: consuming Event)
    func notice(_ notice: SourceNotice)
    /// The source is about to block waiting for input (pending output gets written). Has a default.
    func sourceIdle()
    /// A record of this kind was passed over by the filters without being made an event (BSM:
    /// rejected from its header); counted as seen and dropped. Has a default (nothing).
    func passedOver(_ kind: EventKind)
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
    /// End of output: write any closing bytes (e.g. a trail's final `file` token) and flush.
    /// Default: `flush()`.
    func finish() throws
}

extension EventSink {
    public func finish() throws { try flush() }
}

extension EventReceiver {
    /// Default: nothing.
    public func sourceIdle() {}
    /// Default: nothing.
    public func passedOver(_ kind: EventKind) {}
}

/// A processing stage between the source and the display filters (detection plugs in here).
/// It sees EVERY event, before filtering, in order, on the source's thread.
public protocol EventStage: AnyObject {
    /// Inspect (and possibly annotate) the event. Return `true` to force it to be shown even when the
    /// display filters would drop it (e.g. it raised an alert).
    func process(_ event: inout Event) -> Bool
    /// The source ended or was stopped: finish pending work.
    func finish()
    /// Extra lines for the summary printed at the end (e.g. alert counts). May be empty.
    var summaryLines: [String] { get }
}

extension EventStage {
    public func finish() {}
    public var summaryLines: [String] { [] }
}

/// Resolves user names for uids (EventSources implements it with a cached getpwuid_r).
public protocol UserNameResolver: AnyObject {
    func userName(for uid: UInt32) -> String?
}
