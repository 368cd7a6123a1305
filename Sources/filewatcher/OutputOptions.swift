import ArgumentParser
import EventSources
import FileWatchCore

/// Where and how events are written, the summary and the debug log.
struct OutputOptions: WatchOptionGroup {
    @Option(name: .long, help: ArgumentHelp(
        "Output format: text (one line per event), json (JSON Lines), bsm (an OpenBSM trail), ecs (Elastic Common Schema 8.x) or ocsf (OCSF 1.5 JSON Lines).",
        valueName: "text|json|bsm|ecs|ocsf"))
    var format: OutputFormat = .text

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Write events to FILE instead of standard output (truncated unless --append; a new file has mode 0600; an existing one must belong to root or us, be a regular file not writable by others; symlinks refused; SIGHUP reopens it; - is standard output).",
        valueName: "FILE"), completion: .file())
    var output: String?

    @Flag(name: .long, help: "With -o: append to FILE instead of truncating it (a service's log across restarts).")
    var append = false

    @Option(name: .long, help: ArgumentHelp(
        "When events are written: auto (at once to a terminal, in batches otherwise) or always (every event at once, for | grep and tail -f).",
        valueName: "auto|always"))
    var flush: FlushMode = .auto

    @Option(name: .long, help: ArgumentHelp(
        "Colour text output: auto (a terminal and NO_COLOR unset), always or never.", valueName: "auto|always|never"))
    var color: ColorMode = .auto

    @Option(name: .long, help: ArgumentHelp(
        "Text output's time: local (the local clock, with the date when the event is not from today), iso (RFC 3339 in UTC with microseconds) or epoch (seconds since 1970 with microseconds).",
        valueName: "local|iso|epoch"))
    var timeFormat: TimeFormat = .local

    @Flag(name: .long, help: ArgumentHelp(
        "With --read: show this machine's user names for the recording's uids. Without it they are shown as numbers, since a recording may come from another machine (live events always show names)."))
    var resolveUsers = false

    @Flag(name: .long, help: "Do not print the summary to standard error at the end.")
    var noSummary = false

    // The original tool's -d.
    @Option(name: [.short, .long], help: ArgumentHelp(
        "Write a debug log to FILE (appended, mode 0600, symlinks refused), or to standard error when FILE is omitted.",
        valueName: "FILE"), completion: .file())
    var debug: String?

    func apply(to c: inout WatchConfiguration) throws {
        c.output.format = format
        c.output.path = output == "-" ? nil : output
        c.output.color = color
        c.output.timeFormat = timeFormat
        c.output.resolveUsers = resolveUsers
        c.output.append = append
        c.output.flush = flush
        c.output.standardOutputIsTerminal = standardOutputIsTerminal()
        c.output.noColorRequested = !(environmentValue("NO_COLOR") ?? "").isEmpty
        c.summary = !noSummary
        c.debugLog = debug
    }

    /// The command line as the parser must see it (the watch command only):
    /// - `-d`/`--debug` take an optional value: when nothing (or another option) follows, insert `-`
    ///   (standard error) so the parser sees a value;
    /// - a negative number after a long option is its value (`--seconds -5` → `--seconds=-5`), so the
    ///   option's own check says what is wrong instead of the parser taking `-5` for an option.
    static func normalizeArguments(_ args: [String]) -> [String] {
        if args.first == "print" { return args }
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { out.append(contentsOf: args[i...]); break }
            let next = i + 1 < args.count ? args[i + 1] : nil
            if a.hasPrefix("--"), a.count > 2, !a.contains("="), a != "--debug", let next, looksNegativeNumber(next) {
                out.append(a + "=" + next)
                i += 2
                continue
            }
            out.append(a)
            // `-d`, `--debug`, or combined short flags ending in d (`-ad`).
            let combined = a.count > 2 && a.hasPrefix("-") && !a.hasPrefix("--") && a.hasSuffix("d")
                && a.dropFirst().allSatisfy { $0.isLetter }
            if a == "-d" || a == "--debug" || combined {
                if next == nil || (next!.hasPrefix("-") && next! != "-") { out.append("-") }
            }
            i += 1
        }
        return out
    }

    /// `-5`, `-0.5`, `-.5`, `-1e3`: a number, never an option name.
    private static func looksNegativeNumber(_ s: String) -> Bool {
        guard s.count > 1, s.hasPrefix("-") else { return false }
        let rest = s.dropFirst()
        return (rest.first!.isNumber || rest.first == ".") && Double(s) != nil
    }
}
