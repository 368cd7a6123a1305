import Foundation
import Testing
import TestSupport
@testable import FileWatchCore

/// Lines, damage, loss and leniency of the eslogger decoder.
@Suite struct EsloggerStreamTests {
    static func line(_ event: String, global: Int? = nil, seq: Int? = nil, pid: Int = 42, time: String = "2026-01-01T00:00:00.5Z",
                     extra: String = "") -> String {
        var s = "{\"time\":\"\(time)\",\"version\":8,\"process\":{\"audit_token\":{\"pid\":\(pid),\"pidversion\":3},\"ppid\":1,"
            + "\"executable\":{\"path\":\"/bin/x\"}},\"event\":\(event)"
        if let global { s += ",\"global_seq_num\":\(global)" }
        if let seq { s += ",\"seq_num\":\(seq)" }
        return s + extra + "}\n"
    }

    static func write(_ path: String, global: Int? = nil, seq: Int? = nil, pid: Int = 42, time: String = "2026-01-01T00:00:00.5Z") -> String {
        line("{\"write\":{\"target\":{\"path\":\"\(path)\"}}}", global: global, seq: seq, pid: pid, time: time)
    }

    @Test func nonJSONLinesAreSkippedCountedAndReportedSparingly() {
        var text = ""
        for i in 0..<120 {
            text += Self.write("/ok/\(i)")
            text += i % 2 == 0 ? "this is not json\n" : "{\"truncated\": [1, 2\n"
            text += "\n   \n"  // blank lines: ignored
        }
        text += "{\"no\":\"event\"}\n"
        let (r, s) = esloggerRun(Array(text.utf8))
        #expect(r.events.count == 120)
        #expect(r.events.map(\.path) == (0..<120).map { ByteString("/ok/\($0)") })
        #expect(s.malformedLines == 120)
        #expect(s.foreignLines == 1)
        #expect(s.skippedLines == 121)
        // 5 one by one, then at 10 and 100.
        let damages = r.damages
        #expect(damages.count == 7)
        guard case .damaged(_, let offset, let reason) = damages[0] else { return }
        #expect(reason.hasPrefix("line 2 skipped: not eslogger JSON"), "\(reason)")
        #expect(offset == UInt64(Self.write("/ok/0").utf8.count))
        #expect(damages[5].message.contains("10 lines skipped so far"))
        #expect(damages[6].message.contains("100 lines skipped so far"))
        #expect(s.summaryLines == ["test: 121 of \(s.lines) lines skipped (120 not JSON, 1 without an event)"])
    }

    @Test func aLineOverTheCapIsSkippedWithoutBeingKept() {
        let receiver = CollectingReceiver()
        let stream = EsloggerStream(name: "t", maxLineBytes: 256)
        let long = Self.write("/" + String(repeating: "a", count: 1000))
        let text = Array((Self.write("/before") + long + Self.write("/after")).utf8)
        text.withUnsafeBytes { raw in
            for i in stride(from: 0, to: raw.count, by: 100) {
                stream.push(UnsafeRawBufferPointer(rebasing: raw[i..<min(raw.count, i + 100)]), into: receiver)
            }
        }
        stream.finish(into: receiver)
        #expect(receiver.events.map(\.path) == ["/before", "/after"])
        #expect(stream.overlongLines == 1)
        #expect(receiver.damages.count == 1)
    }

    @Test func membersOfUnexpectedTypesCountAsAbsent() throws {
        let text = "{\"event\":{\"open\":{\"fflag\":\"rw\",\"file\":{\"path\":5,\"path_truncated\":\"yes\"}}},"
            + "\"process\":{\"audit_token\":\"x\",\"ppid\":-1e99,\"cdhash\":\"XYZ\",\"signing_id\":7,\"executable\":[]},"
            + "\"time\":12,\"version\":\"8\",\"global_seq_num\":-3}\n"
        let (r, s) = esloggerRun(Array(text.utf8))
        #expect(s.skippedLines == 0)
        let e = try #require(r.events.first)
        #expect(e.kind == .open)
        #expect(e.path == nil)
        #expect(e.openFlags == [])
        #expect(e.time == 0)
        #expect(e.process.pid == -1)
        #expect(e.process.ppid == nil)
        #expect(e.process.cdhash == nil)
        #expect(e.process.signingID == nil)
        #expect(e.process.executable == nil)
        #expect(r.notices.isEmpty)
    }

