// The oracle's checker: filewatcher's JSON output against the ground truth `fw-oracle` logged (see
// Sources/fw-oracle/main.c). An event is judged by (kind, path, destination, pid); its process name
// and directory flag are checked for every matched event too.

import Foundation

struct OracleTuple: Hashable, CustomStringConvertible {
    var kind: String
    var path: String
    var dest: String?
    var pid: Int32
    var description: String { "\(kind) \(path)\(dest.map { " -> \($0)" } ?? "") pid \(pid)" }
}

struct OracleReport: CustomStringConvertible {
    var operations = 0
    var required = 0
    var matched = 0
    /// Events of the oracle's processes, or in its tree, without a path.
    var withoutPath = 0
    /// Events in the tree that match nothing that happened (wrong path, wrong pid or wrong kind).
    var invented = 0
    /// Required events the kernel merged into an earlier queued event of the same process on the same
    /// file (same directory, name and inode), reported at that event's path: the kernel gave no other.
    var merged = 0
    /// Events reported at an earlier path of their file for that reason.
    var mergedAtEarlierPath = 0
    /// Matched events whose process name is not the one the process had then.
    var wrongName = 0
    var wrongDirectoryFlag = 0
    var missingSamples: [String] = []
    var inventedSamples: [String] = []
    var nameSamples: [String] = []
    var seenInScope = 0

    var exactPercent: Double { required == 0 ? 100 : Double(matched + merged) * 100 / Double(required) }
    var isExact: Bool { matched + merged == required && withoutPath == 0 && invented == 0 && wrongName == 0 && wrongDirectoryFlag == 0 }

    var description: String {
        var lines = [String(format: "%d operations: %.2f %% exact (%d of %d required events; %d of them merged by the kernel into an earlier event at an earlier path), %d without a path, %d invented, %d wrong process names, %d wrong directory flags (%d events seen in scope)",
                            operations, exactPercent, matched + merged, required, merged, withoutPath, invented, wrongName, wrongDirectoryFlag, seenInScope)]
        if !missingSamples.isEmpty { lines.append("  missing: " + missingSamples.joined(separator: "\n           ")) }
        if !inventedSamples.isEmpty { lines.append("  invented: " + inventedSamples.joined(separator: "\n            ")) }
        if !nameSamples.isEmpty { lines.append("  names: " + nameSamples.joined(separator: "\n         ")) }
        return lines.joined(separator: "\n")
    }
}

enum OracleChecker {
    struct Truth {
        var tuple: OracleTuple
        var name: String
        var isDirectory: Bool
        var required: Bool
        var operation: Int
        /// What the kernel merges queued events by (see Sources/fw-oracle/main.c).
        var identity: String
    }

    struct Seen {
        var kind: String
        var path: String?
        var dest: String?
        var pid: Int32
        var name: String
        var isDirectory: Bool
        var line: Int
    }

