// What a watch session does, as one validated value: the CLI's option groups fill it in, the
// session (EventSources.WatchSession) runs it. Platform-neutral: nothing here touches the system;
// host facts (resolving `--under`, user names) are filled in once when the session is made.
//
// Extension points (see also WatchSession):
// - a new live source: a case in `LiveSourceKind` (and its branch in EventSources' SessionSources);
// - a new replay format: a case in `InputFormat` with its signature in `InputFormat.recognize`
//   (and its branch in EventSources' SessionSources);
// - new settings: a field here with a default, filled by the owner's own `ParsableArguments` group.

/// The configuration of one `watch` run.
public struct WatchConfiguration: Sendable, Equatable {
    /// Where events come from.
    public enum Input: Sendable, Equatable {
        /// Live, from these sources together (their events merged into one stream).
        case live([LiveSourceKind])
        /// Replay of recorded files, one after the other (`-` is standard input; a directory stands
        /// for the files in it, in name order).
        case replay([String], format: InputFormat)
        /// A BSM trail or auditd log that keeps growing (and rotating): `--read FILE --follow`.
        case follow(String, format: InputFormat = .auto)
    }

    public var input: Input = .live([.auto])
    /// `--auditpipe PATH`: read live BSM records from PATH instead of /dev/auditpipe.
    public var auditPipePath: String?
    /// `--eslogger-path PATH`: run PATH instead of /usr/bin/eslogger (`--source eslogger`).
    public var esloggerPath: String?
    /// The display filters. `filters.kinds` is `--event`, parsed once; `filters.under` holds the
    /// `--under` directories, resolved once by the session for live input (and then used both to
    /// filter and to choose what the live source watches).
    public var filters = FilterOptions()
    public var output = OutputConfiguration()
    /// Print the summary to standard error at the end.
    public var summary = true
    /// `-d`: the debug log's path; `-` for standard error; nil for none.
    public var debugLog: String?
    /// Stop after this many seconds.
    public var seconds: Double?
    /// Stop after this many shown events.
    public var count: UInt64?
    public var live = LiveTuning()
    /// The Linux kernel audit source (`--source audit`).
    public var audit = AuditSourceSettings()
    public var detection = DetectionConfiguration()
    /// `--ship` collectors, the spool, TLS.
    public var shipping = ShippingConfiguration()

    public init() {}

    /// Whether events come from a live source (not a recording).
    public var isLive: Bool { if case .live = input { true } else { false } }

    /// Whether uids are shown with this machine's user names: live events and a followed trail (this
    /// machine's), or `--resolve-users` (a replayed recording's uids may belong to another machine,
    /// so they stay numbers by default).
    public var namesUsers: Bool {
        if case .replay = input { return output.resolveUsers }
        return true
    }

    /// The kinds a live source must deliver: what can be shown, or everything when detection runs
    /// (it needs every kind, whatever is shown). nil: all the source can report.
    public var requestedKinds: Set<EventKind>? { detection.isActive ? nil : filters.kinds }

    /// The kinds whose records an auditpipe must preselect.
    public var preselectedKinds: Set<EventKind> { filters.kinds ?? filters.shownKinds }

    /// Files whose events are never reported: our own output and debug log.
    public var ignoredPaths: [String] { [output.path, debugLog].compactMap { $0 }.filter { $0 != "-" } }

    /// The directories the live source watches (the filesystems holding them): `--under`, resolved.
    /// nil: everything.
    public var watchedDirectories: [String]? { filters.under.isEmpty ? nil : filters.under }

    /// Checks what no single option can check alone. The CLI reports the error as a usage error.
    public func validate() throws(ConfigurationError) {
        if detection.stopOffenders, !isLive {
            // A replayed trail's pids belong to another time (or machine): never signal whatever has them now.
            throw ConfigurationError("--stop-offenders acts on live processes; it cannot be used with --read.")
        }
        if case .replay(let files, _) = input, files.isEmpty {
            throw ConfigurationError("--read needs a file or directory.")
        }
        if auditPipePath != nil, case .live(let kinds) = input, kinds.contains(.fanotify) {
            throw ConfigurationError("--auditpipe reads audit records; it cannot be combined with --source fanotify.")
        }
        if output.format == .bsm, output.path == nil, output.standardOutputIsTerminal {
            throw ConfigurationError("--format bsm writes binary data; use -o FILE or redirect standard output.")
        }
        if output.append, output.path == nil {
            throw ConfigurationError("--append keeps what an output file holds; it needs -o FILE.")
        }
        for dir in filters.under where dir.isEmpty { throw ConfigurationError("--under needs a directory.") }
        if esloggerPath != nil {
            guard case .live(let kinds) = input, kinds.contains(where: { $0 == .eslogger || $0 == .auto }) else {
                throw ConfigurationError("--eslogger-path names the program of --source eslogger; it cannot be used with --read or other sources.")
            }
        }
        let liveKinds: [LiveSourceKind] = if case .live(let k) = input { k } else { [] }
        if (audit.daemon || audit.failureRules) && !liveKinds.contains(.audit) {
            throw ConfigurationError("--audit-daemon and --audit-rules belong to the kernel audit source: add --source audit (or fanotify,audit).")
        }
        try shipping.validate()
    }
}

