#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import Foundation
import Testing
import TestSupport

/// `filewatcher --auditpipe PATH` / `--source auditpipe` / `--follow` (in-process).
@Suite(.serialized, .timeLimit(.minutes(3))) struct AuditPipeCommandTests {
    static func macRecords(_ n: Int) -> [UInt8] {
        let subject = Token.subject32(Subject(auid: 501, euid: 501, egid: 20, ruid: 501, rgid: 20, pid: 777, sid: 1,
                                              port: 0, address: .v4(0)))
        let identity = Token.identity(Identity(signerType: 1, signingID: "com.apple.TextEdit\0", signingIDTruncated: 0,
                                               teamID: "\0", teamIDTruncated: 0, cdHash: BSMBytes([0xab, 0xcd])))
        var out: [UInt8] = []
        for i in 0..<n {
            out += RecordBuilder(event: 81, seconds: 1_700_000_000 + UInt64(i), tokens: [   // AUE_OPEN_RWC
                .arg32(Arg(number: 2, value: 0x602, text: "flags")), .path(BSMBytes("/Users/me/file\(i).txt")),
                subject, identity, .return32(ReturnToken(status: 0, value: 3))]).bytes
            out += RecordBuilder(event: 6, seconds: 1_700_000_000 + UInt64(i), tokens: [    // AUE_UNLINK
                .path(BSMBytes("/Users/me/file\(i).txt")), subject, identity, .return32(ReturnToken(status: 0, value: 0))]).bytes
        }
        return out
    }

    @Test func readsRecordsFromAFIFOAsJSON() throws {
        let fifo = try FIFOFeeder(name: "pipe")
        defer { fifo.remove() }
        fifo.feed(Self.macRecords(50), chunks: [333], pauseMicroseconds: 0)  // odd-sized writes: records split across writes
        let r = try watch(["--auditpipe", fifo.path, "--format", "json", "-f", "file1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("is not a character device: auditpipe configuration skipped"))
        let lines = r.out.split(separator: "\n")
        // file1.txt, file10…file19.txt: 11 files × (open + delete)
        #expect(lines.count == 22)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["source"] as? String == "auditpipe")
            let process = object?["process"] as? [String: Any]
            #expect(process?["pid"] as? Int == 777)
        }
        #expect(lines.first?.contains("\"path\":\"/Users/me/file1.txt\"") == true)
        #expect(lines.first?.contains("\"event\":\"open\"") == true)
        #expect(lines.last?.contains("\"event\":\"delete\"") == true)
    }

    @Test(.enabled(if: TestEnvironment.isLinux, "the message is Linux's"))
    func auditpipeSourceOnLinuxSaysFanotify() throws {
        let r = try watch(["--source", "auditpipe"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("Linux has no /dev/auditpipe: filewatcher watches Linux live through fanotify"))
        #expect(r.stderr.split(separator: "\n").count <= 2)
    }

    @Test func followNeedsATrailFile() throws {
        let r = try watch(["--follow"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--follow needs --read FILE"))
        let r2 = try watch(["--read", "/dev/null", "--auditpipe", "/tmp/x"])
        #expect(r2.status != 0)
        #expect(r2.stderr.contains("cannot be combined"))
    }

    @Test func followReplaysAGrowingTrail() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let trail = try dir.write(Self.macRecords(2), to: "current")
        let out = dir.file("out.jsonl")
        let r = try watch(["--read", trail, "--follow", "--format", "json", "--count", "6", "-o", out]) { _ in
            // The first 4 events are out: the trail grows by 2 more records; --count 6 ends the run.
            try waitForLines(4, in: out)
            let h = try #require(FileHandle(forWritingAtPath: trail))
            h.seekToEndOfFile()
            h.write(Data(Self.macRecords(1)))
            try h.close()
            try waitForLines(6, in: out)
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").count == 6)
    }
}
