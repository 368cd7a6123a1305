// The report as a session part: events in (after the filters), the page out when the session ends.

import FileWatchCore

/// Gathers the shown events of a session and writes the HTML page at its end through `write`
/// (the caller opens the file: this target makes no system calls).
public final class ReportSink: EventSink, SessionObserving, SessionReporting {
    public private(set) var aggregator: ReportAggregator
    public var context: ReportContext
    private let now: () -> Int64
    private let write: ([UInt8]) throws -> Void
    /// Size of the page written, once written.
    public private(set) var writtenBytes: Int?
    /// What to say in the summary (e.g. where the page went).
    private let describe: (Int) -> String

    /// - Parameters:
    ///   - now: the current time (µs since the epoch), for "made on".
    ///   - write: writes the whole page (called once, at the end).
    ///   - describe: the summary line, given the page's size.
    public init(context: ReportContext, limits: ReportLimits = ReportLimits(), now: @escaping () -> Int64,
                write: @escaping ([UInt8]) throws -> Void, describe: @escaping (Int) -> String = { "report: \($0) bytes" }) {
        self.aggregator = ReportAggregator(limits: limits)
        self.context = context
        self.now = now
        self.write = write
        self.describe = describe
    }

    public func write(_ event: Event) throws { aggregator.add(event) }
    public func flush() throws {}

    public func observe(_ notice: SourceNotice) { aggregator.add(notice) }

    public func sessionEnded(statistics: EventStatistics) throws {
        context.read = statistics.seen
        context.filtered = statistics.filtered
        context.lost = statistics.lost
        context.lossReports = statistics.lossReports
        context.damaged = statistics.damaged
        try writePage()
    }

    /// Renders and writes the page now.
    public func writePage() throws {
        context.generatedAt = now()
        let page = ReportPage.render(aggregator, context: context)
        try write(page)
        writtenBytes = page.count
    }

    public var summaryLines: [String] { writtenBytes.map { [describe($0)] } ?? [] }
}