    @Test func auditTokenArrayAndObjectAgree() throws {
        let array = "{\"event\":{\"exit\":{\"stat\":0}},\"process\":{\"audit_token\":[4294967295,0,0,1,2,64557,100014,134239596]}}\n"
        let object = "{\"event\":{\"exit\":{\"stat\":0}},\"process\":{\"audit_token\":{\"auid\":4294967295,\"euid\":0,\"egid\":0,"
            + "\"ruid\":1,\"rgid\":2,\"pid\":64557,\"asid\":100014,\"pidversion\":134239596}}}\n"
        let a = try #require(esloggerRun(Array(array.utf8)).0.events.first)
        let o = try #require(esloggerRun(Array(object.utf8)).0.events.first)
        #expect(a == o)
        #expect(a.process.pid == 64557)
        #expect(a.process.pidVersion == 134_239_596)
        #expect(a.process.auid == nil)  // AU_DEFAUDID
        #expect(a.process.uid == 1)
        #expect(a.process.euid == 0)
        #expect(a.process.gid == 2)
        // A short array gives what it has.
        let short = "{\"event\":{\"exit\":{}},\"process\":{\"audit_token\":[501,501]}}\n"
        let s = try #require(esloggerRun(Array(short.utf8)).0.events.first)
        #expect(s.process.auid == 501 && s.process.euid == 501 && s.process.pid == -1)
    }

    @Test func otherEventsKeepTheirNameAndFile() throws {
        let text = Self.line("{\"mmap\":{\"protection\":1,\"source\":{\"path\":\"/usr/lib/libz.dylib\"}}}")
            + Self.line("{\"lookup\":{\"source_dir\":{\"path\":\"/a\"}}}")
        let e = esloggerRun(Array(text.utf8)).0.events
        #expect(e.map(\.kind) == [.other, .stat])
        #expect(e[0].path == "/usr/lib/libz.dylib")
        #expect(e[1].path == nil)
        guard case .endpointSecurity(let es) = e[0].detail else { Issue.record("detail"); return }
        #expect(es.event == "mmap")
    }

    @Test func gapsAreCoalescedPerSecondAndANumberGoingBackStartsAfresh() {
        var text = Self.write("/a", global: 1, time: "2026-01-01T00:00:00Z")
        text += Self.write("/b", global: 5, time: "2026-01-01T00:00:00.1Z")   // 3 lost: reported at once
        text += Self.write("/c", global: 7, time: "2026-01-01T00:00:00.2Z")   // 1 lost: within the second
        text += Self.write("/d", global: 10, time: "2026-01-01T00:00:00.3Z")  // 2 lost
        text += Self.write("/e", global: 2, time: "2026-01-01T00:00:02Z")     // eslogger restarted: no loss
        text += Self.write("/f", global: 3, time: "2026-01-01T00:00:02.1Z")
        text += Self.write("/g", global: 6, time: "2026-01-01T00:00:03.5Z")   // 2 lost, a second later
        let (r, s) = esloggerRun(Array(text.utf8))
        #expect(r.events.count == 7)
        #expect(s.lost == 8)
        let counts: [UInt64?] = r.losses.map { notice -> UInt64? in
            if case .lost(let n, _) = notice { return n }
            return nil
        }
        #expect(counts == [3, 3, 2])
    }

    @Test func perTypeSequenceNumbersWhenThereIsNoGlobalOne() {
        var text = Self.write("/a", seq: 0) + Self.write("/b", seq: 1)
        text += Self.line("{\"exit\":{\"stat\":0}}", seq: 0)
        text += Self.write("/c", seq: 4)
        let (r, s) = esloggerRun(Array(text.utf8))
        #expect(r.events.count == 4)
        #expect(s.lost == 2)
        #expect(r.losses.first?.message.contains("write seq_num 4") == true)
    }

    @Test func ownProcessAndOutputFilesAreDropped() {
        let receiver = CollectingReceiver()
        let stream = EsloggerStream(name: "t")
        stream.ignoredPID = 99
        stream.ignoredPaths = ["/tmp/out.json"]
        let text = Self.write("/x", pid: 99) + Self.write("/tmp/out.json") + Self.write("/y")
            + Self.line("{\"rename\":{\"source\":{\"path\":\"/z\"},\"destination\":{\"existing_file\":{\"path\":\"/tmp/out.json\"}}}}")
        Array(text.utf8).withUnsafeBytes { stream.push($0, into: receiver) }
        stream.finish(into: receiver)
        #expect(receiver.events.map(\.path) == ["/y"])
    }