    /// `kind path dest pid name dir need op ident`, tab separated ("-": no destination).
    static func parseTruth(_ text: String) -> [Truth] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 9, let pid = Int32(f[3]), let op = Int(f[7]) else { return nil }
            return Truth(tuple: OracleTuple(kind: f[0], path: f[1], dest: f[2] == "-" ? nil : f[2], pid: pid),
                         name: f[4], isDirectory: f[5] == "1", required: f[6] == "1", operation: op, identity: f[8])
        }
    }

    /// The kernel merges an event into an earlier one of the same process on the same file still in its
    /// queue; the merged kind is then reported at the earlier event's path. For `truth[index]`: the
    /// tuples it may have been reported as (its own, and its kind at each earlier path of its file).
    static func mergedForms(of index: Int, _ truth: [Truth], byIdentity: [String: [Int]]) -> [OracleTuple] {
        let t = truth[index]
        var forms: [OracleTuple] = []
        for earlier in byIdentity["\(t.tuple.pid) \(t.identity)"] ?? [] where earlier < index {
            let e = truth[earlier].tuple
            if e.path != t.tuple.path || e.dest != t.tuple.dest {
                forms.append(OracleTuple(kind: t.tuple.kind, path: e.path, dest: e.dest, pid: t.tuple.pid))
            }
        }
        return forms
    }

    /// filewatcher's JSON Lines (see the README's JSON schema).
    static func parseOutput(_ data: Data) throws -> [Seen] {
        var seen: [Seen] = []
        var number = 0
        for line in data.split(separator: UInt8(ascii: "\n")) {
            number += 1
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let kind = object["event"] as? String, let process = object["process"] as? [String: Any],
                  let pid = (process["pid"] as? NSNumber)?.int32Value else {
                throw CheckError.badLine(number, String(decoding: line, as: UTF8.self))
            }
            seen.append(Seen(kind: kind, path: object["path"] as? String, dest: object["dest_path"] as? String, pid: pid,
                             name: process["name"] as? String ?? "", isDirectory: object["directory"] as? Bool ?? false,
                             line: number))
        }
        return seen
    }

    enum CheckError: Error, CustomStringConvertible {
        case badLine(Int, String)
        var description: String {
            switch self { case .badLine(let n, let text): return "output line \(n) is not an event: \(text.prefix(200))" }
        }
    }

    /// Judges the output events in `root` (and those of the oracle's processes without a path) against
    /// the truth. `ignoredNames`: entries directly in `root` the test itself made (readiness markers).
    static func check(truth: [Truth], seen: [Seen], root: String, ignoredNames: Set<String> = []) -> OracleReport {
        var report = OracleReport()
        report.operations = truth.map(\.operation).max() ?? 0
        var allowed: [OracleTuple: [Truth]] = [:]
        var required = Set<OracleTuple>()
        var byIdentity: [String: [Int]] = [:]
        for (index, t) in truth.enumerated() {
            allowed[t.tuple, default: []].append(t)
            if t.required { required.insert(t.tuple) }
            byIdentity["\(t.tuple.pid) \(t.identity)", default: []].append(index)
        }
        // Kernel merges: a kind reported at an earlier path of its file is allowed, and explains it.
        var mergedAllowed: [OracleTuple: [Truth]] = [:]
        for (index, t) in truth.enumerated() {
            for form in mergedForms(of: index, truth, byIdentity: byIdentity) where allowed[form] == nil {
                mergedAllowed[form, default: []].append(t)
            }
        }
        let oraclePIDs = Set(truth.map(\.tuple.pid))
        func inScope(_ path: String?) -> Bool {
            guard let path, path == root || path.hasPrefix(root + "/") else { return false }
            let first = path.dropFirst(root.count + 1).split(separator: "/").first.map(String.init) ?? ""
            return !ignoredNames.contains(first)
        }
        var found = Set<OracleTuple>()
        for event in seen {
            let pathInScope = inScope(event.path) || inScope(event.dest)
            if event.path == nil {
                if oraclePIDs.contains(event.pid) || inScope(event.dest) {
                    report.withoutPath += 1
                    if report.inventedSamples.count < 20 {
                        report.inventedSamples.append("line \(event.line): \(event.kind) <no path> pid \(event.pid) \(event.name)")
                    }
                }
                continue
            }
            guard pathInScope, let path = event.path else { continue }
            report.seenInScope += 1
            let tuple = OracleTuple(kind: event.kind, path: path, dest: event.dest, pid: event.pid)
            guard let truths = allowed[tuple] ?? mergedAllowed[tuple] else {
                report.invented += 1
                if report.inventedSamples.count < 20 { report.inventedSamples.append("line \(event.line): \(tuple) \(event.name)") }
                continue
            }
            found.insert(tuple)
            if allowed[tuple] == nil { report.mergedAtEarlierPath += 1 }
            if !truths.contains(where: { $0.name == event.name }) {
                report.wrongName += 1
                if report.nameSamples.count < 20 {
                    report.nameSamples.append("line \(event.line): \(tuple): \(event.name.isEmpty ? "\"\"" : event.name), expected \(Set(truths.map(\.name)).sorted().joined(separator: " or "))")
                }
            }
            if truths[0].isDirectory != event.isDirectory { report.wrongDirectoryFlag += 1 }
        }
        report.required = required.count
        report.matched = required.intersection(found).count
        var missing: [Truth] = []
        var explained = Set<OracleTuple>()
        for (index, t) in truth.enumerated() where t.required && !found.contains(t.tuple) {
            if mergedForms(of: index, truth, byIdentity: byIdentity).contains(where: found.contains) {
                explained.insert(t.tuple)
            } else {
                missing.append(t)
            }
        }
        // A tuple is missing only if none of its occurrences is explained.
        missing.removeAll { explained.contains($0.tuple) }
        report.merged = explained.count
        var listed = Set<OracleTuple>()
        for t in missing where report.missingSamples.count < 20 && listed.insert(t.tuple).inserted {
            report.missingSamples.append("op \(t.operation): \(t.tuple) \(t.name)")
        }
        return report
    }
}
