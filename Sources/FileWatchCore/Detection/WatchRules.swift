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

import Yams

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
        var reason = "rule \"\(name)\": \(event.kind.rawValue) of \(matched) by \(who), which the rule does not allow"
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

/// The rules of one file, evaluated in order; every matching rule raises its own alert.
public struct RuleSet: Sendable {
    public let rules: [WatchRule]
    /// Per rule: its event kinds as a bit mask, and its globs (the hot path touches nothing else).
    private let screens: [Screen]

    private final class Screen: Sendable {
        let kinds: UInt32
        let globs: [Glob]
        init(_ rule: WatchRule) {
            kinds = (rule.kinds ?? Set(EventKind.allCases)).reduce(0) { $0 | RuleSet.bit($1) }
            globs = rule.paths
        }
        @inline(__always) func matches(_ e: Event) -> Bool {
            guard kinds & RuleSet.bit(e.kind) != 0 else { return false }
            if let p = e.path { for g in globs where g.matches(p) { return true } }
            if let d = e.destinationPath { for g in globs where g.matches(d) { return true } }
            return false
        }
    }

    @inline(__always) static func bit(_ k: EventKind) -> UInt32 {
        switch k {
        case .open: 1 << 0; case .read: 1 << 1; case .write: 1 << 2; case .close: 1 << 3; case .create: 1 << 4
        case .delete: 1 << 5; case .rename: 1 << 6; case .link: 1 << 7; case .attrib: 1 << 8; case .stat: 1 << 9
        case .exec: 1 << 10; case .exit: 1 << 11; case .other: 1 << 12
        }
    }

    public init(rules: [WatchRule]) {
        self.rules = rules
        screens = rules.map(Screen.init)
    }

    public func evaluate(_ event: Event) -> [Alert] {
        var out: [Alert] = []
        for (i, screen) in screens.enumerated() where screen.matches(event) {
            if let a = rules[i].evaluate(event) { out.append(a) }
        }
        return out
    }

    /// Parses a rules file. Every problem names its line and column.
    public static func parse(yaml: String, file: String) throws(RulesError) -> RuleSet {
        func fail(_ mark: Mark?, _ message: String) -> RulesError {
            RulesError(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, message: message)
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw yamlProblem(error, yaml: yaml, file: file)
        } catch {
            throw RulesError(file: file, line: 0, column: 0, message: "\(error)")
        }
        guard let root else { throw fail(nil, "the file is empty; expected a mapping with a `rules:` list") }
        guard let top = root.mapping else {
            throw fail(root.mark, "expected a mapping with a `rules:` list at the top level")
        }
        var rulesNode: Node?
        for (k, v) in top {
            guard let key = k.scalar?.string else { throw fail(k.mark, "expected a key name") }
            switch key {
            case "rules": rulesNode = v
            default: throw fail(k.mark, "unknown top-level key `\(key)` (expected `rules`)")
            }
        }
        guard let rulesNode else { throw fail(root.mark, "missing `rules:` list") }
        if case .scalar(let s) = rulesNode, s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) {
            return RuleSet(rules: [])
        }
        guard let seq = rulesNode.sequence else { throw fail(rulesNode.mark, "`rules` must be a list of rules") }

