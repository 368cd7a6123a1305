import ArgumentParser
import FileWatchCore

/// Which events are shown: the original tool's `-f`, `-p`, `-a` and the additional filters.
struct FilterOptionGroup: WatchOptionGroup {
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

    // Additional filters.
    @Option(name: .long, help: ArgumentHelp(
        "Show only events on paths inside the directory DIR (path-component aware; repeatable). Live: DIR is made absolute and its symbolic links resolved, and only the filesystems holding these directories are watched.",
        valueName: "DIR"), completion: .directory)
    var under: [String] = []

    @Option(name: .long, help: ArgumentHelp("Show only events from process id N (repeatable).", valueName: "N"))
    var pid: [Int32] = []

    @Option(name: .long, help: ArgumentHelp(
        "Show only events from user NAME or numeric UID (real or effective; repeatable).", valueName: "NAME|UID"))
    var user: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Show only these event kinds (comma separated; repeatable): \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")), or all.",
        valueName: "KINDS"), completion: .list(EventKind.allCases.map(\.rawValue) + ["all"]))
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

    func validate() throws {
        if failed && succeeded { throw ValidationError("--failed and --succeeded exclude each other.") }
        for dir in under where dir.isEmpty { throw ValidationError("--under needs a directory.") }
        do { _ = try EventKind.parseList(event) } catch { throw ValidationError(error.description) }
    }

    func apply(to c: inout WatchConfiguration) throws {
        var o = FilterOptions()
        o.files = file
        o.processes = process
        o.all = all
        o.under = under  // resolved once by the session (live input)
        o.pids = pid
        // Numbers are uids; names are looked up by the session.
        o.users = user.map { UInt32($0).map { UserSelector(uid: $0) } ?? UserSelector(name: $0) }
        o.kinds = event.isEmpty ? nil : try EventKind.parseList(event)
        o.result = failed ? .failed : succeeded ? .succeeded : .any
        o.excludeProcesses = excludeProcess
        o.excludePaths = excludePath
        c.filters = o
    }
}
