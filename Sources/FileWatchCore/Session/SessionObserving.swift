// A part of a session (a sink, a stage) that wants more than events: what the sources said
// besides them (loss, damaged input) and the final statistics — e.g. the HTML report, which shows
// events read, shown and lost and marks loss on its timeline.

public protocol SessionObserving: AnyObject {
    /// A source notice, as the pipeline reports it (on the source's thread, in order with events).
    func observe(_ notice: SourceNotice)
    /// The run ended (the pipeline finished, statistics final). Throws when what it writes fails;
    /// the session then reports the error and exits with status 1.
    func sessionEnded(statistics: EventStatistics) throws
}