    @Test func lastLineWithoutNewlineIsDecoded() {
        var text = Self.write("/a") + Self.write("/b")
        text.removeLast()
        #expect(esloggerRun(Array(text.utf8)).0.events.map(\.path) == ["/a", "/b"])
    }

    @Test func forkTeachesTheChildItsParentAndCommandLine() throws {
        let exec = "{\"exec\":{\"target\":{\"audit_token\":{\"pid\":10,\"pidversion\":2},\"executable\":{\"path\":\"/bin/sh\"}},"
            + "\"args\":[\"sh\",\"-c\",\"x\"]}}"
        let fork = "{\"fork\":{\"child\":{\"audit_token\":{\"pid\":11,\"pidversion\":5}}}}"
        var text = Self.line(exec, pid: 10)
        text += "{\"event\":\(fork),\"process\":{\"audit_token\":{\"pid\":10,\"pidversion\":2}}}\n"
        // The child's own events: no ppid member (older shapes), a fresh pid generation.
        text += "{\"event\":{\"write\":{\"target\":{\"path\":\"/w\"}}},\"process\":{\"audit_token\":{\"pid\":11,\"pidversion\":5}}}\n"
        // The same pid, another generation (pid reused): taught nothing.
        text += "{\"event\":{\"write\":{\"target\":{\"path\":\"/v\"}}},\"process\":{\"audit_token\":{\"pid\":11,\"pidversion\":9}}}\n"
        let e = esloggerRun(Array(text.utf8)).0.events
        try #require(e.count == 4)
        #expect(e[1].kind == .other)
        #expect(e[2].process.ppid == 10)
        #expect(e[2].process.arguments == ["sh", "-c", "x"])
        #expect(e[3].process.ppid == nil)
        #expect(e[3].process.arguments == nil)
    }

    @Test func jsonOutputOfAnEsloggerEvent() throws {
        let lines = try EsloggerFixtures.lines("macos15.jsonl")
        let text = lines[0] + [0x0A] + lines[7] + [0x0A]  // fork, close (modified)
        let events = esloggerRun(text).0.events
        let mem = MemoryWriter()
        let sink = JSONSink(output: OutputBuffer(writer: mem, lineBuffered: false))
        for e in events { try sink.write(e) }
        try sink.finish()
        let out = mem.text.split(separator: "\n").map(String.init)
        #expect(out[0] == #"{"time":"2026-03-14T09:26:53.000100Z","event":"other","result":"success","errno":null,"path":null,"#
            + #""process":{"pid":500,"ppid":400,"name":"zsh","exe":"/bin/zsh","uid":501,"user":null,"euid":501,"auid":501,"#
            + #""pidversion":10,"original_ppid":400,"gid":20,"signing_id":"com.apple.zsh","cdhash":"8f2a5c41d0e7b3966a1c0e5f4b2d7a19c3e8f601"},"#
            + #""source":"eslogger","es_event":{"name":"fork","version":8,"global_seq_num":1,"seq_num":0,"child_pid":501,"child_pidversion":11}}"#)
        #expect(out[1].contains(#""event":"close""#) && out[1].contains(#""close_write":true"#))
    }

    @Test func rfc3339() {
        func t(_ s: String) -> Int64? { Array(s.utf8).withUnsafeBytes { RFC3339.microseconds($0) } }
        #expect(t("1970-01-01T00:00:00Z") == 0)
        #expect(t("2025-08-07T15:13:09.811587464Z") == 1_754_579_589_811_587)
        #expect(t("2025-08-07T17:13:09.811587+02:00") == 1_754_579_589_811_587)
        #expect(t("2025-08-07T15:13:09.8Z") == 1_754_579_589_800_000)
        #expect(t("2024-02-29T00:00:00Z") == 1_709_164_800_000_000)
        #expect(t("1969-12-31T23:59:59Z") == -1_000_000)
        for bad in ["2023-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-08-07T15:13:09", "2025-08-07T15:13:09.Z",
                    "2025-08-07T25:00:00Z", "2025-08-07", "", "2025-08-07T15:13:09Zjunk", "2025-08-07T15:13:09+0200"] {
            #expect(t(bad) == nil, "\(bad)")
        }
    }
}
