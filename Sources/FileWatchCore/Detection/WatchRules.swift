// Watch rules: "these files may only be touched by these programs". A YAML file (Yams) of rules; an event that
// matches a rule's paths and event kinds but comes from a process the rule does not allow raises an alert.
//
//   rules:
//     - name: ssh-keys                      # required, unique
//       paths: ["/root/.ssh/", "/home/*/.ssh/**"]   # required: globs (see Glob.swift) or a subtree ("dir/")
//       events: [open, read, write, delete, rename] # optional; default: every event kind
//       allow: [sshd, /usr/bin/ssh-agent]   # optional: process names (no '/') or executable paths (with '/'), globs
//       severity: high                      # optional: low, medium (default), high, critical
//       description: private keys           # optional, shown in the alert
//       stop: true                          # optional: with --stop-offenders, SIGSTOP the process (default false)


/// A process name or executable-path pattern in a rule's `allow` list.
public struct ProcessPattern: Hashable, Sendable, CustomStringConvertible {
    public let glob: Glob
    /// With a '/', the pattern is matched against the executable path; otherwise against the process name.
    public let matchesExecutable: Bool

    public init(_ text: String) throws(Glob.Problem) {
        glob = try Glob(text)
        matchesExecutable = text.utf8.contains(UInt8(ascii: "/"))
    }

    public var description: String { glob.description }

    public func matches(_ process: ProcessSubject) -> Bool {
        if matchesExecutable {
            guard let exe = process.executable else { return false }
            return glob.matches(exe)
        }
        // Name patterns (no '/') match the process name, or the file name of its executable.
        return glob.matches(process.name.bytes)
            || (process.executable.map { glob.matches(Glob.basename($0.bytes)) } ?? false)
    }
}

extension Glob {
    /// The last path component of `path`.
    static func basename(_ path: [UInt8]) -> [UInt8] {
        guard let slash = path.lastIndex(of: UInt8(ascii: "/")) else { return path }
        return Array(path[(slash + 1)...])
    }
}

/// One watch rule.
public struct WatchRule: Hashable, Sendable {
    public var name: String
    public var paths: [Glob]
    /// nil: every event kind.
    public var kinds: Set<EventKind>?
    public var allowed: [ProcessPattern]
    public var severity: AlertSeverity
    public var description: String?
    /// With `--stop-offenders`, stop the process behind this rule's alerts.
    public var stop: Bool
    /// Line of the rule in its file (1-based), for messages.
    public var line: Int

    public init(name: String, paths: [Glob], kinds: Set<EventKind>? = nil, allowed: [ProcessPattern] = [],
                severity: AlertSeverity = .medium, description: String? = nil, stop: Bool = false, line: Int = 0) {
        self.name = name; self.paths = paths; self.kinds = kinds; self.allowed = allowed
        self.severity = severity; self.description = description; self.stop = stop; self.line = line
    }

    /// The path of `event` this rule matches (the source or, for rename/link, the destination), if any.
    public func matchedPath(_ event: Event) -> ByteString? {
        if let kinds, !kinds.contains(event.kind) { return nil }
        if let p = event.path {
            for i in paths.indices where paths[i].matches(p) { return p }
        }
        if let d = event.destinationPath {
            for i in paths.indices where paths[i].matches(d) { return d }
        }
        return nil
    }

    public func allows(_ process: ProcessSubject) -> Bool { allowed.contains { $0.matches(process) } }

    /// An alert when `event` matches this rule and its process is not allowed.
    public func evaluate(_ event: Event) -> Alert? {
        guard let matched = matchedPath(event), !allows(event.process) else { return nil }
        let p = event.process
        var who = "\(p.name.isEmpty ? "?" : p.name.description) (pid \(p.pid)"
        if let exe = p.executable { who += ", \(exe)" }
        who += ")"
        // The rule's name is shown beside the reason (text `rule NAME:`, JSON `rule`): not repeated here.
        var reason = "\(event.kind.rawValue) of \(matched) by \(who), which the rule does not allow"
        if let description { reason += " — \(description)" }
        return Alert(time: event.time, origin: .rule(name), severity: severity, process: p, eventKind: event.kind,
                     path: event.path, destinationPath: event.destinationPath, reason: reason, stopsOffender: stop)
    }
}

/// A rules file's problem, with its position.
public struct RulesError: Error, CustomStringConvertible, Equatable {
    public var file: String
    /// 1-based; 0 when unknown.
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    }
}

/// The rules of one file, evaluated in order; every matching rule raises its own alert. The rules' patterns are
/// compiled into an index (RuleIndex.swift): an event is checked against the patterns its paths can match only.
public struct RuleSet: Sendable {
    public let rules: [WatchRule]
    /// Per rule: its event kinds as a bit mask.
    private let kindMasks: [UInt32]
    private let index: RuleIndex

    @inline(__always) static func bit(_ k: EventKind) -> UInt32 { 1 << UInt32(k.index) }

    public init(rules: [WatchRule]) {
        self.rules = rules
        kindMasks = rules.map { r in (r.kinds ?? Set(EventKind.allCases)).reduce(0) { $0 | RuleSet.bit($1) } }
        index = RuleIndex(rules)
    }

    /// Patterns tried for every event whatever its path (for the debug log: they cost per event).
    public var unindexedPatterns: Int { index.unindexed.count }

    /// The patterns the index proposes for `path` (tests and benchmarks).
    func indexCandidates(_ path: ByteString, _ body: (RuleIndex.Entry) -> Void) { index.candidates(for: path.bytes, body) }

    public func evaluate(_ event: Event) -> [Alert] {
        let kind = RuleSet.bit(event.kind)
        var matched: [Int32] = []
        for target in [event.path, event.destinationPath] {
            guard let target else { continue }
            index.candidates(for: target.bytes) { entry in
                let r = Int(entry.rule)
                guard kindMasks[r] & kind != 0, !matched.contains(entry.rule),
                      rules[r].paths[Int(entry.pattern)].matches(target.bytes) else { return }
                matched.append(entry.rule)
            }
        }
        guard !matched.isEmpty else { return [] }
        matched.sort()
        return matched.compactMap { rules[Int($0)].evaluate(event) }
    }
}
