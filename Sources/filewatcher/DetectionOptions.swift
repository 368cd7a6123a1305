import ArgumentParser
import EventSources
import FileWatchCore

/// The detection options of `watch`: watch rules, the ransomware heuristic and what to do about alerts.
struct DetectionOptions: WatchOptionGroup {
    @Option(name: .long, help: ArgumentHelp(
        "Raise alerts from the watch rules in the YAML file FILE (see README, Detection). Checked before anything starts.",
        valueName: "FILE"), completion: .file())
    var rules: String?

    @Flag(name: .long, inversion: .prefixedNo, help: ArgumentHelp(
        "Flag processes that encrypt, rename to new extensions or delete-after-read many files quickly (on by default with --rules)."))
    var ransomware: Bool?

    @Option(name: .long, help: ArgumentHelp(
        "Ransomware alert after N victims (files read then overwritten encrypted, replaced or deleted) by one process, or by a script with the programs it runs, within the window (default 5).", valueName: "N"))
    var ransomwareThreshold: Int?

    @Option(name: .long, help: ArgumentHelp(
        "Ransomware sliding window in seconds (default 30).", valueName: "SECONDS"))
    var ransomwareWindow: Double?

    @Flag(name: .long, help: ArgumentHelp(
        "Send SIGSTOP to the process behind a ransomware alert (or an alert of a rule with `stop: true`) — exactly that process, pinned by pid and start time at its first event; for a script, the script and its children — and print how to resume (kill -CONT) or end (kill -KILL) them; the summary lists them."))
    var stopOffenders = false

    @Option(name: .long, help: ArgumentHelp(
        "Run CMD for every alert with the alert as one JSON object on its standard input. CMD is split into words like a shell would (quotes and backslashes) but never run by a shell: no variables, globs or pipes; its program must exist and be executable. At most 4 run at a time (64 more wait); filewatcher never waits for them, except up to 10 s at exit, after which those still running are ended and the summary says so.",
        valueName: "CMD"))
    var onAlert: String?

    /// Is the ransomware heuristic on? Explicit flag, else on with --rules or when one of its options is given.
    var ransomwareEnabled: Bool {
        if let ransomware { return ransomware }
        return rules != nil || ransomwareThreshold != nil || ransomwareWindow != nil || stopOffenders
    }

    var isActive: Bool { rules != nil || ransomwareEnabled }

    mutating func validate() throws {
        if let n = ransomwareThreshold, n < 1 { throw ValidationError("--ransomware-threshold must be at least 1.") }
        if let w = ransomwareWindow, !(w > 0 && w <= 86_400) {
            throw ValidationError("--ransomware-window must be a number of seconds above 0 (at most 86400).")
        }
        if stopOffenders && !isActive {
            throw ValidationError("--stop-offenders stops processes behind alerts; it needs the ransomware check or --rules FILE.")
        }
        if ransomware == false && (ransomwareThreshold != nil || ransomwareWindow != nil) {
            throw ValidationError("--ransomware-threshold and --ransomware-window cannot be used with --no-ransomware.")
        }
        if let onAlert {
            let argv: [String]
            do { argv = try splitCommandLine(onAlert) } catch {
                throw ValidationError("--on-alert: \(error).")
            }
            if !isActive {
                throw ValidationError("--on-alert needs something that raises alerts: --rules FILE or --ransomware.")
            }
            // A command that cannot run is refused now, not discovered at the first alert.
            if case .failure(let problem) = CommandLookup.executable(argv[0]) {
                throw ValidationError("--on-alert: cannot run `\(argv[0])`: \(problem).")
            }
        }
    }

    func apply(to c: inout WatchConfiguration) throws {
        var d = DetectionConfiguration()
        d.rulesPath = rules
        d.ransomware = ransomwareEnabled
        d.ransomwareThreshold = ransomwareThreshold
        d.ransomwareWindow = ransomwareWindow
        d.stopOffenders = stopOffenders
        d.onAlert = try onAlert.map { try splitCommandLine($0) }
        c.detection = d
    }
}