/// A configuration that cannot run, said as the CLI prints it.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A live source (`--source`). `auto` is the platform's own: fanotify on Linux, eslogger on macOS 14
/// and later, the auditpipe on older macOS and FreeBSD.
public enum LiveSourceKind: String, CaseIterable, Sendable {
    case auto, fanotify, auditpipe
    /// Apple's eslogger (Endpoint Security as JSON Lines), macOS 13 and later.
    case eslogger
    /// The Linux kernel audit netlink socket (denied accesses, exec arguments).
    case audit
}

/// `--audit-daemon`, `--audit-rules`.
public struct AuditSourceSettings: Sendable, Equatable {
    /// Register as the audit daemon instead of reading the multicast log beside it.
    public var daemon = false
    /// Add filewatcher's own rules reporting denied file operations, for as long as it runs.
    public var failureRules = false
    public init() {}
}

/// The format of recorded input (`--input`). `auto` recognizes it from the first bytes.
public enum InputFormat: String, CaseIterable, Sendable {
    case auto
    /// OpenBSM audit trail (praudit's input; `--format bsm` writes it).
    case bsm
    /// Linux auditd log text (`type=SYSCALL msg=audit(…): …`, /var/log/audit/audit.log).
    case linuxAudit = "linux-audit"
    /// eslogger's JSON Lines (Endpoint Security messages; macOS 13 and later).
    case eslogger
    /// filewatcher's own JSON Lines (`--format json` writes it).
    case json

    /// How many first bytes `recognize` may need (a JSON line's telling member may come late).
    public static let recognitionBytes = 8192

    /// The format `prefix` (the first bytes of a file) starts like, or nil when none matches.
    /// BSM: a `file` token (0x11: seconds, milliseconds, a name length of at least 1), or a record
    /// header (0x14 header32, 0x15 header32_ex, 0x74 header64, 0x79 header64_ex) whose version byte
    /// (after the 4-byte byte count, which may itself be damaged) is 1, 2, 10 or 11. Text never
    /// starts so: `type=…` (0x74 't') has '=' where the version is. Linux audit: `type=` or `node=`.
    ///
    /// eslogger: a JSON object (`{` after any whitespace) holding, within `recognitionBytes`, one of
    /// the members every Endpoint Security message has and our own JSON Lines never do
    /// (`"global_seq_num"`, `"schema_version"`, `"mach_time"`, `"audit_token"`, `"event_type"`).
    ///
    /// JSON Lines: `{"time":"` (JSONSink writes the `time` string first; blanks are allowed between).
    public static func recognize(_ prefix: some Collection<UInt8>) -> InputFormat? {
        let p = Array(prefix.prefix(16))
        let ownJSON = Array(p.filter { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }.prefix(9))
        if ownJSON == Array(#"{"time":""#.utf8) { return .json }
        if let json = recognizeJSON(Array(prefix.prefix(recognitionBytes))) { return json }
        guard let first = p.first else { return nil }
        // Linux audit text: `type=NAME msg=audit(` or `node=NAME type=…`.
        if p.starts(with: Array("type=".utf8)) || p.starts(with: Array("node=".utf8)) { return .linuxAudit }
        switch first {
        case 0x11:
            guard p.count >= 11 else { return nil }
            return (UInt16(p[9]) << 8 | UInt16(p[10])) >= 1 ? .bsm : nil
        case 0x14, 0x15, 0x74, 0x79:
            guard p.count >= 6 else { return nil }
            return [1, 2, 10, 11].contains(p[5]) ? .bsm : nil
        default:
            return nil
        }
    }
}

extension InputFormat {
    static func recognizeJSON(_ p: [UInt8]) -> InputFormat? {
        guard p.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) == UInt8(ascii: "{") else { return nil }
        let markers = ["\"global_seq_num\"", "\"schema_version\"", "\"mach_time\"", "\"audit_token\"", "\"event_type\""]
        for marker in markers {
            let m = Array(marker.utf8)
            if p.count >= m.count, (0...(p.count - m.count)).contains(where: { i in p[i] == m[0] && p[i..<(i + m.count)].elementsEqual(m) }) {
                return .eslogger
            }
        }
        return nil
    }
}

