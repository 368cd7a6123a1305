// The detection stage of the pipeline: source → filters → detection → sink.
// It looks at every event that passed the filters, raises alerts (watch rules, ransomware heuristic), lets the
// responders act on them (stop the offender, run a command) and hands them to the sink with their event.

/// Acts on an alert (SIGSTOP the offender, run `--on-alert CMD`, …). May append to `alert.responses`.
/// Must not block the pipeline for long.
public protocol AlertResponder: AnyObject {
    func respond(to alert: inout Alert)
}

public final class DetectionStage {
    public let rules: RuleSet?
    public let ransomware: RansomwareDetector?
    private let responders: [AlertResponder]
    public private(set) var counts = AlertCounts()

    public init(rules: RuleSet?, ransomware: RansomwareDetector?, responders: [AlertResponder] = []) {
        self.rules = rules; self.ransomware = ransomware; self.responders = responders
    }

    /// Whether this stage can raise anything at all.
    public var isActive: Bool { (rules.map { !$0.rules.isEmpty } ?? false) || ransomware != nil }

    /// The alerts `event` raises (usually none), after the responders acted on them.
    public func inspect(_ event: Event) -> [Alert] {
        var alerts: [Alert] = []
        if let rules, !rules.rules.isEmpty { alerts = rules.evaluate(event) }
        if let ransomware, let a = ransomware.inspect(event) { alerts.append(a) }
        guard !alerts.isEmpty else { return alerts }
        for i in alerts.indices {
            for r in responders { r.respond(to: &alerts[i]) }
            counts.count(alerts[i])
            if alerts[i].responses.contains(where: { $0.hasPrefix(AlertResponseTag.stopped) }) { counts.stopped += 1 }
        }
        return alerts
    }

    /// Lines for the end-of-run summary (alert counts, content statistics).
    public var summaryLines: [String] {
        var lines = counts.summaryLines
        if let r = ransomware {
            var l = "ransomware check: \(r.filesJudged) written files judged, \(r.filesEncrypted) looked encrypted"
            if r.contentUnavailable > 0 { l += ", \(r.contentUnavailable) unreadable" }
            lines.append(l)
        }
        return lines
    }
}

/// Prefixes of `Alert.responses` entries that the summary counts.
public enum AlertResponseTag {
    public static let stopped = "stopped"
}
