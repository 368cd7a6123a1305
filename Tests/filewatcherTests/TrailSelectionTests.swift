import BSM
import FileWatchCore
import Foundation
import Testing
import TestSupport
@testable import filewatcher

/// `--bsm-event`, `--class`, `--since`, `--until` and whole-record copies from BSM to BSM, checked
/// against our own decoder and (when FILEWATCHER_AUDITREDUCE is given) OpenBSM's auditreduce.
@Suite(.serialized, .timeLimit(.minutes(5))) struct TrailSelectionTests {
    /// Runs a selection to a BSM file; returns the run and the file's bytes.
    func select(_ args: [String], in dir: TemporaryDirectory) throws -> (run: RunResult, bytes: [UInt8]) {
        let out = dir.file("out-\(UUID().uuidString).bsm")
        let r = try watch(args + ["--format", "bsm", "-o", out])
        return (r, Selection.bytes(out))
    }

    @Test(.needsSamples) func bsmEventCopiesWhatOurDecoderSelects() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for sample in Selection.samples {
            let input = Selection.bytes(sample)
            for n in Selection.eventNumbers(input) {
                let (r, bytes) = try select(["--read", sample, "--bsm-event", "\(n)"], in: dir)
                let got = Selection.records(bytes)
                let own = Selection.own(input) { h, _ in h.eventType == n }
                #expect(got.records == own, "\(sample) event \(n): \(got.records.count) vs \(own.count) records; \(r.stderr)")
                #expect(got.fileTokensAtEnds, "\(sample) event \(n)")
                #expect(!own.isEmpty)
            }
        }
    }

    @Test(.needsSamples, .needsAuditreduce) func bsmEventIsByteIdenticalToAuditreduce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var compared = 0
        // auditreduce stops at the first damaged record (we report it and go on: see below), and
        // cannot select event 0 (-m 0 is taken for a name).
        for sample in Selection.samples where !sample.hasSuffix("damaged-size.bsm") {
            for n in Selection.eventNumbers(Selection.bytes(sample)) where n != 0 {
                let ours = Selection.records(try select(["--read", sample, "--bsm-event", "\(n)"], in: dir).bytes).records
                let theirs = try Selection.auditreduce(["-m", "\(n)"], [sample])
                #expect(ours.flatMap { $0 } == theirs, "\(sample) -m \(n): \(ours.count) records, \(ours.flatMap { $0 }.count) vs \(theirs.count) bytes")
                compared += 1
            }
        }
        #expect(compared > 20)
        // By name, several at once, as auditreduce -m NAME -m NAME.
        let logins = TestEnvironment.samples! + "/freebsd-13-logins-execs.bsm"
        let ours = Selection.records(try select(["--read", logins, "--bsm-event", "AUE_EXECVE,AUE_openssh"], in: dir).bytes)
        let theirs = try Selection.auditreduce(["-m", "AUE_EXECVE", "-m", "AUE_openssh"], [logins])
        #expect(ours.records.flatMap { $0 } == theirs)
        #expect(ours.records.count > 24)
    }

    @Test(.needsSamples, .needsAuditreduce) func classAndTimeAsAuditreduce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let session = TestEnvironment.samples! + "/freebsd-13-session.bsm"
        let logins = TestEnvironment.samples! + "/freebsd-13-logins-execs.bsm"
        // Classes (both outcomes; auditreduce reads OpenBSM's tables, as we do here).
        for cls in ["ex", "lo", "aa", "ex,lo", "pc", "+lo", "-lo", "all,^-ex", "+ad,-aa"] {
            for trail in [session, logins] {
                let ours = Selection.records(try select(["--read", trail, "--class=\(cls)"], in: dir).bytes).records
                let theirs = try Selection.auditreduce(["-c", cls], [trail])
                #expect(ours.flatMap { $0 } == theirs, "\(trail) -c \(cls): \(ours.flatMap { $0 }.count) vs \(theirs.count) bytes")
            }
        }
        // Time: auditreduce -a/-b (to the second, inclusive) in local time; TZ=UTC for both.
        for (a, b) in [("20211014091100", "20211014112100"), ("20211014112059", "20211014112059"), ("20211014", "20211015")] {
            let ours = Selection.records(try select(["--read", logins, "--since", a, "--until", b], in: dir).bytes).records
            let theirs = try Selection.auditreduce(["-a", a, "-b", b], [logins])
            #expect(ours.flatMap { $0 } == theirs, "-a \(a) -b \(b): \(ours.flatMap { $0 }.count) vs \(theirs.count) bytes")
            #expect(!theirs.isEmpty)
        }
    }

    @Test func unknownTokensAreCopiedWhole() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A record with a token id no decoder knows (0x99, 3 bytes) between path and return.
        var odd = TrailFixture.bytes([TrailFixture.record(6, [TrailFixture.subject(pid: 7), TrailFixture.path("/tmp/x")])])
        let trailerAt = odd.count - 7
        odd.insert(contentsOf: [0x99, 0xAB, 0xCD], at: trailerAt)
        let size = UInt32(odd.count)
        for (i, b) in [UInt8(size >> 24), UInt8(truncatingIfNeeded: size >> 16), UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)].enumerated() {
            odd[1 + i] = b
            odd[odd.count - 4 + i] = b
        }
        let other = TrailFixture.bytes([TrailFixture.record(72, [TrailFixture.subject(pid: 7), TrailFixture.path("/etc/passwd"), TrailFixture.ret()])])
        let input = try dir.write(TrailFixture.fileToken() + other + odd + other + TrailFixture.fileToken(), to: "odd.bsm")
        let (r, bytes) = try select(["--read", input, "--bsm-event", "AUE_UNLINK"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Selection.records(bytes).records == [odd])
        #expect(r.stderr.contains("whole records copied from BSM to BSM: 1 (selected from 3 records of 1 trail)"))
    }

    @Test func damagedInputIsReportedAndSelectionGoesOn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let unlink = { (s: UInt64, p: String) in TrailFixture.record(6, seconds: s, [TrailFixture.subject(pid: 7), TrailFixture.path(p), TrailFixture.ret()]) }
        let first = TrailFixture.bytes([unlink(TrailFixture.t0, "/a"), TrailFixture.record(72, [TrailFixture.path("/b")])])
        let garbage: [UInt8] = [0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]
        let second = TrailFixture.bytes([unlink(TrailFixture.t0 + 1, "/c")])
        // A record whose byte count is right but whose tokens are broken (a path longer than the record).
        var broken = TrailFixture.bytes([unlink(TrailFixture.t0 + 2, "/d")])
        #expect(broken[18 + 37] == 0x23, "header32 (18 bytes), subject32 (37), then the path token")
        broken[18 + 37 + 1] = 0x7f
        let truncated = Array(TrailFixture.bytes([unlink(TrailFixture.t0 + 3, "/e")]).dropLast(5))
        let input = try dir.write(first + garbage + second + broken + truncated, to: "damaged.bsm")

        let (r, bytes) = try select(["--read", input, "--bsm-event", "AUE_UNLINK"], in: dir)
        let got = Selection.records(bytes).records
        // Header-only selection copies the framed record with broken tokens as it is (as auditreduce
        // would write it only if it could read it: it cannot; we keep every framed record).
        #expect(got.count == 3)
        #expect(got[0] == Array(first.prefix(got[0].count)))
        #expect(r.status == 1)
        #expect(r.stderr.contains("damaged.bsm: damaged input at byte offset \(first.count): "), "\(r.stderr)")
        let truncatedAt = first.count + garbage.count + second.count + broken.count
        #expect(r.stderr.contains("damaged input at byte offset \(truncatedAt): "), "\(r.stderr)")

        // With a path filter the tokens are decoded: the broken record is reported (with its offset) and skipped.
        let (r2, bytes2) = try select(["--read", input, "--bsm-event", "AUE_UNLINK", "-f", "/"], in: dir)
        #expect(Selection.records(bytes2).records.count == 2)
        #expect(r2.stderr.contains("record at offset \(first.count + garbage.count + second.count) skipped"), "\(r2.stderr)")
        #expect(r2.status == 1)
    }

    @Test(.needsSamples) func damagedSampleIsReportedWithItsOffset() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let damaged = TestEnvironment.samples! + "/freebsd-13-damaged-size.bsm"
        let (r, bytes) = try select(["--read", damaged, "--bsm-event", "AUE_audit_startup,6159"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("freebsd-13-damaged-size.bsm: damaged input at byte offset 0: "), "\(r.stderr)")
        let own = Selection.own(Selection.bytes(damaged)) { h, _ in h.eventType == 45000 || h.eventType == 6159 }
        #expect(Selection.records(bytes).records == own, "\(Selection.records(bytes).records.count) vs \(own.count) records")
        #expect(!own.isEmpty)
    }

    @Test func pathProcessAndUserFiltersDecodeWhatTheyNeed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let f = try fixtureFile(dir)
        let input = Selection.bytes(f)
        // -f: path contains (case-insensitive), decided on the decoded record.
        let (r, bytes) = try select(["--read", f, "--bsm-event", "AUE_UNLINK,AUE_RENAME", "-f", "NOTES"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let own = Selection.own(input) { h, tokens in
            [6, 42].contains(h.eventType) && tokens.contains { t in
                if case .path(let p) = t { return String(decoding: p.array, as: UTF8.self).lowercased().contains("notes") }
                return false
            }
        }
        #expect(Selection.records(bytes).records == own)
        #expect(!own.isEmpty)
        // -p: the process name comes from an exec record that the header rejects; it still teaches it.
        let (_, byName) = try select(["--read", f, "--bsm-event", "AUE_RENAME", "-p", "vim"], in: dir)
        #expect(Selection.records(byName).records == Selection.own(input) { h, _ in h.eventType == 42 })
        let (_, none) = try select(["--read", f, "--bsm-event", "AUE_RENAME", "-p", "emacs"], in: dir)
        #expect(Selection.records(none).records.isEmpty)
        #expect(none.isEmpty, "nothing selected: no file tokens either")
    }

    @Test func eventOutputsSelectTheSameRecords() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let f = try fixtureFile(dir)
        for args in [["--bsm-event", "AUE_STAT"], ["--class", "fd"], ["--class", "+fd"], ["--class=-fd"],
                     ["--since", "2023-11-14T22:13:23Z", "-a"], ["--until", "2023-11-14T22:13:23Z", "-a"]] {
            let (_, bytes) = try select(["--read", f] + args, in: dir)
            let json = try watch(["--read", f, "--format", "json", "--no-summary"] + args)
            #expect(json.status == 0, "\(args): \(json.stderr)")
            #expect(json.out.split(separator: "\n").count == Selection.records(bytes).records.count, "\(args)")
        }
        // --bsm-event alone shows every kind (stat is not a basic kind).
        #expect(try watch(["--read", f, "--no-summary", "--bsm-event", "AUE_STAT"]).out.split(separator: "\n").count == 1)
        // Time bounds: --since inclusive; --until to the second inclusive; with a fraction, to the microsecond.
        let t0 = TrailFixture.t0
        let at = { (s: UInt64, ms: UInt64) in TrailFixture.record(6, seconds: s, ms: ms, [TrailFixture.path("/x")]) }
        let timed = try dir.write(TrailFixture.trail([at(t0, 0), at(t0, 500), at(t0 + 1, 0), at(t0 + 1, 999), at(t0 + 2, 0)]), to: "timed.bsm")
        func count(_ args: [String]) throws -> Int {
            Selection.records(try select(["--read", timed] + args, in: dir).bytes).records.count
        }
        #expect(try count(["--since", "2023-11-14T22:13:20.5Z"]) == 4)
        #expect(try count(["--since", "2023-11-14T22:13:21Z"]) == 3)
        #expect(try count(["--until", "2023-11-14T22:13:21Z"]) == 4)
        #expect(try count(["--until", "2023-11-14T22:13:21.000Z"]) == 3)
        #expect(try count(["--until", "2023-11-14T23:13:21+01:00"]) == 4)
        #expect(try count(["--since", "20231114221321", "--until", "20231114221321"]) == 2)
    }

    @Test func countAndNothingSelected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let f = try fixtureFile(dir)
        let (r, bytes) = try select(["--read", f, "--class", "all", "--count", "2"], in: dir)
        #expect(r.status == 0)
        #expect(Selection.records(bytes).records.count == 2)
        #expect(Selection.records(bytes).fileTokensAtEnds)
    }

    @Test func badSelectionsAreUsageErrors() throws {
        for (args, text) in [(["--bsm-event", "AUE_NOPE"], "--bsm-event: unknown event 'AUE_NOPE'"),
                             (["--class", "zz"], "--class: unknown audit class 'zz'"),
                             (["--since", "2021-13-01T00:00:00Z"], "no such date"),
                             (["--since", "2021-10-14T09:10:59"], "missing time zone offset"),
                             (["--until", "2021101"], "expected 8, 10, 12 or 14 digits"),
                             (["--since", "20211015", "--until", "20211014"], "--since must be before --until")] {
            let r = try watch(["--read", "/dev/null"] + args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains(text), "\(args): \(r.stderr)")
        }
    }
}
