// Parsing a rules file (YAML, through Yams) into a RuleSet. Every problem names its line and column; the limits
// in RulesLimits.swift keep a hostile file from freezing the start.

import Yams

extension RuleSet {
    /// Parses a rules file. Every problem names its line and column.
    public static func parse(yaml: String, file: String) throws(RulesError) -> RuleSet {
        func fail(_ mark: Mark?, _ message: String) -> RulesError {
            RulesError(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, message: message)
        }
        let size = yaml.utf8.count
        guard size <= RulesLimits.maxFileBytes else {
            throw RulesError(file: file, line: 0, column: 0,
                             message: "\(size) bytes: larger than the limit for a rules file (\(RulesLimits.maxFileBytes) bytes, 4 MiB)")
        }
        try RulesLimits.checkAliases(yaml, file: file)
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
            case let other where other.hasPrefix("x-"): continue  // free for anchors (`x-admins: &admins [...]`)
            default: throw fail(k.mark, "unknown top-level key `\(key)` (expected `rules`, or `x-…` for shared lists)")
            }
        }
        guard let rulesNode else { throw fail(root.mark, "missing `rules:` list") }
        if case .scalar(let s) = rulesNode, s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) {
            return RuleSet(rules: [])
        }
        guard let seq = rulesNode.sequence else { throw fail(rulesNode.mark, "`rules` must be a list of rules") }

        guard seq.count <= RulesLimits.maxRules else {
            throw fail(rulesNode.mark, "\(seq.count) rules: more than the limit of \(RulesLimits.maxRules) rules in one file")
        }
        var rules: [WatchRule] = []
        var names: [String: Int] = [:]
        // Patterns compiled once per distinct text (an alias shares its list between rules), and counted with
        // aliases expanded.
        var globs: [String: Glob] = [:]
        var processPatterns: [String: ProcessPattern] = [:]
        var patternCount = 0
        func countPattern(_ mark: Mark?) throws(RulesError) {
            patternCount += 1
            if patternCount > RulesLimits.maxPatterns {
                throw fail(mark, "more than \(RulesLimits.maxPatterns) path and allow patterns in all rules together "
                    + "(aliases counted at each use): the limit for one rules file")
            }
        }
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
                        try countPattern(mark)
                        if let g = globs[text] { paths.append(g); continue }
                        do { paths.append(try Glob(text)) } catch { throw fail(mark, "bad path pattern `\(text)`: \(error)") }
                        globs[text] = paths.last
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
                        try countPattern(mark)
                        if let p = processPatterns[text] { allowed.append(p); continue }
                        do { allowed.append(try ProcessPattern(text)) } catch { throw fail(mark, "bad process pattern `\(text)`: \(error)") }
                        processPatterns[text] = allowed.last
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
