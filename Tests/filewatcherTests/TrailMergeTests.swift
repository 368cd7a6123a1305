#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import FileWatchCore
import Foundation
import Testing
import TestSupport
@testable import filewatcher

/// `--read` of several trails and of /var/audit-like directories: records merged in time order.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TrailMergeTests {
    /// An unlink of `path` at t0 + `second` (+ `ms`).
    func unlink(_ second: UInt64, _ path: String, ms: UInt64 = 0) -> RecordBuilder {
        TrailFixture.record(6, seconds: TrailFixture.t0 + second, ms: ms, [TrailFixture.subject(pid: 7), TrailFixture.path(path), TrailFixture.ret()])
    }

    /// The paths of the unlink records in a BSM stream, in order.
    func paths(_ bytes: [UInt8]) -> [String] {
        TrailFixture.events(bytes).events.compactMap { $0.path?.description }
    }

    @Test func overlappingTrailsAreMergedInTimeOrder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let a = try dir.write(TrailFixture.trail([unlink(0, "/a0"), unlink(2, "/a2"), unlink(2, "/a2b"), unlink(5, "/a5")]), to: "a.bsm")
        let b = try dir.write(TrailFixture.trail([unlink(1, "/b1"), unlink(2, "/b2"), unlink(3, "/b3", ms: 500), unlink(9, "/b9")]), to: "b.bsm")
        let c = try dir.write(TrailFixture.trail([unlink(3, "/c3", ms: 499)]), to: "c.bsm")
        let out = dir.file("out.bsm")
        let r = try watch(["--read", b, a, c, "--bsm-event", "AUE_UNLINK", "--format", "bsm", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        // Equal times: the trail given first (b), and within a trail its own order.
        let expected = ["/a0", "/b1", "/b2", "/a2", "/a2b", "/c3", "/b3", "/a5", "/b9"]
        #expect(paths(Selection.bytes(out)) == expected)
        #expect(Selection.records(Selection.bytes(out)).fileTokensAtEnds)
        #expect(r.stderr.contains("(selected from 9 records of 3 trails)"))
        // Events (any output) come in the same order.
        let json = try watch(["--read", b, a, c, "--format", "json", "--no-summary"])
        let jsonPaths = json.out.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "\"path\":\"") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != "\"" })
        }
        #expect(jsonPaths == expected)
    }

    @Test func varAuditDirectory() throws {
        let audit = try TemporaryDirectory("fw-var-audit")
        defer { audit.remove() }
        try audit.write(TrailFixture.trail([unlink(0, "/first"), unlink(1, "/second")]), to: "20231114221320.20231114221321")
        try audit.write(TrailFixture.trail([unlink(2, "/crashed")]), to: "20231114221322.crash_recovery")
        // The trail being written: no closing file token yet.
        let open = TrailFixture.fileToken(seconds: TrailFixture.t0 + 3) + TrailFixture.bytes([unlink(3, "/third"), unlink(4, "/fourth")])
        try audit.write(open, to: "20231114221323.not_terminated")
        #expect(symlink("20231114221323.not_terminated", audit.file("current")) == 0)
        try audit.write("pid", to: ".auditd.lock")
        let outDir = try TemporaryDirectory()
        defer { outDir.remove() }
        let out = outDir.file("out.bsm")
        let r = try watch(["--read", audit.path, "--format", "bsm", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(paths(Selection.bytes(out)) == ["/first", "/second", "/crashed", "/third", "/fourth"], "current is the not_terminated trail: read once")
        #expect(r.stderr.contains("20231114221323.not_terminated: trail not terminated (auditd is writing it, or stopped without closing it); read as it is now"))
        #expect(r.stderr.contains("of 3 trails"))

        // `current` pointing elsewhere is read too, last among equal times.
        let other = try TemporaryDirectory()
        defer { other.remove() }
        try other.write(TrailFixture.fileToken() + TrailFixture.bytes([unlink(4, "/elsewhere")]), to: "20231114221324.not_terminated")
        #expect(Glibc.unlink(audit.file("current")) == 0)
        #expect(symlink(other.file("20231114221324.not_terminated"), audit.file("current")) == 0)
        let r2 = try watch(["--read", audit.path + "/", "--format", "json", "--no-summary"])
        #expect(r2.status == 0, "\(r2.stderr)")
        let lines = r2.out.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines.last?.contains("/elsewhere") == true)
        #expect(lines[4].contains("/fourth"))
        #expect(r2.stderr.contains("current: trail not terminated"))
    }

    @Test func damageInOneTrailNamesIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let good = try dir.write(TrailFixture.trail([unlink(0, "/g0"), unlink(2, "/g2")]), to: "good.bsm")
        let badBytes = TrailFixture.bytes([unlink(1, "/b1")]) + [0xff, 0xfe, 0xfd] + TrailFixture.bytes([unlink(3, "/b3")])
        let bad = try dir.write(badBytes, to: "bad.bsm")
        let out = dir.file("out.bsm")
        let r = try watch(["--read", good, bad, "--format", "bsm", "-o", out])
        #expect(r.status == 1)
        let damageOffset = TrailFixture.bytes([unlink(1, "/b1")]).count
        #expect(r.stderr.contains("bad.bsm: damaged input at byte offset \(damageOffset): "), "\(r.stderr)")
        #expect(paths(Selection.bytes(out)) == ["/g0", "/b1", "/g2", "/b3"])
    }

    @Test func standardInputWithAFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write(TrailFixture.trail([unlink(1, "/file1")]), to: "f.bsm")
        let stdin = Data(TrailFixture.trail([unlink(0, "/stdin0"), unlink(2, "/stdin2")]))
        let r = try run(["--read", "-", file, "--format", "bsm", "--no-summary"], stdin: stdin)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(paths(Array(r.stdout)) == ["/stdin0", "/file1", "/stdin2"])
    }
}
