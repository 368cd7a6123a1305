// The session's other parts: the output sink(s), the detection stage, the debug log.

import BSM
import FileWatchCore
import Logging

/// What a session writes to: events (standard output unless `-o FILE`) and diagnostics (notices,
/// warnings, the summary: standard error). Tests give writers of their own.
public struct SessionIO: Sendable {
    /// Where events go when no output file is given.
    public var standardOutput: @Sendable () -> FileDescriptorWriter
    /// One message (one or more whole lines) for the user.
    public var diagnostics: @Sendable (String) -> Void

    /// Called once at the end of the run, after the last message: waits (a bounded time) for
    /// the diagnostics to be written.
    public var finish: @Sendable () -> Void

    public init(standardOutput: @escaping @Sendable () -> FileDescriptorWriter,
                diagnostics: @escaping @Sendable (String) -> Void, finish: @escaping @Sendable () -> Void = {}) {
        self.standardOutput = standardOutput
        self.diagnostics = diagnostics
        self.finish = finish
    }

    /// The process's standard output and standard error. Diagnostics go through a bounded
    /// asynchronous writer (a standard error nobody reads never stalls the run; what does not fit
    /// is counted and said), waited for at most 2 s at the end. One writer per access.
    public static var standard: SessionIO {
        let errors = BoundedLineWriter()
        return SessionIO(standardOutput: { .standardOutput() }, diagnostics: { errors.write($0) },
                         finish: { errors.finish(timeout: 2) })
    }
}

/// Makes a part of the session from what the session knows once it is set up (e.g. a sink that
/// ships events to a collector, an HTML report written at the end). Parts that conform to
/// `SessionReporting` add summary lines and loss counts.
public struct SessionContext {
    public let configuration: WatchConfiguration
    /// The source (possibly several composed).
    public let source: EventSource
    /// Writes one line for the user at once (escaped for a terminal by the session).
    public let report: (String) -> Void
    public let logger: Logger
}

/// What other targets add to a session: more sinks (fan-out beside the configured output), more
/// stages (after detection), more live sources (merged with the configured ones).
public struct SessionExtensions {
    public var sinks: [(SessionContext) throws -> EventSink] = []
    public var stages: [(SessionContext) throws -> EventStage] = []
    public var sources: [(WatchConfiguration) throws -> EventSource] = []
    public init() {}
}

enum SessionOutputs {
    /// The configured output's sink, writing to `writer`.
    static func sink(_ output: OutputConfiguration, writer: FileDescriptorWriter) -> EventSink {
        let interactive = writer.isTerminal
        let eachEvent = interactive || output.flush == .always
        switch output.format {
        case .text:
            return TextSink(output: FileWatchCore.OutputBuffer(writer: writer, lineBuffered: eachEvent),
                            color: output.usesColor(interactive: interactive), zone: SystemLocalTime(),
                            timeFormat: output.timeFormat, now: SystemLocalTime.nowMicroseconds,
                            describeErrno: errnoDescription)
        case .json:
            return JSONSink(output: FileWatchCore.OutputBuffer(writer: writer, lineBuffered: eachEvent))
        case .ecs, .ocsf:
            let kind: RecordSchemaKind = output.format == .ecs ? .ecs : .ocsf
            return SchemaSink(schema: kind.schema(HostRecordIdentity.make()),
                              output: FileWatchCore.OutputBuffer(writer: writer, lineBuffered: eachEvent))
        case .bsm:
            // Binary: batched (unless --flush always); flushed when the source idles and at the end.
            return BSMSink(output: FileWatchCore.OutputBuffer(writer: writer, lineBuffered: output.flush == .always),
                           trailName: output.path ?? "filewatcher", bsmErrno: hostErrnoToBSM)
        }
    }

    /// The detection stage, or nil when detection is off. Detection sees every kind; the user's path,
    /// process and user filters scope it (the kind and result parts only affect what is shown).
    /// - Parameters:
    ///   - reportLine: one line for the user (escaped and ended by the caller).
    ///   - alertText: alert text as AlertTextPrinter writes it, when the output cannot show alerts
    ///     (BSM); nil otherwise.
    static func detectionStage(_ configuration: WatchConfiguration, rules: RuleSet?, source: EventSource,
                               reportLine: @escaping @Sendable (String) -> Void,
                               alertText: (@Sendable (String) -> Void)?) -> DetectionStage? {
        let d = configuration.detection
        guard d.isActive else { return nil }
        // Live processes are pinned (pid + start time) at their first event; replayed pids belong to
        // another time (or machine): never pinned, never signalled.
        let pinner: ProcessPinner? = configuration.isLive ? ProcessPinner() : nil
        var detector: RansomwareDetector?
        if d.ransomware {
            var options = RansomwareOptions()
            if let n = d.ransomwareThreshold { options.threshold = n }
            if let w = d.ransomwareWindow { options.windowMicros = Int64(w * 1_000_000) }
            let reader: ContentReader = (source as? ContentProvidingSource)?.contentReader
                ?? (source as? MergedSource)?.sources.lazy.compactMap { ($0 as? ContentProvidingSource)?.contentReader }.first
                ?? PathContentReader()
            detector = RansomwareDetector(options: options, reader: reader, pinner: pinner)
        }
        var responders: [AlertResponder] = []
        if d.stopOffenders, let pinner { responders.append(OffenderStopper(pinner: pinner, report: reportLine)) }
        if let argv = d.onAlert {
            responders.append(AlertCommandRunner(argv: argv, encode: { $0.jsonLine }, report: reportLine))
        }
        if let alertText { responders.append(AlertTextPrinter(write: alertText)) }
        var scope = configuration.filters
        scope.all = true
        scope.kinds = nil
        scope.result = .any
        return DetectionStage(rules: rules, ransomware: detector, responders: responders, scope: EventFilter(scope))
    }

    /// The debug log (`-d [FILE]`): to a file (appended, opened as `FileDescriptorWriter.open`
    /// says) or standard error; with the file's writer, for reopening on SIGHUP.
    static func logger(_ debugLog: String?) throws(SystemCallError) -> (Logger, FileDescriptorWriter?) {
        guard let debugLog else {
            return (Logger(label: "filewatcher", factory: { _ in SwiftLogNoOpLogHandler() }), nil)
        }
        let writer = debugLog == "-" ? FileDescriptorWriter.standardError()
            : try FileDescriptorWriter.open(path: debugLog, append: true)
        let out = DebugLogOutput(writer: writer)
        var logger = Logger(label: "filewatcher", factory: { DebugLogHandler(label: $0, output: out) })
        logger.logLevel = .debug
        return (logger, writer.isReopenable ? writer : nil)
    }
}
