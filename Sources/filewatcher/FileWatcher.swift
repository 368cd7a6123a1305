import ArgumentParser

/// Root command. `watch` is the default, so `filewatcher -f foo` works as the original tool did.
@main
struct FileWatcher: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filewatcher",
        abstract: "Real-time file-access auditor: which process touched which file, and was that expected?",
        subcommands: [WatchCommand.self, PrintCommand.self],
        defaultSubcommand: WatchCommand.self
    )
}
