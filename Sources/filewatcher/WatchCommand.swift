import ArgumentParser
import BSM
import EventSources
import FileWatchCore
import Logging

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, bsm
}

enum ColorMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// `filewatcher [watch]`: source → filters → sink, then a summary on stderr.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch file events live or replay a trail (default command).",
        discussion: """
            Without --read, watches the system live (Linux: fanotify, as root). With --read, replays an \
            OpenBSM audit trail (macOS/FreeBSD, or one written with --format bsm) through the same filters.

            Filters combine with AND across options and OR within one option (repeat it, or give a comma \
            list to --event). Text matching (-f, -p, --exclude-*) is case-insensitive for ASCII letters.
            Without -a or --event only the basic file events are shown: open, read, write, close, create, \
            delete, rename, link, attrib, exec (not stat, exit, other).

            On SIGINT/SIGTERM (or at the end of a trail, --seconds, --count) output is flushed and a \
            summary is printed to standard error. Exit status: 0 ok, 1 runtime error or damaged input, \
            2 usage error.
            """)

    // The original tool's flags.
    @Option(name: [.short, .long], help: ArgumentHelp(
        "Show only events whose path or destination path contains TEXT (case-insensitive; repeatable: any).",
        valueName: "TEXT"))
    var file: [String] = []

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Show only events from processes whose name or executable path contains TEXT (case-insensitive; repeatable).",
        valueName: "TEXT"))
    var process: [String] = []

    @Flag(name: [.short, .long], help: "Show all event kinds, including stat, exit and other.")
    var all = false

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Write a debug log to FILE (appended, mode 0600, symlinks refused), or to standard error when FILE is omitted.",
        valueName: "FILE"))
    var debug: String?

    // Additional filters.
    @Option(name: .long, help: ArgumentHelp(
        "Show only events on paths inside the directory DIR (path-component aware; repeatable).", valueName: "DIR"))
    var under: [String] = []

    @Option(name: .long, help: ArgumentHelp("Show only events from process id N (repeatable).", valueName: "N"))
    var pid: [Int32] = []

    @Option(name: .long, help: ArgumentHelp(
        "Show only events from user NAME or numeric UID (real or effective; repeatable).", valueName: "NAME|UID"))
    var user: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Show only these event kinds (comma separated; repeatable): \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")), or all.",
        valueName: "KINDS"))
    var event: [String] = []

    @Flag(name: .long, help: "Show only failed operations.")
    var failed = false

    @Flag(name: .long, help: "Show only successful operations.")
    var succeeded = false

    @Option(name: .long, help: ArgumentHelp(
        "Hide events from processes whose name or executable path contains TEXT (repeatable).", valueName: "TEXT"))
    var excludeProcess: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Hide events whose every path contains TEXT (repeatable).", valueName: "TEXT"))
    var excludePath: [String] = []

    // Output.
    @Option(name: .long, help: ArgumentHelp(
        "Output format: text (one line per event), json (JSON Lines) or bsm (an OpenBSM trail).", valueName: "text|json|bsm"))
    var format: OutputFormat = .text

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Write events to FILE instead of standard output (truncated, mode 0600, symlinks refused; - is standard output).",
        valueName: "FILE"))
    var output: String?

    @Option(name: .long, help: ArgumentHelp(
        "Colour text output: auto (a terminal and NO_COLOR unset), always or never.", valueName: "auto|always|never"))
    var color: ColorMode = .auto

    @Flag(name: .long, help: "Do not print the summary to standard error at the end.")
    var noSummary = false

    // Source and duration.
    @Option(name: .long, help: ArgumentHelp(
        "Replay the OpenBSM audit trail FILE (- for standard input) instead of watching live.", valueName: "FILE"))
    var read: String?

    @OptionGroup(title: "Source")
    var sources: SourceOptions

    @Option(name: .long, help: ArgumentHelp("Stop after N seconds.", valueName: "N"))
    var seconds: Double?

    @Option(name: .long, help: ArgumentHelp("Stop after N shown events.", valueName: "N"))
    var count: UInt64?

    // Live source tuning (Linux fanotify).
    @Option(name: .long, help: ArgumentHelp(
        "Live queue: unlimited (default, the kernel never drops events) or bounded (the kernel's fs.fanotify.max_queued_events; overflows are reported).",
        valueName: "unlimited|bounded"))
    var queue: String = "unlimited"

    @Option(name: .long, help: ArgumentHelp(
        "Linux fanotify layout: hybrid (default, Linux 5.17: open/read/write/close/exec as file handles through mount marks, named from the create/rename/delete events of a directory handle + name group; costs the watched programs least), fid (one group reporting directory handle + name for every event: exact names and order, about 12 points more added time on write-heavy loads), split (handles for create/delete/rename, descriptors for open/read/write/close) or fd (descriptors only; no create/delete/rename).",
        valueName: "hybrid|fid|split|fd"))
    var fanotifyLayout: String?

    @Option(name: .long, help: ArgumentHelp(
        "Live source: after a busy wake-up wait MS milliseconds before reading the kernel queue again (default 5: larger batches, far less CPU; the kernel merges a process's repeated events on one file meanwhile; 0 = read at once).",
        valueName: "MS"))
    var batchDelay: Double?

    @Option(name: .long, help: ArgumentHelp("Live source: bytes per read of the kernel queue (default 262144).", valueName: "BYTES"))
    var readBuffer: Int?

    // Detection (DetectionOptions.swift).
    @OptionGroup(title: "Detection")
    var detection: DetectionOptions

    mutating func validate() throws {
        if failed && succeeded { throw ValidationError("--failed and --succeeded exclude each other.") }
        if detection.stopOffenders && read != nil {
            // A replayed trail's pids belong to another time (or machine): never signal whatever has them now.
            throw ValidationError("--stop-offenders acts on live processes; it cannot be used with --read.")
        }
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be a positive number.") }
        if let count, count == 0 { throw ValidationError("--count must be at least 1.") }
        if queue != "unlimited" && queue != "bounded" { throw ValidationError("--queue must be unlimited or bounded.") }
        if let fanotifyLayout, !["fid", "hybrid", "split", "fd"].contains(fanotifyLayout) {
            throw ValidationError("--fanotify-layout must be fid, hybrid, split or fd.")
        }
        if let batchDelay, !(batchDelay >= 0 && batchDelay <= 1000) { throw ValidationError("--batch-delay must be 0 to 1000 ms.") }
        if let readBuffer, readBuffer < 8192 || readBuffer > 64 << 20 { throw ValidationError("--read-buffer must be 8192 to 67108864 bytes.") }
        _ = try parseKinds()
        try sources.validate(read: read)
        for dir in under where dir.isEmpty { throw ValidationError("--under needs a directory.") }
        if format == .bsm && outputFile == nil && standardOutputIsTerminal() {
            throw ValidationError("--format bsm writes binary data; use -o FILE or redirect standard output.")
        }
    }

    /// `-o FILE`, nil for standard output (none, or `-`).
    var outputFile: String? { output == "-" ? nil : output }

    /// `--event` values (comma lists) → kinds; nil when not given.
    func parseKinds() throws -> Set<EventKind>? {
        if event.isEmpty { return nil }
        var kinds = Set<EventKind>()
        for item in event.flatMap({ $0.split(separator: ",") }) {
            let name = String(item).trimmingCharacters(in: " ").lowercased()
            if name == "all" { kinds.formUnion(EventKind.allCases); continue }
            guard let kind = EventKind(rawValue: name) else {
                throw ValidationError("--event: unknown event kind '\(item)' (known: \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")), all).")
            }
            kinds.insert(kind)
        }
        return kinds
    }

    func filterOptions() throws -> FilterOptions {
        var o = FilterOptions()
        o.files = file
        o.processes = process
        o.all = all
        // Live events carry absolute, resolved paths; trails from elsewhere are matched as given.
        o.under = under.map { read == nil ? canonicalDirectory($0) : $0 }
        o.pids = pid
        o.users = user.map { spec in
            if let uid = UInt32(spec) {
                return UserSelector(uid: uid, name: SystemIdentityNames.name(ofUID: uid))
            }
            return UserSelector(uid: SystemIdentityNames.uid(ofUser: spec), name: spec)
        }
        o.kinds = try parseKinds()
        o.result = failed ? .failed : succeeded ? .succeeded : .any
        o.excludeProcesses = excludeProcess
        o.excludePaths = excludePath
        return o
    }

    func useColor(interactive: Bool) -> Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto:
            if let v = environmentValue("NO_COLOR"), !v.isEmpty { return false }
            return interactive
        }
    }

    /// The source: a trail replay, or the live source of this platform.
    func makeSource(logger: Logger) throws -> EventSource {
        let kinds = try parseKinds() ?? (all ? Set(EventKind.allCases) : EventKind.basic)
        if let source = try sources.makeBSMSource(read: read, kinds: kinds, catalog: SystemCatalog.load(),
                                                  report: { logger.debug("\($0)") }) {
            logger.debug("source: \(source.kind)", metadata: ["path": "\(read ?? sources.auditpipe ?? "-")"])
            return source
        }
        return try makeLiveSource(logger: logger)
    }

    func makeLiveSource(logger: Logger) throws -> EventSource {
        var live = LiveSourceOptions()
        live.layout = fanotifyLayout
        live.unlimitedQueue = queue != "bounded"
        live.readBufferSize = readBuffer
        live.batchDelayMicroseconds = batchDelay.map { Int($0 * 1000) }
        // Ask the kernel only for what can be shown.
        // (Detection needs every kind, whatever is shown.)
        if let kinds = try parseKinds(), !detection.isActive { live.kinds = kinds }
        live.ignoredPaths = [output, debug].compactMap { $0 }.filter { $0 != "-" }
        // --under: only the filesystems holding those directories need a mark.
        if !under.isEmpty && under.allSatisfy({ $0.hasPrefix("/") }) { live.paths = under }
        logger.debug("source: live", metadata: ["layout": "\(fanotifyLayout ?? "default")", "queue": "\(queue)"])
        do {
            return try LiveSource.make(live)
        } catch {
            throw RuntimeError("\(error)")
        }
    }

    /// Processing stages between source and filters (detection plugs in here).
    func makeStages(logger: Logger, rules: RuleSet?, source: EventSource) throws -> [EventStage] {
        try detection.makeStage(rules: rules, source: source, filters: try filterOptions(),
                                alertsToStandardError: format == .bsm).map { [$0] } ?? []
    }

    func makeSink(writer: FileDescriptorWriter, interactive: Bool) throws -> EventSink {
        // (BSM has an OutputBuffer of its own, for the praudit printer.)
        switch format {
        case .text:
            return TextSink(output: FileWatchCore.OutputBuffer(writer: writer, lineBuffered: interactive),
                            color: useColor(interactive: interactive), zone: SystemLocalTime(),
                            describeErrno: errnoDescription)
        case .json:
            return JSONSink(output: FileWatchCore.OutputBuffer(writer: writer, lineBuffered: interactive))
        case .bsm:
            // Binary: batched even on a terminal-less pipe; flushed when the source idles and at the end.
            return BSMSink(output: FileWatchCore.OutputBuffer(writer: writer, lineBuffered: false),
                           trailName: outputFile ?? "filewatcher", bsmErrno: hostErrnoToBSM)
        }
    }

    func run() throws {
        let rules = try detection.loadRules()  // a bad rules file stops here, before any output is opened
        let logger = try bootstrapLogging()
        let options = try filterOptions()
        logger.debug("filters", metadata: ["options": "\(options)"])
        for selector in options.users where selector.uid == nil {
            writeToStandardError("filewatcher: warning: --user \(selector.name ?? ""): no such user on this system; "
                + "only events already carrying that user name can match.\n")
        }

        let writer = try outputFile.map { try FileDescriptorWriter.open(path: $0, append: false) }
            ?? FileDescriptorWriter.standardOutput()
        let interactive = writer.isTerminal
        let sink = try makeSink(writer: writer, interactive: interactive)
        let source = try makeSource(logger: logger)
        let stages = try makeStages(logger: logger, rules: rules, source: source)

        let stop = StopToken()
        let signals = SignalStopper(stop: stop)
        defer { signals.cancel() }
        if let seconds { stopAfter(seconds: seconds, stop) }

        let pipeline = EventPipeline(
            filter: EventFilter(options), sink: sink, stages: stages, users: SystemIdentityNames(),
            limit: count, stop: stop,
            report: { notice in
                let line: String
                switch notice {
                case .lost(let n, let reason):
                    line = "filewatcher: events lost" + (n.map { ": \($0)" } ?? "") + " (\(reason))"
                case .damaged(let file, let offset, let reason):
                    let prefix = "offset \(offset): "
                    let text = reason.hasPrefix(prefix) ? String(reason.dropFirst(prefix.count)) : reason
                    line = "filewatcher: \(file): damaged input at byte offset \(offset): \(text)"
                case .info(let text):
                    line = "filewatcher: \(text)"
                }
                logger.debug("notice", metadata: ["text": "\(line)"])
                writeToStandardError(escapedForTerminal(Array(line.utf8)) + "\n")
            })

        var failure: (any Error)?
        do {
            try source.run(until: stop, into: pipeline)
        } catch {
            failure = error
        }
        do {
            try pipeline.finish()
        } catch {
            if failure == nil { failure = error }
        }
        logger.debug("finished", metadata: ["seen": "\(pipeline.statistics.seen)",
                                            "shown": "\(pipeline.statistics.shown)"])
        // A closed output pipe (`| head`) ends the run quietly, as SIGPIPE would.
        if let e = failure as? SystemCallError, e.errno == .brokenPipe { return }
        if !noSummary { writeToStandardError(pipeline.summary()) }
        if let failure {
            throw RuntimeError("\(failure)")
        }
        if pipeline.statistics.damaged > 0 { throw ExitCode(1) }
    }

    /// Sets up swift-log: debug log to a file / stderr with `-d`, nothing otherwise.
    func bootstrapLogging() throws -> Logger {
        guard let debug else {
            return Logger(label: "filewatcher", factory: { _ in SwiftLogNoOpLogHandler() })
        }
        let writer = debug == "-" ? FileDescriptorWriter.standardError()
            : try FileDescriptorWriter.open(path: debug, append: true)
        let out = DebugLogOutput(writer: writer)
        var logger = Logger(label: "filewatcher", factory: { DebugLogHandler(label: $0, output: out) })
        logger.logLevel = .debug
        return logger
    }

    /// `-d`/`--debug` take an optional value: when nothing (or another option) follows, insert `-`
    /// (standard error) so the parser sees a value. Applies to the watch command only.
    static func normalizeArguments(_ args: [String]) -> [String] {
        if args.first == "print" { return args }
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            out.append(a)
            if a == "--" { out.append(contentsOf: args[(i + 1)...]); break }
            // `-d`, `--debug`, or combined short flags ending in d (`-ad`).
            let combined = a.count > 2 && a.hasPrefix("-") && !a.hasPrefix("--") && a.hasSuffix("d")
                && a.dropFirst().allSatisfy { $0.isLetter }
            if a == "-d" || a == "--debug" || combined {
                let next = i + 1 < args.count ? args[i + 1] : nil
                if next == nil || (next!.hasPrefix("-") && next! != "-") { out.append("-") }
            }
            i += 1
        }
        return out
    }
}

/// A runtime failure reported as `filewatcher: <message>` with exit status 1.
struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
