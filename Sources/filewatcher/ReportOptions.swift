import ArgumentParser
import EventSources
import FileWatchCore
import Report

/// `watch --report FILE`: the HTML report of the run, written when it stops.
struct ReportOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "When the run stops, write an HTML report of the events shown to FILE (one self-contained page: timeline, programs, process tree, files, denied accesses, alerts; mode 0600, symlinks refused).",
        valueName: "FILE"))
    var report: String?

    func validate() throws {
        if report?.isEmpty == true { throw ValidationError("--report needs a file name.") }
    }
}

/// Makes the report sink of a session: it gathers the events shown and writes the page to `path`
/// (`-`: standard output) at the end.
enum ReportOutput {
    static func sink(path: String, configuration: WatchConfiguration, inputs: [String], hosts: [String],
                     title: String?) -> ReportSink {
        var context = ReportContext()
        context.title = title ?? "filewatcher report"
        context.inputs = inputs
        context.hosts = hosts
        context.filters = describeFilters(configuration.filters)
        let shownPath = path == "-" ? "standard output" : path
        return ReportSink(context: context, now: HostFacts.now, write: { page in
            let writer = path == "-" ? FileDescriptorWriter.standardOutput() : try FileDescriptorWriter.open(path: path, append: false)
            try page.withUnsafeBytes { try writer.writeAll($0) }
        }, describe: { "report: \(shownPath) (\($0) bytes)" })
    }

    /// What the header says the events came from.
    static func inputs(of configuration: WatchConfiguration) -> [String] {
        switch configuration.input {
        case .replay(let files, _): files.map { $0 == "-" ? "standard input" : $0 }
        case .follow(let path, _): [path + " (followed)"]
        case .live(let kinds): ["live: " + kinds.map(\.rawValue).joined(separator: ", ")]
        }
    }
}
