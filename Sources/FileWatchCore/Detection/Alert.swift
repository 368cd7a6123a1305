// Alerts raised by the detection stage (watch rules and the ransomware heuristic).

/// How serious an alert is. Ordered: low < medium < high < critical.
public enum AlertSeverity: String, CaseIterable, Sendable, Comparable, Codable {
    case low, medium, high, critical

    private var rank: Int {
        switch self { case .low: 0; case .medium: 1; case .high: 2; case .critical: 3 }
    }
    public static func < (a: AlertSeverity, b: AlertSeverity) -> Bool { a.rank < b.rank }
}

/// What raised an alert.
public enum AlertOrigin: Hashable, Sendable {
    /// A watch rule, by name.
    case rule(String)
    /// The ransomware heuristic.
    case ransomware

    /// `rule` or `ransomware` (the JSON `alert.type`).
    public var type: String {
        switch self { case .rule: "rule"; case .ransomware: "ransomware" }
    }
    /// The rule name, or `ransomware`.
    public var name: String {
        switch self { case .rule(let name): name; case .ransomware: "ransomware" }
    }
}

/// One victim behind a ransomware alert (see RansomwareDetector for what makes a file a victim).
public struct SuspiciousFile: Hashable, Sendable {
    public enum Reason: Hashable, Sendable {
        /// An existing file overwritten with content that looks encrypted.
        case encryptedContent(entropy: Double, piErrorPercent: Double)
        /// An existing file the actor had read, replaced by renaming an encrypted-looking file of its own over it
        /// (`from`: that file's name, when known).
        case replacedByRename(from: ByteString?)
        /// A file the actor had read, renamed to a new extension (`from` → `to`, without the dot), while it wrote
        /// encrypted-looking files.
        case renamedExtension(from: ByteString, to: ByteString)
        /// A file the actor had read, deleted, while it wrote encrypted-looking files.
        case deletedAfterRead

        /// Content replaced: a victim on its own. The others count only paired with an encrypted-looking write.
        public var isStrong: Bool {
            switch self {
            case .encryptedContent, .replacedByRename: true
            case .renamedExtension, .deletedAfterRead: false
            }
        }

        public var label: String {
            switch self {
            case .encryptedContent: "encrypted-content"
            case .replacedByRename: "replaced-by-rename"
            case .renamedExtension: "renamed-extension"
            case .deletedAfterRead: "deleted-after-read"
            }
        }
    }

    public var time: Int64
    public var path: ByteString
    public var reason: Reason
    /// The process that did it (a child of the alert's process when the alert is about a process tree).
    public var pid: Int32?

    public init(time: Int64, path: ByteString, reason: Reason, pid: Int32? = nil) {
        self.time = time; self.path = path; self.reason = reason; self.pid = pid
    }
}

/// A process `--stop-offenders` stopped.
public struct StoppedProcess: Hashable, Sendable {
    public var pid: Int32
    public var name: ByteString
    public init(pid: Int32, name: ByteString) { self.pid = pid; self.name = name }
}

/// An alert: who did what to which file, and why it matters.
public struct Alert: Hashable, Sendable {
    /// Microseconds since the Unix epoch (the triggering event's time).
    public var time: Int64
    public var origin: AlertOrigin
    public var severity: AlertSeverity
    public var process: ProcessSubject
    /// The event kind that triggered it.
    public var eventKind: EventKind
    public var path: ByteString?
    public var destinationPath: ByteString?
    /// One human sentence.
    public var reason: String
    /// Ransomware evidence (empty for rule alerts).
    public var evidence: [SuspiciousFile]
    /// What was done about it (e.g. "stopped pid 1234 with SIGSTOP"), filled in by responders.
    public var responses: [String]
    /// `--stop-offenders` stops the process behind this alert (ransomware alerts, and rules with `stop: true`).
    public var stopsOffender: Bool
    /// The process to stop, pinned at its first event (nil: the responder pins `process.pid` as of `time`).
    public var offender: PinnedProcess?
    /// The alert is about a process and the children it runs (a script driving short-lived programs): stop them all.
    public var offenderTree: Bool
    /// The processes stopped (filled in by `--stop-offenders`).
    public var stopped: [StoppedProcess]

    public init(time: Int64, origin: AlertOrigin, severity: AlertSeverity, process: ProcessSubject,
                eventKind: EventKind, path: ByteString?, destinationPath: ByteString? = nil, reason: String,
                evidence: [SuspiciousFile] = [], responses: [String] = [], stopsOffender: Bool? = nil,
                offender: PinnedProcess? = nil, offenderTree: Bool = false) {
        self.time = time; self.origin = origin; self.severity = severity; self.process = process
        self.eventKind = eventKind; self.path = path; self.destinationPath = destinationPath
        self.reason = reason; self.evidence = evidence; self.responses = responses
        self.stopsOffender = stopsOffender ?? (origin == .ransomware)
        self.offender = offender; self.offenderTree = offenderTree; self.stopped = []
    }
}

/// Counts for the end-of-run summary.
public struct AlertCounts: Sendable, Equatable {
    public var total = 0
    public var bySeverity: [AlertSeverity: Int] = [:]
    /// Per rule name (and `ransomware`).
    public var byOrigin: [String: Int] = [:]
    /// Processes stopped with SIGSTOP, in order.
    public var stopped: [StoppedProcess] = []

    public init() {}

    public mutating func count(_ alert: Alert) {
        total += 1
        bySeverity[alert.severity, default: 0] += 1
        byOrigin[alert.origin.name, default: 0] += 1
        for p in alert.stopped where !stopped.contains(p) { stopped.append(p) }
    }

    /// Summary lines, e.g. `alerts: 3 (critical 1, high 2)` then one line per origin, then the stopped processes
    /// and how to resume them.
    public var summaryLines: [String] {
        guard total > 0 else { return ["alerts: 0"] }
        let sev = AlertSeverity.allCases.reversed().compactMap { s in bySeverity[s].map { "\(s.rawValue) \($0)" } }
        var lines = ["alerts: \(total) (\(sev.joined(separator: ", ")))"]
        for (name, n) in byOrigin.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            lines.append("  \(name): \(n)")
        }
        if !stopped.isEmpty {
            let who = stopped.map { "\($0.pid) (\(escapedForTerminal($0.name.bytes)))" }.joined(separator: ", ")
            let pids = stopped.map { String($0.pid) }.joined(separator: " ")
            lines.append("  processes stopped: \(stopped.count): \(who)")
            lines.append("    still stopped unless resumed since; resume them: kill -CONT \(pids); end them: kill -KILL \(pids)")
        }
        return lines
    }
}