/// Output format (`--format`).
public enum OutputFormat: String, CaseIterable, Sendable {
    /// One line per event, the original tool's line improved.
    case text
    /// JSON Lines.
    case json
    /// An OpenBSM trail.
    case bsm
    /// JSON Lines in Elastic Common Schema 8.x.
    case ecs
    /// JSON Lines in OCSF 1.x (File System Activity, Process Activity, Detection Finding).
    case ocsf
}

/// `--flush`: `auto` writes every event at once to a terminal and in batches otherwise (64 KiB,
/// or a second of event time, or when the source idles); `always` writes every event at once
/// (`| grep`, `tail -f`).
public enum FlushMode: String, CaseIterable, Sendable {
    case auto, always
}

/// `--color`.
public enum ColorMode: String, CaseIterable, Sendable {
    case auto, always, never
}

/// Where and how events are written.
public struct OutputConfiguration: Sendable, Equatable {
    public var format: OutputFormat = .text
    /// The output file; nil for standard output.
    public var path: String?
    public var color: ColorMode = .auto
    /// Whether standard output is a terminal (filled in by the CLI; decides colour and line buffering
    /// when writing to standard output).
    public var standardOutputIsTerminal = false
    /// NO_COLOR is set to something (https://no-color.org).
    public var noColorRequested = false
    /// How text output shows times (`--time-format`).
    public var timeFormat: TimeFormat = .local
    /// Show this machine's user names for the uids of replayed input (`--resolve-users`; live
    /// events always get names: their uids are this machine's).
    public var resolveUsers = false
    /// False: events are written to no output of this configuration (`filewatcher report`: only
    /// the sinks added by `extensions` get them).
    public var writesEvents = true
    /// `--append`: keep what the output file holds (a service's log across restarts).
    public var append = false
    /// `--flush`: when output reaches the file or pipe.
    public var flush: FlushMode = .auto

    public init() {}

    /// Colour for text output written to a terminal (`interactive`) or not.
    public func usesColor(interactive: Bool) -> Bool {
        switch color {
        case .always: true
        case .never: false
        case .auto: interactive && !noColorRequested
        }
    }
}

/// The kernel queue of a live source (`--queue`).
public enum LiveQueue: String, CaseIterable, Sendable {
    /// The kernel never drops events (fanotify's unlimited queue).
    case unlimited
    /// The kernel's bounded queue; overflows are reported.
    case bounded
}

/// Live source tuning (Linux fanotify today).
public struct LiveTuning: Sendable, Equatable {
    public var queue: LiveQueue = .unlimited
    /// The fanotify group layout by name (`hybrid`, `fid`, `split`, `fd`); the live source checks it.
    public var layout: String?
    /// Wait this long after a busy wake-up before reading again (nil: the source's default).
    public var batchDelayMicroseconds: Int?
    /// Bytes per read of the kernel queue (nil: the source's default).
    public var readBufferSize: Int?
    public init() {}
}

/// Detection (`--rules`, `--ransomware`, …).
public struct DetectionConfiguration: Sendable, Equatable {
    /// The watch rules file.
    public var rulesPath: String?
    public var ransomware = false
    /// Ransomware alert after this many suspicious files (nil: the detector's default).
    public var ransomwareThreshold: Int?
    /// The ransomware sliding window in seconds (nil: the detector's default).
    public var ransomwareWindow: Double?
    /// SIGSTOP the process behind an alert that asks for it.
    public var stopOffenders = false
    /// `--on-alert CMD`, split into words.
    public var onAlert: [String]?
    public init() {}

    /// Whether anything can raise alerts.
    public var isActive: Bool { rulesPath != nil || ransomware }
}

extension EventKind {
    /// `--event` values: comma lists, repeatable, case-insensitive, `all` for every kind.
    public static func parseList(_ items: [String]) throws(ConfigurationError) -> Set<EventKind> {
        var kinds = Set<EventKind>()
        for item in items.flatMap({ $0.split(separator: ",") }) {
            let name = String(item.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()).lowercased()
            if name == "all" { kinds.formUnion(EventKind.allCases); continue }
            guard let kind = EventKind(rawValue: name) else {
                throw ConfigurationError("--event: unknown event kind '\(item)' (known: \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")), all).")
            }
            kinds.insert(kind)
        }
        return kinds
    }
}
