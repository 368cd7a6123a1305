// Several outputs at once (local output + shipping to a collector + a report written at stop):
// every event goes to each sink in turn, on the pipeline's thread.

/// Something in a session with something to say at the end: a sink, a source or a stage adds lines
/// to the summary and counts what it lost (events it could not deliver downstream). The session
/// asks every part that conforms.
public protocol SessionReporting: AnyObject {
    /// Lines for the end-of-run summary (may be empty).
    var summaryLines: [String] { get }
    /// Events this part lost, for the summary's loss total and the exit status. Default 0.
    var lostEvents: UInt64 { get }
}

extension SessionReporting {
    public var lostEvents: UInt64 { 0 }
}

/// Writes every event to each of its sinks. An error from one sink does not keep the event from
/// the others; the first error is rethrown (the pipeline then stops, as for a single output).
public final class FanOutSink: EventSink, SessionReporting {
    public let sinks: [EventSink]

    public init(_ sinks: [EventSink]) { self.sinks = sinks }

    public func write(_ event: Event) throws {
        var first: (any Error)?
        for sink in sinks {
            do { try sink.write(event) } catch { if first == nil { first = error } }
        }
        if let first { throw first }
    }

    public func flush() throws { try each { try $0.flush() } }
    public func finish() throws { try each { try $0.finish() } }

    private func each(_ body: (EventSink) throws -> Void) throws {
        var first: (any Error)?
        for sink in sinks {
            do { try body(sink) } catch { if first == nil { first = error } }
        }
        if let first { throw first }
    }

    public var summaryLines: [String] { sinks.compactMap { $0 as? SessionReporting }.flatMap(\.summaryLines) }
    public var lostEvents: UInt64 { sinks.compactMap { $0 as? SessionReporting }.reduce(0) { $0 + $1.lostEvents } }
}
