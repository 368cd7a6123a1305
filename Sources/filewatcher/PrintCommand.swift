#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import BSM
import EventSources
import FileWatchCore

struct PrintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Print BSM audit trails exactly as OpenBSM praudit does (only faster).",
        discussion: """
            Reads each FILE (standard input when none is given) and prints every record. Damaged \
            input is reported on standard error with the file, the byte offset and what was wrong; \
            every valid record after the damage is still printed, and the exit status is 1 when \
            anything was skipped.
            """)

    @Flag(name: .customShort("l"), help: "Print one line per record (tokens joined by the delimiter).")
    var oneLine = false

    @Flag(name: .customShort("n"), help: "Do not convert user and group ids to names.")
    var numeric = false

    @Flag(name: .customShort("p"), help: "Input may start in the middle of a record (e.g. from 'tail -f'): skip to the first record silently.")
    var partial = false

    @Flag(name: .customShort("r"), help: "Print numbers: token ids, event numbers, user/group ids, raw times and error numbers.")
    var raw = false

    @Flag(name: .customShort("s"), help: "Print short event names (AUE_OPEN_R) instead of descriptions.")
    var short = false

    @Flag(name: .customShort("x"), help: "Print XML.")
    var xml = false

    @Option(name: .customShort("d"), help: ArgumentHelp("Field delimiter.", valueName: "del"))
    var delimiter: String = ","

    @Argument(help: ArgumentHelp("Audit trail files; standard input when none are given.", valueName: "file"), completion: .file())
    var files: [String] = []

    func validate() throws {
        if raw && short { throw ValidationError("-r and -s cannot be used together") }
    }

    func run() throws {
        let output = FileDescriptorWriter.standardOutput()
        let options = PrintOptions(raw: raw, short: short, numeric: numeric, oneLine: oneLine, xml: xml,
                                   delimiter: Array(delimiter.utf8), isTerminal: output.isTerminal)
        let runner = PrauditRunner(options: options, partialStart: partial, events: PrinterEvent.from(SystemCatalog.load()))
        // SIGINT/SIGTERM end the run as the end of input would, damage so far reported (status 1).
        let stop = StopToken()
        let signals = SignalStopper(stop: stop, signals: [SIGINT, SIGTERM])
        signal(SIGPIPE, SIG_DFL)  // `| head` ends print quietly, as it ends praudit
        defer { signals.cancel() }
        let status = runner.run(files: files, output: output, stop: stop)
        if status != 0 { throw ExitCode(status) }
    }
}
