// The oracle (root): `fw-oracle` does random real file work in a temporary tree with several processes and
// logs every event with the path it had at that moment and the process that did it; filewatcher watches
// the same tree live (JSON output); the checker judges every event. Goal: 100.00 % exact, nothing
// without a path, nothing invented, every process name right, for every seed and every layout.
//
// Environment (bench/oracle.sh uses these): FW_ORACLE_OPS (default 2000), FW_ORACLE_SEEDS (comma list,
// default 1,2,3), FW_ORACLE_LAYOUTS (comma list, default: every selectable layout), FW_ORACLE_PACE (µs,
// default 3000), FW_ORACLE_WORKERS (default 3), FW_ORACLE_ARGS (more filewatcher arguments), FW_ORACLE_REPORT
// (append each report to this file), FW_ORACLE_KEEP (keep a failed run's files), FW_BINARY (the filewatcher to run).

#if os(Linux)
import Foundation
import Glibc
import Testing
import EventSources
import TestSupport

enum Oracle {
    static var isRoot: Bool { geteuid() == 0 }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var filewatcher: URL {
        environment["FW_BINARY"].map { URL(fileURLWithPath: $0) } ?? binary
    }

    static var generator: URL {
        let beside = filewatcher.deletingLastPathComponent().appendingPathComponent("fw-oracle")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return binary.deletingLastPathComponent().appendingPathComponent("fw-oracle")
    }

    static var available: Bool { isRoot && FileManager.default.isExecutableFile(atPath: generator.path) }

    static var operations: Int { environment["FW_ORACLE_OPS"].flatMap { Int($0) } ?? 2000 }
    static var pace: Int { environment["FW_ORACLE_PACE"].flatMap { Int($0) } ?? 3000 }
    static var workers: Int { environment["FW_ORACLE_WORKERS"].flatMap { Int($0) } ?? 3 }
    /// Extra arguments for filewatcher (e.g. "--batch-delay 0").
    static var extraArguments: [String] { (environment["FW_ORACLE_ARGS"] ?? "").split(separator: " ").map(String.init) }
    static var seeds: [UInt64] {
        (environment["FW_ORACLE_SEEDS"] ?? "1,2,3").split(separator: ",").compactMap { UInt64($0) }
    }
    /// Every layout `--fanotify-layout` accepts.
    static var layouts: [String] {
        environment["FW_ORACLE_LAYOUTS"].map { $0.split(separator: ",").map(String.init) }
            ?? FanotifyOptions.Layout.allCases.map(\.rawValue)
    }

    static func makeRoot() -> String {
        var template = Array("/tmp/fw-oracle-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return realpathString(path) ?? path
    }

    static func realpathString(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Waits until `output` holds a line containing `needle` (the monitor's output is flushed at
    /// least once per second of event time), making `marker` again every so often.
    /// `execute`: the marker is a program run again and again (when only execs are shown).
    static func waitFor(_ needle: String, in output: String, seconds: Double, remake marker: String? = nil,
                        execute: Bool = false) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var lastMade = Date.distantPast
        if execute, let marker {
            try? FileManager.default.removeItem(atPath: marker)
            try? FileManager.default.copyItem(atPath: "/bin/true", toPath: marker)
        }
        while Date() < deadline {
            if let marker, execute, Date().timeIntervalSince(lastMade) > 0.5 {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: marker)
                try? p.run()
                p.waitUntilExit(orKillAfter: Process.testChildBound)
                lastMade = Date()
            } else if let marker, Date().timeIntervalSince(lastMade) > 0.5 {
                // Made anew each time (a create, whatever kinds are shown); plain open and close
                // (Foundation's createFile writes a temporary file and renames it).
                unlink(marker)
                let fd = open(marker, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
                if fd >= 0 { close(fd) }
                lastMade = Date()
            }
            if let data = FileManager.default.contents(atPath: output),
               String(decoding: data, as: UTF8.self).contains(needle) { return true }
            usleep(50_000)
        }
        return false
    }

    /// One run: filewatcher watching a fresh tree, fw-oracle working in it, the checker's report.
    static func run(layout: String, seed: UInt64, operations: Int) throws -> OracleReport {
        let root = makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let scratch = makeRoot()
        var keep = environment["FW_ORACLE_KEEP"] != nil  // keep the output and the truth of a failed run
        defer { if !keep { try? FileManager.default.removeItem(atPath: scratch) } }
        let output = scratch + "/events.jsonl", truthPath = scratch + "/truth.tsv"

        let monitor = Process()
        monitor.executableURL = filewatcher
        monitor.arguments = ["--format", "json", "-o", output, "--under", root, "--no-summary", "--fanotify-layout", layout] + extraArguments
        monitor.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try monitor.run()
        defer { if monitor.isRunning { monitor.terminate(); monitor.waitUntilExit(orKillAfter: Process.testChildBound) } }
        let ready = root + "/.ready"
        guard waitFor("\"\(ready)\"", in: output, seconds: 30, remake: ready) else {
            throw OracleFailure("filewatcher (\(layout)) never reported its readiness marker")
        }
        try FileManager.default.removeItem(atPath: ready)

        let generator = Process()
        generator.executableURL = self.generator
        generator.arguments = [root, String(operations), String(seed), String(workers), String(pace)]
        _ = FileManager.default.createFile(atPath: truthPath, contents: nil)
        generator.standardOutput = FileHandle(forWritingAtPath: truthPath)
        try generator.run()
        generator.waitUntilExit(orKillAfter: Process.testChildBound)
        guard generator.terminationStatus == 0 else { throw OracleFailure("fw-oracle failed (status \(generator.terminationStatus))") }

        // Everything the oracle did is queued before this marker: once it is out, stop.
        let end = root + "/.end"
        guard waitFor("\"\(end)\"", in: output, seconds: 60, remake: end) else {
            throw OracleFailure("filewatcher (\(layout)) never reported the end marker")
        }
        kill(monitor.processIdentifier, SIGINT)
        monitor.waitUntilExit(orKillAfter: Process.testChildBound)

        let truth = OracleChecker.parseTruth(try String(contentsOfFile: truthPath, encoding: .utf8))
        let seen = try OracleChecker.parseOutput(try Data(contentsOf: URL(fileURLWithPath: output)))
        let report = OracleChecker.check(truth: truth, seen: seen, root: root, ignoredNames: [".ready", ".end"])
        if report.isExact { keep = false } else if keep { print("oracle: kept \(scratch) (root was \(root))") }
        if let file = environment["FW_ORACLE_REPORT"], let handle = FileHandle(forWritingAtPath: file) ?? {
            _ = FileManager.default.createFile(atPath: file, contents: nil); return FileHandle(forWritingAtPath: file) }() {
            handle.seekToEndOfFile()
            handle.write(Data("layout \(layout), seed \(seed): \(report)\n".utf8))
            try? handle.close()
        }
        return report
    }
}

struct OracleFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite(.serialized, .timeLimit(.minutes(20))) struct OracleTests {
    @Test(.enabled(if: Oracle.available, "needs root (fanotify) and the built fw-oracle"),
          arguments: Oracle.layouts)
    func everyEventExact(layout: String) throws {
        for seed in Oracle.seeds {
            let report = try Oracle.run(layout: layout, seed: seed, operations: Oracle.operations)
            #expect(report.isExact, "layout \(layout), seed \(seed): \(report)")
        }
    }
}
#endif
