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

/// One piece of evidence behind a ransomware alert.
public struct SuspiciousFile: Hashable, Sendable {
    public enum Reason: Hashable, Sendable {
        /// Written and closed with content that looks encrypted.
        case encryptedContent(entropy: Double, piErrorPercent: Double)
        /// Renamed to a new extension (`from` → `to`, the extensions without the dot).
        case renamedExtension(from: ByteString, to: ByteString)
        /// Deleted after the same process had read it.
        case deletedAfterRead

        /// Encrypted content and new extensions are strong evidence; a delete after reading is weak on its own.
        public var isStrong: Bool { if case .deletedAfterRead = self { false } else { true } }

        public var label: String {
            switch self {
            case .encryptedContent: "encrypted-content"
            case .renamedExtension: "renamed-extension"
            case .deletedAfterRead: "deleted-after-read"
            }
        }
    }

    public var time: Int64
    public var path: ByteString
    public var reason: Reason

    public init(time: Int64, path: ByteString, reason: Reason) {
        self.time = time; self.path = path; self.reason = reason
    }
}

/// A process stopped with SIGSTOP because of an alert.
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
    /// The process `--stop-offenders` stopped (SIGSTOP) for this alert, if it did.
    public var stopped: StoppedProcess?

    public init(time: Int64, origin: AlertOrigin, severity: AlertSeverity, process: ProcessSubject,
                eventKind: EventKind, path: ByteString?, destinationPath: ByteString? = nil, reason: String,
                evidence: [SuspiciousFile] = [], responses: [String] = [], stopsOffender: Bool? = nil) {
        self.time = time; self.origin = origin; self.severity = severity; self.process = process
        self.eventKind = eventKind; self.path = path; self.destinationPath = destinationPath
        self.reason = reason; self.evidence = evidence; self.responses = responses
        self.stopsOffender = stopsOffender ?? (origin == .ransomware)
    }
}

/// Counts for the end-of-run summary.
public struct AlertCounts: Sendable, Equatable {
    public var total = 0
    public var bySeverity: [AlertSeverity: Int] = [:]
    /// Per rule name (and `ransomware`).
    public var byOrigin: [String: Int] = [:]
    /// Processes stopped with SIGSTOP.
    public var stopped = 0

    public init() {}

    public mutating func count(_ alert: Alert) {
        total += 1
        bySeverity[alert.severity, default: 0] += 1
        byOrigin[alert.origin.name, default: 0] += 1
    }

    /// Summary lines, e.g. `alerts: 3 (critical 1, high 2)` then one line per origin.
    public var summaryLines: [String] {
        guard total > 0 else { return ["alerts: 0"] }
        let sev = AlertSeverity.allCases.reversed().compactMap { s in bySeverity[s].map { "\(s.rawValue) \($0)" } }
        var lines = ["alerts: \(total) (\(sev.joined(separator: ", ")))"]
        for (name, n) in byOrigin.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            lines.append("  \(name): \(n)")
        }
        if stopped > 0 { lines.append("  processes stopped: \(stopped)") }
        return lines
    }
}
