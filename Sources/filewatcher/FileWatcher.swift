import ArgumentParser
import EventSources
import FileWatchCore

/// Root command. `watch` is the default, so `filewatcher -f foo` works as the original tool did.
@main
struct FileWatcher: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filewatcher",
        abstract: "Real-time file-access auditor: which process touched which file, and was that expected?",
        discussion: "Without a subcommand, runs `watch`: see 'filewatcher watch --help' for its options (-f, -p, -a, -d, ...).",
        version: FileWatcherVersion.current,
        subcommands: [WatchCommand.self, PrintCommand.self, ReportCommand.self],
        defaultSubcommand: WatchCommand.self
    )

    /// Exit status: 0 ok, 1 runtime error, 2 usage error (ArgumentParser's own default is 64).
    static func main() {
        // Before anything is opened: a closed stdout must not make the debug log descriptor 1.
        ensureStandardDescriptorsOpen()
        let arguments = OutputOptions.normalizeArguments(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                writeToStandardError(fullMessage(for: error) + "\n")
                exit(withError: ExitCode(2))
            }
            if let runtime = error as? RuntimeError {
                writeToStandardError("filewatcher: \(runtime.description)\n")
                exit(withError: ExitCode.failure)
            }
            exit(withError: error)
        }
    }
}
