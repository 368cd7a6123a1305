// What the page says about the run besides the aggregates: inputs, hosts, filters, the pipeline's
// counts. And the small formatting helpers the page shares.

import FileWatchCore

/// Facts about the run for the page's header.
public struct ReportContext: Sendable {
    public var title = "filewatcher report"
    /// Files read (`-`: standard input), or a live source's description.
    public var inputs: [String] = []
    public var hosts: [String] = []
    /// The filters applied, one line each (`describeFilters`).
    public var filters: [String] = []
    /// When the page was made (µs since the epoch).
    public var generatedAt: Int64 = 0
    /// Events the source delivered (before filters), when known.
    public var read: UInt64?
    /// Events the filters dropped, when known.
    public var filtered: UInt64?
    /// Events reported lost (with a count), and loss reports.
    public var lost: UInt64 = 0
    public var lossReports: UInt64 = 0
    /// Damaged stretches of input skipped.
    public var damaged: UInt64 = 0

    public init() {}
}

/// The filters as a person would read them back (empty: none).
public func describeFilters(_ f: FilterOptions) -> [String] {
    var out: [String] = []
    func list(_ flag: String, _ values: [String]) {
        guard !values.isEmpty else { return }
        out.append("\(flag) " + values.joined(separator: " or "))
    }
    list("file contains", f.files)
    list("process contains", f.processes)
    list("under", f.under)
    list("pid", f.pids.map(String.init))
    list("user", f.users.map { u in [u.name, u.uid.map { "uid \($0)" }].compactMap { $0 }.joined(separator: " / ") })
    list("not process", f.excludeProcesses)
    list("not path", f.excludePaths)
    switch f.result {
    case .any: break
    case .failed: out.append("failed operations only")
    case .succeeded: out.append("successful operations only")
    }
    if let kinds = f.kinds {
        out.append("kinds: " + EventKind.allCases.filter(kinds.contains).map(\.rawValue).joined(separator: ", "))
    } else if !f.all {
        out.append("kinds: all but stat, exit and other (the default without -a)")
    }
    return out
}

enum Format {
    /// `2026-12-03 07:08:24.123 UTC`.
    static func time(_ micros: Int64, millis: Bool = true) -> String {
        let t = CivilTime(epochMicroseconds: micros)
        var s = "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2)) \(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2))"
        if millis { s += "." + pad(t.microsecond / 1000, 3) }
        return s + " UTC"
    }

    /// `07:08:24.123` (UTC), or with the date when `withDate`.
    static func clock(_ micros: Int64, step: Int64 = 1_000_000, withDate: Bool = false) -> String {
        let t = CivilTime(epochMicroseconds: micros)
        var s = withDate ? "\(pad(t.month, 2))-\(pad(t.day, 2)) " : ""
        s += "\(pad(t.hour, 2)):\(pad(t.minute, 2))"
        if step < 60_000_000 { s += ":" + pad(t.second, 2) }
        if step < 1_000_000 { s += "." + pad(t.microsecond / 1000, 3) }
        return s
    }

    /// A duration: `850 ms`, `12.5 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`.
    static func duration(_ micros: Int64) -> String {
        let ms = micros / 1000
        if ms < 1000 { return "\(ms) ms" }
        if ms < 60_000 { return "\(ms / 1000).\(ms % 1000 / 100) s" }
        let s = ms / 1000
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        if s < 86_400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) d \(s % 86_400 / 3600) h"
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Thousands separated by a thin space: `1 234 567`.
    static func count(_ n: UInt64) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out += "\u{202F}" }
            out.append(c)
        }
        return out
    }

    /// A capture name made visible (not yet HTML-escaped): for SVG text, which escapes on output.
    static func visible(_ b: ByteString) -> String { escapedForTerminal(b.bytes) }
    /// A string from a capture (a reason, a rule name, a message) made visible the same way.
    static func visible(_ s: String) -> String { escapedForTerminal(Array(s.utf8)) }
}

/// Event kinds in the order the charts stack them (changes at the bottom), with their CSS class.
enum KindStyle {
    static let order: [EventKind] = [.write, .create, .delete, .rename, .link, .attrib, .read, .open, .close, .exec,
                                     .stat, .exit, .other]
    static func cssClass(_ k: EventKind) -> String { "k-" + k.rawValue }
}
