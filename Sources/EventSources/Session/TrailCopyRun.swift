// The session's BSM-to-BSM run: when every input is a BSM trail and the output is `--format bsm`,
// records are selected whole and copied byte for byte (TrailSelector) instead of being turned into
// events and encoded again (which would keep only what the event model holds).

import BSM
import FileWatchCore
import Logging

extension WatchSession {
    /// The trails to copy from, or nil when this run is not BSM to BSM (another input format or
    /// output, detection or added parts that need events).
    func copyableTrails() throws -> [String]? {
        let c = configuration
        guard c.output.format == .bsm, !c.detection.isActive, extensions.sinks.isEmpty,
              extensions.stages.isEmpty, extensions.sources.isEmpty,
              case .replay(let inputs, let format) = c.input else { return nil }
        let files = try SessionSources.expandTrails(inputs, notice: { _ in })
        for file in files.map(\.path) {
            let f = format != .auto ? format : file == "-" ? .bsm : try SessionSources.recognize(file)
            guard f == .bsm else { return nil }
        }
        return files.map(\.path)
    }

    func runCopy(_ trails: [String], logger: Logger) throws -> WatchOutcome {
        let c = configuration
        let diagnostics = io.diagnostics
        let reportLine: @Sendable (String) -> Void = { diagnostics(escapedForTerminal(Array($0.utf8)) + "\n") }
        var damaged = false
        let report: (SourceNotice) -> Void = { notice in
            if case .damaged = notice { damaged = true }
            let line = "filewatcher: " + notice.message
            logger.debug("notice", metadata: ["text": "\(line)"])
            reportLine(line)
        }
        // Notices about the inputs themselves (not_terminated trails) come first.
        if case .replay(let inputs, _) = c.input { _ = try SessionSources.expandTrails(inputs, notice: report) }
        if let out = c.output.path, trails.contains(out) {
            throw SessionError("\(out): the output is also an input; write the selection to another file.")
        }
        logger.debug("source: whole-record selection from \(trails.joined(separator: ", "))")
        let writer = try c.output.path.map { try FileDescriptorWriter.open(path: $0, append: c.output.append) } ?? io.standardOutput()
        writer.report = reportLine
        reopenable.withLock { state in
            state.writers = [writer].filter(\.isReopenable)
            state.logger = logger
            state.report = reportLine
        }
        let output = FileWatchCore.OutputBuffer(writer: writer, lineBuffered: c.output.flush == .always, threshold: 256 << 10)
        // A copy of whole records selects like auditreduce: every kind unless --event names some.
        var filters = c.filters
        if filters.kinds == nil { filters.all = true }
        let selector = TrailSelector(filters: filters, output: output, trailName: c.output.path ?? "filewatcher",
                                     limit: c.count, notice: report)
        if let seconds = c.seconds { stopAfter(seconds: seconds, stopToken) }

        var failure: (any Error)?
        var statistics = EventStatistics()
        do { statistics = try selector.run(trails, until: stopToken).statistics } catch { failure = error }
        if damaged && statistics.damaged == 0 { statistics.damaged = 1 }
        if writer.lostEvents > 0 {
            statistics.lost += writer.lostEvents
            statistics.lossReports += 1
        }
        let summary = statistics.summary(extraLines: [
            "whole records copied from BSM to BSM: \(statistics.shown) (selected from \(statistics.seen) records of \(trails.count) trail\(trails.count == 1 ? "" : "s"))",
        ] + writer.summaryLines)
        var outcome = WatchOutcome(statistics: statistics, summary: summary, exitStatus: 0,
                                   failure: failure.map { "\($0)" }, outputClosed: false)
        if let e = failure as? SystemCallError, e.errno == .brokenPipe {
            outcome.outputClosed = true
            outcome.failure = nil
            return outcome
        }
        if c.summary { diagnostics(summary) }
        if let message = outcome.failure { diagnostics("filewatcher: \(message)\n") }
        if outcome.failure != nil || damaged || writer.lostEvents > 0 { outcome.exitStatus = 1 }
        return outcome
    }
}
