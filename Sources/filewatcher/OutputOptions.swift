import ArgumentParser
import EventSources
import FileWatchCore

/// Where and how events are written, the summary and the debug log.
struct OutputOptions: WatchOptionGroup {
    @Option(name: .long, help: ArgumentHelp(
        "Output format: text (one line per event), json (JSON Lines) or bsm (an OpenBSM trail).", valueName: "text|json|bsm"))
    var format: OutputFormat = .text

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Write events to FILE instead of standard output (truncated unless --append; a new file has mode 0600; an existing one must belong to root or us, be a regular file not writable by others; symlinks refused; SIGHUP reopens it; - is standard output).",
        valueName: "FILE"))
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

    @Flag(name: .long, help: "Do not print the summary to standard error at the end.")
    var noSummary = false

    // The original tool's -d.
    @Option(name: [.short, .long], help: ArgumentHelp(
        "Write a debug log to FILE (appended, mode 0600, symlinks refused), or to standard error when FILE is omitted.",
        valueName: "FILE"))
    var debug: String?

    func apply(to c: inout WatchConfiguration) throws {
        c.output.format = format
        c.output.path = output == "-" ? nil : output
        c.output.color = color
        c.output.append = append
        c.output.flush = flush
        c.output.standardOutputIsTerminal = standardOutputIsTerminal()
        c.output.noColorRequested = !(environmentValue("NO_COLOR") ?? "").isEmpty
        c.summary = !noSummary
        c.debugLog = debug
    }

    /// `-d`/`--debug` take an optional value: when nothing (or another option) follows, insert `-`
    /// (standard error) so the parser sees a value. Applies to the watch command only.
    static func normalizeDebugArgument(_ args: [String]) -> [String] {
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
