import ArgumentParser
import EventSources
import FileWatchCore
import Report

/// `filewatcher report [FILE ...] -o report.html`: a capture drawn as one self-contained HTML page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Draw a capture as one self-contained HTML page (timeline, programs, process tree, files, denied accesses, alerts).",
        discussion: """
            Reads each FILE — filewatcher's JSON Lines (--format json) or a BSM audit trail, recognized \
            from its first bytes; a directory stands for its files; - (or no FILE) is standard input — \
            through the same filters as watch, and writes one HTML page with inline CSS and SVG: no \
            network, readable without scripts, light and dark. The page says which filters applied. \
            Damaged input is reported (file, offset) and skipped; the page is still written and the exit \
            status is 1.
            """)

    @OptionGroup(title: "Filters")
    var filters: FilterOptionGroup

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Write the page to FILE (mode 0600, symlinks refused; - is standard output).", valueName: "FILE"))
    var output: String

    @Option(name: .long, help: ArgumentHelp(
        "Format of the input: auto (recognized from its first bytes) or \(InputFormat.allCases.filter { $0 != .auto }.map(\.rawValue).joined(separator: ", ")).",
        valueName: "FORMAT"))
    var input: InputFormat = .auto

    @Option(name: .long, help: ArgumentHelp("The page's title.", valueName: "TEXT"))
    var title: String?

    @Argument(help: ArgumentHelp("Captures to draw, read one after the other; standard input when none is given.", valueName: "FILE"))
    var files: [String] = []

    func validate() throws {
        if output.isEmpty { throw ValidationError("-o needs a file name.") }
    }

    func makeConfiguration() throws -> WatchConfiguration {
        var c = WatchConfiguration()
        try filters.apply(to: &c)
        c.input = .replay(files.isEmpty ? ["-"] : files, format: input)
        c.output.writesEvents = false
        c.summary = false
        return c
    }

    func run() throws {
        let c = try makeConfiguration()
        let session = WatchSession(configuration: c)
        let sink = ReportOutput.sink(path: output, configuration: session.configuration,
                                     inputs: ReportOutput.inputs(of: c), hosts: [], title: title)
        session.extensions.sinks.append { _ in sink }
        let signals = SignalStopper(stop: session.stopToken)
        defer { signals.cancel() }
        let outcome: WatchOutcome
        do { outcome = try session.run() } catch { throw RuntimeError(error.description) }
        if let bytes = sink.writtenBytes, output != "-" {
            writeToStandardError("filewatcher: report written to \(output): \(outcome.statistics.shown) of \(outcome.statistics.seen) events drawn, \(bytes) bytes\n")
        }
        if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
    }
}