        var rules: [WatchRule] = []
        var names: [String: Int] = [:]
        for item in seq {
            guard let m = item.mapping else { throw fail(item.mark, "each rule must be a mapping (name, paths, events, allow, severity)") }
            var name: String?
            var paths: [Glob] = []
            var sawPaths = false
            var kinds: Set<EventKind>?
            var allowed: [ProcessPattern] = []
            var severity = AlertSeverity.medium
            var description: String?
            var stop = false

            func scalar(_ n: Node, _ what: String) throws(RulesError) -> String {
                guard let s = n.scalar else { throw fail(n.mark, "`\(what)` must be a single value") }
                return s.string
            }
            func list(_ n: Node, _ what: String) throws(RulesError) -> [(String, Mark?)] {
                if let s = n.scalar { return [(s.string, n.mark)] }
                guard let seq = n.sequence else { throw fail(n.mark, "`\(what)` must be a value or a list of values") }
                var out: [(String, Mark?)] = []
                for e in seq {
                    guard let s = e.scalar else { throw fail(e.mark, "each entry of `\(what)` must be a single value") }
                    out.append((s.string, e.mark))
                }
                return out
            }

            for (k, v) in m {
                guard let key = k.scalar?.string else { throw fail(k.mark, "expected a key name") }
                switch key {
                case "name":
                    let n = try scalar(v, "name")
                    guard !n.isEmpty else { throw fail(v.mark, "`name` must not be empty") }
                    if let first = names[n] { throw fail(v.mark, "duplicate rule name `\(n)` (first used on line \(first))") }
                    names[n] = v.mark?.line ?? 0
                    name = n
                case "paths", "path":
                    sawPaths = true
                    for (text, mark) in try list(v, key) {
                        do { paths.append(try Glob(text)) } catch { throw fail(mark, "bad path pattern `\(text)`: \(error)") }
                    }
                case "events", "event":
                    var set = Set<EventKind>()
                    for (text, mark) in try list(v, key) {
                        let t = text.lowercased()
                        if t == "all" || t == "any" { set.formUnion(EventKind.allCases); continue }
                        guard let kind = EventKind(rawValue: t) else {
                            throw fail(mark, "unknown event kind `\(text)` (expected one of: \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")), all)")
                        }
                        set.insert(kind)
                    }
                    kinds = set.count == EventKind.allCases.count ? nil : set
                case "allow":
                    for (text, mark) in try list(v, "allow") {
                        do { allowed.append(try ProcessPattern(text)) } catch { throw fail(mark, "bad process pattern `\(text)`: \(error)") }
                    }
                case "severity":
                    let s = try scalar(v, "severity")
                    guard let sev = AlertSeverity(rawValue: s.lowercased()) else {
                        throw fail(v.mark, "unknown severity `\(s)` (expected low, medium, high or critical)")
                    }
                    severity = sev
                case "description":
                    description = try scalar(v, "description")
                case "stop":
                    switch try scalar(v, "stop").lowercased() {
                    case "true", "yes", "on": stop = true
                    case "false", "no", "off": stop = false
                    case let other: throw fail(v.mark, "`stop` must be true or false, not `\(other)`")
                    }
                default:
                    throw fail(k.mark, "unknown rule key `\(key)` (expected name, paths, events, allow, severity, description, stop)")
                }
            }
            guard let name else { throw fail(item.mark, "rule without a `name`") }
            guard sawPaths, !paths.isEmpty else { throw fail(item.mark, "rule `\(name)` has no `paths`") }
            if let kinds, kinds.isEmpty { throw fail(item.mark, "rule `\(name)` has an empty `events` list") }
            rules.append(WatchRule(name: name, paths: paths, kinds: kinds, allowed: allowed, severity: severity,
                                   description: description, stop: stop, line: item.mark?.line ?? 0))
        }
        return RuleSet(rules: rules)
    }

    private static func yamlProblem(_ error: YamlError, yaml: String, file: String) -> RulesError {
        func make(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> RulesError {
            var msg = "invalid YAML: \(problem)"
            if let context { msg += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return RulesError(file: file, line: mark.line, column: mark.column, message: msg)
        }
        switch error {
        case let .scanner(context, problem, mark, _): return make(mark, problem, context)
        case let .parser(context, problem, mark, _): return make(mark, problem, context)
        case let .composer(context, problem, mark, _): return make(mark, problem, context)
        case let .duplicatedKeysInMapping(duplicates, context):
            return RulesError(file: file, line: context.mark.line, column: context.mark.column,
                              message: "duplicate key(s) \(duplicates.sorted().joined(separator: ", ")) in a mapping")
        case let .reader(problem, offset, _, _):
            var line = 0, column = 0
            if let offset {
                line = 1; column = 1
                for (i, ch) in yaml.enumerated() {
                    if i >= offset { break }
                    if ch == "\n" { line += 1; column = 1 } else { column += 1 }
                }
            }
            return RulesError(file: file, line: line, column: column, message: "unreadable YAML: \(problem)")
        default:
            return RulesError(file: file, line: 0, column: 0, message: "invalid YAML: \(error)")
        }
    }
}
