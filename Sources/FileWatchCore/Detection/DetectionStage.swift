// The detection stage of the pipeline: source → (user names) → detection → display filters → sink.
// It looks at every event the source delivers, before the display filters (within its own `scope`: the user's
// path, process and user filters), raises alerts (watch rules, ransomware heuristic), lets the responders act on
// them (stop the offender, run a command) and attaches them to their event, which is then shown even when the
// display filters would hide it.

/// Acts on an alert (SIGSTOP the offender, run `--on-alert CMD`, …). May append to `alert.responses`.
/// Must not block the pipeline for long.
public protocol AlertResponder: AnyObject {
    func respond(to alert: inout Alert)
    /// End of the run: finish pending work (e.g. wait briefly for running commands). Has a default.
    func finish()
    /// A line for the summary, if any. Has a default.
    var summaryLine: String? { get }
}

extension AlertResponder {
    public func finish() {}
    public var summaryLine: String? { nil }
}

/// A source that can read the content of the file an event names better than by opening its path afterwards
/// (the fanotify source: through the event's own descriptor). The detection stage uses its reader.
public protocol ContentProvidingSource: EventSource {
    var contentReader: ContentReader { get }
}

public final class DetectionStage: EventStage {
    public let rules: RuleSet?
    public let ransomware: RansomwareDetector?
    private let responders: [AlertResponder]
    /// Only events this filter matches are inspected (nil: every event). The CLI passes the user's path and
    /// process filters, so `--under /srv --stop-offenders` guards /srv and `--exclude-process make` trusts make.
    public let scope: EventFilter?
    public private(set) var counts = AlertCounts()
    /// A rule alert for the same rule, process and file within this time (µs) of the last one is not repeated
    /// (one `cat key` is an open, a read and a close: one alert). 0 disables.
    public let repeatInterval: Int64
    private struct RepeatKey: Hashable { var rule: String; var pid: Int32; var path: ByteString? }
    private var lastRuleAlert: [RepeatKey: Int64] = [:]
    /// Rule alerts not repeated (for the summary).
    public private(set) var repeatsSuppressed = 0

    public init(rules: RuleSet?, ransomware: RansomwareDetector?, responders: [AlertResponder] = [],
                scope: EventFilter? = nil, repeatInterval: Int64 = 2_000_000) {
        self.rules = rules; self.ransomware = ransomware; self.responders = responders; self.scope = scope
        self.repeatInterval = repeatInterval
    }

    /// Drops rule alerts that repeat one raised moments ago for the same rule, process and file.
    private func dropRepeats(_ alerts: inout [Alert]) {
        guard repeatInterval > 0 else { return }
        alerts.removeAll { a in
            guard case .rule(let name) = a.origin else { return false }
            let key = RepeatKey(rule: name, pid: a.process.pid, path: a.destinationPath ?? a.path)
            if let last = lastRuleAlert[key], a.time >= last, a.time - last < repeatInterval {
                repeatsSuppressed += 1
                return true
            }
            if lastRuleAlert.count >= 4096 {
                let horizon = a.time - repeatInterval
                lastRuleAlert = lastRuleAlert.filter { $0.value >= horizon }
                if lastRuleAlert.count >= 4096 { lastRuleAlert.removeAll(keepingCapacity: true) }
            }
            lastRuleAlert[key] = a.time
            return false
        }
    }

    /// Whether this stage can raise anything at all.
    public var isActive: Bool { (rules.map { !$0.rules.isEmpty } ?? false) || ransomware != nil }

    /// The alerts `event` raises (usually none), after the responders acted on them.
    public func inspect(_ event: Event) -> [Alert] {
        if let scope, !scope.matches(event) { return [] }
        var alerts: [Alert] = []
        if let rules, !rules.rules.isEmpty {
            alerts = rules.evaluate(event)
            if !alerts.isEmpty { dropRepeats(&alerts) }
        }
        if let ransomware { alerts.append(contentsOf: ransomware.inspect(event)) }
        guard !alerts.isEmpty else { return alerts }
        for i in alerts.indices {
            for r in responders { r.respond(to: &alerts[i]) }
            counts.count(alerts[i])
        }
        return alerts
    }

    /// EventStage: attach the alerts to the event; an alerting event is shown even when the filters would hide it.
    public func process(_ event: inout Event) -> Bool {
        let alerts = inspect(event)
        guard !alerts.isEmpty else { return false }
        event.alerts = alerts
        return true
    }

    public func finish() {
        for r in responders { r.finish() }
    }

    /// Lines for the end-of-run summary (alert counts, content statistics).
    public var summaryLines: [String] {
        var lines = counts.summaryLines
        if repeatsSuppressed > 0 {
            lines.append("  \(repeatsSuppressed) repeated rule alerts not shown (same rule, process and file within \(repeatInterval / 1_000_000) s)")
        }
        if let r = ransomware {
            var l = "ransomware check: \(r.filesJudged) written files judged, \(r.filesEncrypted) looked encrypted"
            if r.contentUnavailable > 0 { l += ", \(r.contentUnavailable) unreadable" }
            lines.append(l)
        }
        lines.append(contentsOf: responders.compactMap(\.summaryLine))
        return lines
    }
}

