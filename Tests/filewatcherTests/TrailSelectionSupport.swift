// Helpers for the selection tests: the records of a BSM stream, a selection made with our own
// decoder, and OpenBSM's auditreduce run on the same input.

import BSM
import Foundation
import TestSupport

enum Selection {
    /// The header records of a stream (file tokens left out), and whether the stream starts and
    /// ends with a `file` token (empty streams: true).
    static func records(_ bytes: [UInt8]) -> (records: [[UInt8]], fileTokensAtEnds: Bool) {
        let items = RecordReader.items(in: bytes)
        var records: [[UInt8]] = []
        var kinds: [Record.Kind] = []
        for case .record(let r) in items {
            kinds.append(r.kind)
            if r.kind == .record { records.append(Array(r.bytes)) }
        }
        let ends = kinds.isEmpty || (kinds.first == .file && kinds.last == .file && kinds.count >= 2)
        return (records, ends)
    }

    /// The records our own decoder keeps: every token decoded, `keep` asked with the header and tokens.
    static func own(_ bytes: [UInt8], _ keep: (Header, [Token]) -> Bool) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for case .record(let r) in RecordReader.items(in: bytes) where r.kind == .record {
            guard let tokens = try? r.tokens(), let header = tokens.first?.header else { continue }
            if keep(header, tokens) { out.append(Array(r.bytes)) }
        }
        return out
    }

    /// Every event number in a trail.
    static func eventNumbers(_ bytes: [UInt8]) -> [UInt16] {
        var set = Set<UInt16>()
        for case .record(let r) in RecordReader.items(in: bytes) where r.kind == .record {
            if let h = try? r.header() { set.insert(h.eventType) }
        }
        return set.sorted()
    }

    /// What `auditreduce args files` writes (TZ=UTC, so its -a/-b times are UTC).
    static func auditreduce(_ args: [String], _ files: [String]) throws -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnvironment.auditreduce!)
        p.arguments = args + files
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.killIfRunning()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        return Array(data)
    }

    /// The sample trails (`shared/samples/*.bsm`).
    static var samples: [String] {
        guard let dir = TestEnvironment.samples,
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return names.filter { $0.hasSuffix(".bsm") }.sorted().map { dir + "/" + $0 }
    }

    static func bytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }
}
