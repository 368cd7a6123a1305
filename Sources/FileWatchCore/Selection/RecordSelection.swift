// Selections made as auditreduce makes them: by BSM event (`--bsm-event`, auditreduce -m), by audit
// class (`--class`, -c) and by time (`--since`/`--until`, -a/-b). Pure values, resolved once against
// an event catalog; `HeaderSelection` compiles them (with the kinds shown) into one table so that a
// record is accepted or rejected from its header alone.

import BSM

/// `--class`: the event numbers of the named classes, for successful and for failed operations
/// (au_preselect's masks: `fr` both, `+fr` success only, `-fr` failure only, `^…` removes).
public struct ClassSelection: Sendable, Equatable {
    public var successEvents: Set<UInt16>
    public var failureEvents: Set<UInt16>

    public init(successEvents: Set<UInt16>, failureEvents: Set<UInt16>) {
        self.successEvents = successEvents
        self.failureEvents = failureEvents
    }

    /// Whether the outcome (the return token's status) can decide (a `+` or `-` class was given).
    public var needsOutcome: Bool { successEvents != failureEvents }

    /// Whether a record of `event` can match at all (its header alone: AU_PRS_BOTH).
    @inlinable public func admits(_ event: UInt16) -> Bool {
        successEvents.contains(event) || failureEvents.contains(event)
    }

    /// Whether an operation of `event` that succeeded (or failed) matches.
    @inlinable public func matches(_ event: UInt16, succeeded: Bool) -> Bool {
        succeeded ? successEvents.contains(event) : failureEvents.contains(event)
    }

    /// Parses `fr,fw,+lo,-fa,^ex` (comma lists, repeatable) against the classes and events of
    /// `catalogs` (the first catalog that has a number decides its classes).
    public static func parse(_ items: [String], catalogs: [Catalog]) throws(ConfigurationError) -> ClassSelection {
        let classes = catalogs.first?.classes ?? []
        var success: UInt32 = 0, failure: UInt32 = 0
        for raw in items.flatMap({ $0.split(separator: ",") }) {
            var name = Substring(raw.trimmingSpaces)
            let remove = name.first == "^"
            if remove { name = name.dropFirst() }
            var onSuccess = true, onFailure = true
            if name.first == "+" { onFailure = false; name = name.dropFirst() }
            else if name.first == "-" { onSuccess = false; name = name.dropFirst() }
            guard let c = classes.first(where: { $0.nameString == name }) else {
                throw ConfigurationError("--class: unknown audit class '\(raw)' (known: \(classes.map(\.nameString).joined(separator: ", "))).")
            }
            if onSuccess { success = remove ? success & ~c.mask : success | c.mask }
            if onFailure { failure = remove ? failure & ~c.mask : failure | c.mask }
        }
        var s = Set<UInt16>(), f = Set<UInt16>()
        var seen = Set<UInt16>()
        for catalog in catalogs {
            for e in catalog.events where seen.insert(e.number).inserted {
                let m = catalog.event(e.number)?.classMask ?? 0
                if m & success != 0 { s.insert(e.number) }
                if m & failure != 0 { f.insert(e.number) }
            }
        }
        return ClassSelection(successEvents: s, failureEvents: f)
    }
}

/// `--bsm-event NAME|NUMBER,...`: event numbers by name (`AUE_UNLINK`, as audit_event spells it;
/// letters in any case) or number.
public enum BSMEventSelection {
    public static func parse(_ items: [String], catalogs: [Catalog]) throws(ConfigurationError) -> Set<UInt16> {
        var numbers = Set<UInt16>()
        for raw in items.flatMap({ $0.split(separator: ",") }) {
            let item = raw.trimmingSpaces
            if let n = UInt16(item) {
                numbers.insert(n)
                continue
            }
            let upper = item.uppercased()
            var found = false
            for catalog in catalogs {
                for e in catalog.events where e.nameString.uppercased() == upper {
                    numbers.insert(e.number)
                    found = true
                }
                if found { break }
            }
            if !found {
                throw ConfigurationError("--bsm-event: unknown event '\(raw)': give a number (0-65535) or a name from audit_event such as AUE_UNLINK, AUE_OPEN_R, AUE_EXECVE.")
            }
        }
        return numbers
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

/// The part of the filters that a BSM record's header decides: kind (from the event number),
/// `--bsm-event`, `--class` (both outcomes) and the time range. One byte per event number, so a
/// rejected record costs a header read and a table load.
public struct HeaderSelection: Sendable {
    private let accepted: [Bool]
    /// Inclusive lower and exclusive upper bound in microseconds.
    public let since: Int64?
    public let until: Int64?
    /// Whether every accepted record is selected without looking past its header (no path,
    /// process, user, pid or result filter, no outcome-dependent class).
    public let decidesAlone: Bool

    public init(_ options: FilterOptions) {
        let kinds = options.shownKinds
        var table = [Bool](repeating: false, count: 65536)
        for n in 0..<65536 {
            let e = UInt16(n)
            guard kinds.contains(BSMEventClassification.kindTable[n]) else { continue }
            if let events = options.bsmEvents, !events.contains(e) { continue }
            if let classes = options.classes, !classes.admits(e) { continue }
            table[n] = true
        }
        accepted = table
        since = options.since
        until = options.until
        decidesAlone = !options.needsMoreThanHeader
    }

    /// Whether a record with this header can be selected.
    @inline(__always)
    public func accepts(_ h: HeaderSummary) -> Bool {
        guard accepted[Int(h.event)] else { return false }
        if since != nil || until != nil {
            let t = h.microseconds
            if let since, t < since { return false }
            if let until, t >= until { return false }
        }
        return true
    }

    /// Whether this selection rejects anything at all from headers (else checking them is waste).
    public var isTrivial: Bool { since == nil && until == nil && !accepted.contains(false) }
}

extension FilterOptions {
    /// Whether a decision needs more of a record than its header.
    public var needsMoreThanHeader: Bool {
        !files.isEmpty || !processes.isEmpty || !under.isEmpty || !pids.isEmpty || !users.isEmpty
            || result != .any || !excludeProcesses.isEmpty || !excludePaths.isEmpty
            || (classes?.needsOutcome ?? false)
    }

    /// Whether process names (learned from exec and fork records) are needed to decide.
    public var needsProcessNames: Bool { !processes.isEmpty || !excludeProcesses.isEmpty }
}

extension BSMEventClassification {
    /// Event number → kind, for all 65536 numbers (no hashing on the hot path).
    public static let kindTable: [EventKind] = {
        var t = [EventKind](repeating: .other, count: 65536)
        for (n, c) in table { t[Int(n)] = c.kind }
        return t
    }()

    /// Event numbers whose records teach the mapper about process images (exec, posix_spawn, fork;
    /// exit forgets).
    public static let teachesImages: [Bool] = {
        var t = [Bool](repeating: false, count: 65536)
        for (n, c) in table where c.kind == .exec || c.kind == .exit || c.isFork { t[Int(n)] = true }
        return t
    }()
}
