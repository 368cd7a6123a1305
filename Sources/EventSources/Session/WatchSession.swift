// One `watch` run: configuration → source(s) → pipeline (user names, detection, filters) →
// sink(s) → summary. The CLI parses options into a WatchConfiguration and makes one call; tests
// drive the same session in-process.
//
// Extension points for other parts of filewatcher:
// - several live sources at once: `WatchConfiguration.input = .live([...])` (each kind made by
//   SessionSources) or `extensions.sources`; they run on threads of their own and are merged into
//   one stream (`MergedSource`), stopped and drained together;
// - several outputs: `extensions.sinks` (shipping, a report written at the end) beside the
//   configured output (`FanOutSink`); a sink that is `SessionObserving` also gets the source
//   notices and, at the end, the final statistics;
// - summary lines and loss counts: any source, sink or stage conforming to `SessionReporting`;
// - recorded input formats: `InputFormat` + SessionSources.replaySource.

import BSM
import FileWatchCore
import Logging
import Synchronization

/// How a run ended.
public struct WatchOutcome: Sendable {
    public var statistics: EventStatistics
    /// The summary text (written to the diagnostics unless `summary` is off).
    public var summary: String
    /// 0: fine; 1: the run failed, or input was damaged (its valid parts were still processed).
    public var exitStatus: Int32
    /// What ended the run early (already reported), if anything.
    public var failure: String?
    /// The output was a closed pipe (`| head`): the run ended quietly, as SIGPIPE would end it.
    public var outputClosed: Bool
}

public final class WatchSession: @unchecked Sendable {
    /// The configuration as it runs: `--under` resolved, `--user` names looked up.
    public let configuration: WatchConfiguration
    /// Set to end the run (signals, `--seconds`, tests); the run then drains and summarizes.
    public let stopToken = StopToken()
    /// Parts other targets add (set before `run`).
    public var extensions = SessionExtensions()
    let io: SessionIO
    /// The files `reopenOutputs` reopens (`-o FILE`, `-d FILE`) and where it says so, once running.
    let reopenable = Mutex<(writers: [FileDescriptorWriter], logger: Logger?, report: (@Sendable (String) -> Void)?)>(([], nil, nil))

    public init(configuration: WatchConfiguration, io: SessionIO = .standard) {
        self.configuration = Self.resolved(configuration)
        self.io = io
    }

    /// Ends the run from any thread.
    public func stop() { stopToken.stop() }

    /// Whether the run writes to files that `reopenOutputs` would reopen (`-o FILE`, `-d FILE`).
    public var writesToFiles: Bool { configuration.output.path != nil || (configuration.debugLog ?? "-") != "-" }

    /// Reopens the output and debug-log files (SIGHUP after log rotation), from any thread: each
    /// is opened again by its path (appending; a new file is created as at the start) and takes
    /// the old one's place. Says so in the debug log; a file that cannot be reopened is reported
    /// and the old one kept.
    public func reopenOutputs() {
        reopenable.withLock { state in
            for writer in state.writers {
                do {
                    try writer.reopen()
                    state.logger?.debug("reopened \(writer.name) (SIGHUP)")
                } catch {
                    state.logger?.debug("cannot reopen \(writer.name): \(error)")
                    state.report?("filewatcher: cannot reopen \(writer.name) (SIGHUP): \(error); still writing to the file open before")
                }
            }
        }
    }

    /// The host facts a configuration needs, filled in once: live `--under` directories made
    /// absolute with symbolic links resolved (as the kernel reports paths, and as the live source
    /// must mark them; recordings from elsewhere are matched as given), `--user` names → uids.
    public static func resolved(_ configuration: WatchConfiguration) -> WatchConfiguration {
        var c = configuration
        if c.isLive { c.filters.under = c.filters.under.map(canonicalDirectory) }
        c.filters.users = c.filters.users.map { selector in
            var s = selector
            if let uid = s.uid, s.name == nil { s.name = SystemIdentityNames.name(ofUID: uid) }
            if s.uid == nil, let name = s.name { s.uid = SystemIdentityNames.uid(ofUser: name) }
            return s
        }
        return c
    }

    /// Runs until the input ends, `--count` or `--seconds` is reached, or `stop()`. Throws when the
    /// session cannot start (bad rules file, missing input, no live source here, an output that
    /// cannot be opened); everything after that is in the outcome (and already reported).
    public func run() throws(SessionError) -> WatchOutcome {
        defer { io.finish() }
        do {
            return try runThrowing()
        } catch let e as SessionError {
            throw e
        } catch {
            throw SessionError("\(error)")
        }
    }

