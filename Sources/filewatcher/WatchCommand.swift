import ArgumentParser
import EventSources
import FileWatchCore

/// `filewatcher [watch]`: declares the options (one group per concern), checks them, and makes one
/// call: a WatchSession runs the configuration they describe.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch file events live or replay a trail (default command).",
        discussion: """
            Without --read, watches the system live (Linux: fanotify, as root). With --read, replays \
            recorded input (OpenBSM audit trails from macOS/FreeBSD, or ones written with --format bsm) \
            through the same filters.

            Filters combine with AND across options and OR within one option (repeat it, or give a comma \
            list to --event). Text matching (-f, -p, --exclude-*) is case-insensitive for ASCII letters.
            Without -a or --event only the basic file events are shown: open, read, write, close, create, \
            delete, rename, link, attrib, exec (not stat, exit, other).

            On SIGINT/SIGTERM (or at the end of a trail, --seconds, --count) output is flushed and a \
            summary is printed to standard error. SIGHUP reopens the -o and -d files (after log rotation) \
            when there are any, and otherwise ends the run like SIGTERM. Exit status: 0 ok, 1 runtime error or damaged input, \
            2 usage error.
            """)

    @OptionGroup(title: "Filters")
    var filters: FilterOptionGroup

    @OptionGroup(title: "Selection (auditreduce's -m, -c, -a, -b)")
    var selection: SelectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    @OptionGroup(title: "Source")
    var sources: SourceOptions

    @OptionGroup(title: "Live source tuning")
    var tuning: LiveTuningOptions

    @OptionGroup(title: "Detection")
    var detection: DetectionOptions

    @OptionGroup(title: "Report")
    var report: ReportOptions

    /// The configuration the options describe (not yet resolved against this host).
    func makeConfiguration() throws -> WatchConfiguration {
        var c = WatchConfiguration()
        let groups: [any WatchOptionGroup] = [filters, selection, output, sources, tuning, detection]
        for group in groups { try group.apply(to: &c) }
        return c
    }

    /// What the options add to a session besides its configuration: the report (`--report FILE`).
    func attachParts(to session: WatchSession) {
        if let path = report.report {
            let sink = ReportOutput.sink(path: path, configuration: session.configuration,
                                         inputs: ReportOutput.inputs(of: session.configuration),
                                         hosts: session.configuration.isLive ? [HostFacts.hostName()].compactMap { $0 } : [],
                                         title: nil)
            session.extensions.sinks.append { _ in sink }
        }
    }

    mutating func validate() throws {
        if !sources.read.isEmpty, let option = tuning.firstGiven {
            throw ValidationError("\(option) tunes the live source; it cannot be used with --read (a replay has no kernel queue).")
        }
        do {
            try makeConfiguration().validate()
        } catch let e as ConfigurationError {
            throw ValidationError(e.description)
        }
    }

    func run() throws {
        let session = WatchSession(configuration: try makeConfiguration())
        attachParts(to: session)
        let signals = SessionSignals(session)
        defer { signals.cancel() }
        let outcome: WatchOutcome
        do { outcome = try session.run() } catch { throw RuntimeError(error.description) }
        if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
    }
}
