// `filewatcher --read audit.log --follow` through the binary: it reads on as auditd appends and
// rotates, an event split across the rotation arrives whole, SIGTERM ends the run with status 0 and
// every serial written is in the output once, in order.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(2))) struct AuditLogFollowCommandTests {
    /// The `linux_audit.serial` and `path` of every JSON line.
    static func serialsAndPaths(_ path: String) throws -> [(UInt64, String)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            let audit = try #require(o["linux_audit"] as? [String: Any], "\(line)")
            let serial = try #require(audit["serial"] as? NSNumber, "\(line)").uint64Value
            return (serial, o["path"] as? String ?? "")
        }
    }

    @Test func followsAnAuditdLogAcrossRotationUntilSIGTERM() throws {
        let dir = try TemporaryDirectory("fw-auditfollow-cli")
        defer { dir.remove() }
        let log = dir.file("audit.log"), out = dir.file("events.jsonl")
        AuditLogWriter.append(AuditLogWriter.text(1...5, dir: dir.path), to: log)
        let r = try run(["--read", log, "--follow", "--format", "json", "-o", out]) { p in
            try waitForLines(5, in: out)
            AuditLogWriter.append(AuditLogWriter.text(6...10, dir: dir.path), to: log)
            try waitForLines(10, in: out)
            // Event 11: SYSCALL and CWD before auditd rotates, PATH, PROCTITLE and EOE after.
            let eleven = AuditLogWriter.lines(11, dir: dir.path)
            AuditLogWriter.append(eleven[0..<2].joined(separator: "\n") + "\n", to: log)
            usleep(300_000)
            AuditLogWriter.rotate(log)
            AuditLogWriter.append(eleven[2...].joined(separator: "\n") + "\n" + AuditLogWriter.text(12...20, dir: dir.path), to: log)
            try waitForLines(20, in: out)
            kill(p.processIdentifier, SIGTERM)
        }
        #expect(r.status == 0, "\(r.stderr)")
        let events = try Self.serialsAndPaths(out)
        #expect(events.map(\.0) == (1...20).map(UInt64.init), "\(events)")
        #expect(events.allSatisfy { $0.1 == "\(dir.path)/file\($0.0)" }, "\(events)")
        #expect(!r.stderr.contains("damaged") && !r.stderr.contains("never logged"), "\(r.stderr)")
    }

    @Test func onlyTrailsAndAuditdLogsCanBeFollowed() throws {
        let dir = try TemporaryDirectory("fw-auditfollow-cli")
        defer { dir.remove() }
        let json = try dir.write("{\"time\":\"2023-11-14T22:13:20Z\",\"event\":\"open\"}\n", to: "events.jsonl")
        let r = try watch(["--read", json, "--follow"])
        #expect(r.status == 1 && r.stderr.contains("--follow reads BSM trails and auditd logs, not json input"), "\(r.stderr)")
        // --input names the format of a log still empty.
        let empty = try dir.write("", to: "audit.log")
        let named = try watch(["--read", empty, "--follow", "--input", "eslogger"])
        #expect(named.status == 1 && named.stderr.contains("not eslogger input"), "\(named.stderr)")
        // A directory: the file to follow in it is named.
        let directory = try watch(["--read", dir.path, "--follow"])
        #expect(directory.status == 1 && directory.stderr.contains("is a directory; --follow follows one file: --read \(dir.path)/audit.log --follow"),
                "\(directory.stderr)")
        #expect(!directory.stderr.contains("summary"), "nothing ran: \(directory.stderr)")
    }
}
