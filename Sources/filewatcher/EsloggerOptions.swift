import ArgumentParser
import FileWatchCore

/// `--source eslogger` (macOS 13 and later; the default on macOS 14 and later).
struct EsloggerOptions: WatchOptionGroup {
    @Option(name: .long, help: ArgumentHelp(
        "With --source eslogger: run PATH instead of /usr/bin/eslogger (a program that answers --list-events and prints eslogger's JSON Lines; also on Linux, e.g. to replay a capture live).",
        valueName: "PATH"))
    var esloggerPath: String?

    func validate() throws {
        if let esloggerPath, esloggerPath.isEmpty { throw ValidationError("--eslogger-path needs a program.") }
    }

    func apply(to c: inout WatchConfiguration) throws {
        c.esloggerPath = esloggerPath
    }
}
