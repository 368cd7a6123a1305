import ArgumentParser
import EventSources
import FileWatchCore

/// Where events come from (live, recordings, a followed trail, an auditpipe) and how long to run.
struct SourceOptions: WatchOptionGroup {
    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp(
        "Replay recorded input instead of watching live: files or directories (a directory: its files in name order), read one after the other; - is standard input.",
        valueName: "FILE|DIR"), completion: .file())
    var read: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Format of the --read input: auto (recognized from its first bytes) or \(InputFormat.allCases.filter { $0 != .auto }.map(\.rawValue).joined(separator: ", ")).",
        valueName: "FORMAT"))
    var input: InputFormat = .auto

    @Flag(name: .long, help: "With --read FILE: keep reading as the BSM trail or auditd log grows and follow its rotation (e.g. --read /var/audit/current --follow, or --read /var/log/audit/audit.log --follow).")
    var follow = false

    @Option(name: .long, help: ArgumentHelp(
        "Live source: auto (fanotify on Linux, eslogger on macOS 14 and later, /dev/auditpipe on older macOS and FreeBSD), fanotify, auditpipe, eslogger or audit (Linux kernel audit: denied accesses, exec arguments); several, comma separated, run side by side (fanotify,audit).",
        valueName: "SOURCE"), completion: .list(LiveSourceKind.allCases.map(\.rawValue)))
    var source = LiveSourceList([.auto])

    @Option(name: .long, help: ArgumentHelp(
        "Read live audit records from PATH instead of /dev/auditpipe (macOS/FreeBSD). A FIFO or a file is read as records come, without the auditpipe ioctls.",
        valueName: "PATH"), completion: .file())
    var auditpipe: String?

    @Option(name: .long, help: ArgumentHelp("Stop after N seconds.", valueName: "N"))
    var seconds: Double?

    @Option(name: .long, help: ArgumentHelp("Stop after N shown events.", valueName: "N"))
    var count: UInt64?

    func validate() throws {
        if follow {
            guard let first = read.first else { throw ValidationError("--follow needs --read FILE (e.g. --read /var/audit/current --follow).") }
            if first == "-" { throw ValidationError("--follow needs a file, not standard input.") }
            if read.count > 1 { throw ValidationError("--follow follows one trail or log; give one --read FILE.") }
        }
        if !read.isEmpty && (auditpipe != nil || source != LiveSourceList([.auto])) {
            throw ValidationError("--read replays a trail; it cannot be combined with --source or --auditpipe.")
        }
        if input != .auto && read.isEmpty { throw ValidationError("--input names the format of --read input; give --read FILE.") }
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be a positive number.") }
        if let count, count == 0 { throw ValidationError("--count must be at least 1.") }
    }

    func apply(to c: inout WatchConfiguration) throws {
        if read.isEmpty {
            c.input = .live(source.kinds)
        } else if follow {
            c.input = .follow(read[0], format: input)
        } else {
            c.input = .replay(read, format: input)
        }
        c.auditPipePath = auditpipe
        c.seconds = seconds
        c.count = count
    }
}

/// Tuning of the live source (Linux fanotify).
struct LiveTuningOptions: WatchOptionGroup {
    @Option(name: .long, help: ArgumentHelp(
        "Live queue: unlimited (default, the kernel never drops events) or bounded (the kernel's fs.fanotify.max_queued_events; overflows are reported).",
        valueName: "unlimited|bounded"))
    var queue: LiveQueue?

    @Option(name: .long, help: ArgumentHelp(
        "Linux fanotify layout: fid (the default and only one: one kernel queue reporting every event with its directory handle and name as they were then, so every path is the one the file had when it happened).",
        valueName: "fid"), completion: .list(["fid"]))
    var fanotifyLayout: String?

    @Option(name: .long, help: ArgumentHelp(
        "Live source: after a busy wake-up wait MS milliseconds before reading the kernel queue again (default 5: larger batches, far less CPU; the kernel merges a process's repeated events on one file meanwhile; 0 = read at once).",
        valueName: "MS"))
    var batchDelay: Double?

    @Option(name: .long, help: ArgumentHelp("Live source: bytes per read of the kernel queue (default 262144).", valueName: "BYTES"))
    var readBuffer: Int?

    /// The first of these options given, by name (they tune the live source: nothing to tune when replaying).
    var firstGiven: String? {
        if queue != nil { return "--queue" }
        if fanotifyLayout != nil { return "--fanotify-layout" }
        if batchDelay != nil { return "--batch-delay" }
        if readBuffer != nil { return "--read-buffer" }
        return nil
    }

    func validate() throws {
        if let fanotifyLayout, let problem = LiveSource.layoutProblem(fanotifyLayout) { throw ValidationError(problem) }
        if let batchDelay, !(batchDelay >= 0 && batchDelay <= 1000) { throw ValidationError("--batch-delay must be 0 to 1000 ms.") }
        if let readBuffer, readBuffer < 8192 || readBuffer > 64 << 20 { throw ValidationError("--read-buffer must be 8192 to 67108864 bytes.") }
    }

    func apply(to c: inout WatchConfiguration) throws {
        c.live.queue = queue ?? .unlimited
        c.live.layout = fanotifyLayout
        c.live.batchDelayMicroseconds = batchDelay.map { Int($0 * 1000) }
        c.live.readBufferSize = readBuffer
    }
}