    private func runThrowing() throws -> WatchOutcome {
        let c = configuration
        // A bad rules file stops here, naming the line, before any output is opened.
        let rules: RuleSet?
        do { rules = try c.detection.rulesPath.map { try RulesFile.load(path: $0) } } catch {
            throw SessionError("invalid rules file: \(error)")
        }
        let (logger, debugWriter) = try SessionOutputs.logger(c.debugLog)
        logger.debug("filters", metadata: ["options": "\(c.filters)"])
        for selector in c.filters.users where selector.uid == nil {
            io.diagnostics("filewatcher: warning: --user \(selector.name ?? ""): no such user on this system; "
                + "only events already carrying that user name can match.\n")
        }
        // Live: a directory that is not there (a typo?) is watched all the same, but said.
        if c.isLive {
            for dir in c.filters.under where !isDirectory(dir) {
                let what = existsAsNonRegularFile(dir) || isRegularFile(dir) ? "not a directory" : "no such directory"
                io.diagnostics("filewatcher: warning: --under \(escapedForTerminal(Array(dir.utf8))): \(what); "
                    + "only events at paths inside it are shown, should it appear.\n")
            }
        }

        // BSM in, BSM out: whole records selected and copied (TrailCopyRun.swift).
        if let trails = try copyableTrails() { return try runCopy(trails, logger: logger) }

        // Detection and added stages see every event: no record may be passed over by its header then.
        let headerFirst = c.detection.isActive || !extensions.stages.isEmpty ? nil : HeaderSelection(c.filters)
        var sources = [try SessionSources.make(c, selection: headerFirst.flatMap { $0.isTrivial ? nil : $0 },
                                               report: { logger.debug("\($0)") })]
        sources += try extensions.sources.map { try $0(c) }
        let source = sources.count == 1 ? sources[0] : MergedSource(sources)
        logger.debug("source: \(source.kind)", metadata: ["input": "\(c.input)"])

        let diagnostics = io.diagnostics
        let reportLine: @Sendable (String) -> Void = { diagnostics(escapedForTerminal(Array($0.utf8)) + "\n") }
        // `filewatcher report` writes events to no output of its own: no file is opened.
        let writer = c.output.writesEvents
            ? try c.output.path.map { try FileDescriptorWriter.open(path: $0, append: c.output.append) } ?? io.standardOutput()
            : nil
        writer?.report = reportLine
        reopenable.withLock { state in
            // The debug log first: what is said about the others goes into the new one.
            state.writers = [debugWriter, writer].compactMap { $0 }.filter(\.isReopenable)
            state.logger = logger
            state.report = reportLine
        }
        let context = SessionContext(configuration: c, source: source, report: reportLine, logger: logger)
        var sinks: [EventSink] = writer.map { [SessionOutputs.sink(c.output, writer: $0)] } ?? []
        if c.shipping.isActive {
            sinks.append(try ShipSink(c.shipping, live: c.isLive, identity: HostRecordIdentity.make(),
                                      report: reportLine, logger: logger))
        }
        sinks += try extensions.sinks.map { try $0(context) }
        let sink = sinks.count == 1 ? sinks[0] : FanOutSink(sinks)
        let observers = sinks.compactMap { $0 as? SessionObserving }

        var stages: [EventStage] = []
        if let detection = SessionOutputs.detectionStage(c, rules: rules, source: source, reportLine: reportLine,
                                                         alertText: c.output.format == .bsm ? diagnostics : nil) {
            stages.append(detection)
        }
        stages += try extensions.stages.map { try $0(context) }

        let pipeline = EventPipeline(
            filter: EventFilter(c.filters), sink: sink, stages: stages, users: c.namesUsers ? SystemIdentityNames() : nil,
            limit: c.count, stop: stopToken,
            report: { notice in
                let line = "filewatcher: " + notice.message
                logger.debug("notice", metadata: ["text": "\(line)"])
                reportLine(line)
                for o in observers { o.observe(notice) }
            })
        pipeline.countsTopNames = c.summary  // the summary's top lines are only printed with it
        pipeline.reporters = sources.compactMap { $0 as? SessionReporting } + sinks.compactMap { $0 as? SessionReporting }
            + [writer].compactMap { $0 }
        if let seconds = c.seconds { stopAfter(seconds: seconds, stopToken) }

        var failure: (any Error)?
        do { try source.run(until: stopToken, into: pipeline) } catch { failure = error }
        do { try pipeline.finish() } catch { if failure == nil { failure = error } }
        for o in observers {
            do { try o.sessionEnded(statistics: pipeline.statistics) } catch { if failure == nil { failure = error } }
        }
        logger.debug("finished", metadata: ["seen": "\(pipeline.statistics.seen)", "shown": "\(pipeline.statistics.shown)"])

        let summary = pipeline.summary()
        var outcome = WatchOutcome(statistics: pipeline.statistics, summary: summary, exitStatus: 0,
                                   failure: failure.map { "\($0)" }, outputClosed: false)
        if let e = failure as? SystemCallError, e.errno == .brokenPipe {
            outcome.outputClosed = true  // `| head`: quietly, as SIGPIPE would
            outcome.failure = nil
            return outcome
        }
        if c.summary { diagnostics(summary) }
        if let message = outcome.failure { diagnostics("filewatcher: \(message)\n") }
        // Events that never reached the output (a full disk) fail the run too, though it went on.
        if outcome.failure != nil || pipeline.statistics.damaged > 0 || (writer?.lostEvents ?? 0) > 0 { outcome.exitStatus = 1 }
        return outcome
    }
}
