import Testing
@testable import FileWatchCore
import TestSupport

@Suite struct EventJSONDecoderTests {
    static let hostileNames: [ByteString] = [
        "<img src=x onerror=alert(1)>", "line\nbreak", "esc\u{1B}[31mred", ByteString([0x61, 0xFF, 0xFE, 0x62]), "quote\"back\\slash",
        "snow ☃ and 🎉",
    ]

    static func sampleEvents() -> [Event] {
        var events: [Event] = []
        let base: Int64 = 1_764_745_704_123_456
        for (i, name) in hostileNames.enumerated() {
            var p = ProcessSubject(pid: Int32(100 + i), ppid: 1, name: name, executable: ByteString("/usr/bin/") ,
                                   arguments: [name, "--flag", ByteString([0xC3])], uid: 1000, euid: 0, auid: 1000, gid: 1000,
                                   user: "alice")
            p.cdhash = [0xDE, 0xAD, 0xBE, 0xEF]
            p.signingID = "com.example"
            var e = Event(time: base + Int64(i) * 1_000_003, kind: EventKind.allCases[i % EventKind.allCases.count],
                          process: p, path: ByteString(Array("/tmp/".utf8) + name.bytes), source: .fanotify, detail: .fanotify(mask: 0x20))
            if i == 1 { e.result = .failure(errno: 13) }
            if i == 2 { e.kind = .rename; e.destinationPath = ByteString(name.bytes + Array(".locked".utf8)); e.detail = .bsm(event: 42, name: "AUE_RENAME", modifier: 0); e.source = .trail }
            if i == 3 { e.kind = .open; e.openFlags = [.write, .create, .truncate]; e.isDirectory = true }
            if i == 4 { e.kind = .close; e.closeAfterWrite = true; e.path = nil }
            events.append(e)
        }
        return events
    }

    @Test func roundTripsEveryFieldOfOurOwnJSONLines() throws {
        let events = Self.sampleEvents()
        let decoded = decodeJSONLines(try jsonLinesBytes(events))
        #expect(decoded.notices.isEmpty)
        #expect(decoded.events == events)
    }

    @Test func linesCutAcrossChunksDecodeTheSame() throws {
        let bytes = try jsonLinesBytes(Self.sampleEvents())
        for chunk in [1, 7, 64] {
            #expect(decodeJSONLines(bytes, chunk: chunk).events == Self.sampleEvents())
        }
    }

    @Test func alertsComeBackWithTheirEvidenceAndStoppedProcesses() throws {
        var e = Self.sampleEvents()[0]
        var ransom = Alert(time: e.time, origin: .ransomware, severity: .critical, process: e.process, eventKind: .write,
                           path: "/home/a/doc.txt", reason: "5 files encrypted",
                           evidence: [SuspiciousFile(time: e.time, path: ByteString([0x2F, 0xFF]), reason: .encryptedContent(entropy: 7.99, piErrorPercent: 0.5), pid: 7),
                                      SuspiciousFile(time: e.time, path: "/b", reason: .renamedExtension(from: "txt", to: "locked")),
                                      SuspiciousFile(time: e.time, path: "/c", reason: .replacedByRename(from: "/c.tmp")),
                                      SuspiciousFile(time: e.time, path: "/d", reason: .deletedAfterRead)],
                           responses: ["stopped pid 100 with SIGSTOP"], offenderTree: true)
        ransom.stopped = [StoppedProcess(pid: e.process.pid, name: e.process.name)]
        let rule = Alert(time: e.time + 5, origin: .rule("ssh <keys>"), severity: .high, process: e.process, eventKind: .open,
                         path: "/root/.ssh/id_rsa", reason: "read of a key")
        e.alerts = [ransom, rule]
        let back = try #require(decodeJSONLines(try jsonLinesBytes([e])).events.first)
        #expect(back.alerts.count == 2)
        let r = back.alerts[0]
        #expect(r.origin == .ransomware && r.severity == .critical && r.reason == "5 files encrypted")
        #expect(r.evidence == ransom.evidence)
        #expect(r.stopped == ransom.stopped && r.responses == ransom.responses && r.offenderTree)
        #expect(back.alerts[1].origin == .rule("ssh <keys>") && back.alerts[1].path == "/root/.ssh/id_rsa")
    }

    @Test func aBadLineIsReportedWithItsOffsetAndTheRestIsKept() throws {
        let events = Self.sampleEvents()
        let first: [UInt8] = try jsonLinesBytes([events[0]]), second: [UInt8] = try jsonLinesBytes([events[1]])
        let bad: [UInt8] = Array(#"{"time":"2026-13-01T00:00:00Z","event":"open","process":{"pid":1}}"#.utf8)
        var input: [UInt8] = first
        input += bad
        input += [0x0A, 0x0A]
        input += Array("not json\n".utf8)
        input += second
        let lines = [Array(first.dropLast())]
        let c = decodeJSONLines(input)
        #expect(c.events.count == 2)
        #expect(c.notices.count == 2)
        guard case .damaged(let file, let offset, let reason) = c.notices[0] else { Issue.record("not damage"); return }
        #expect(file == "capture.jsonl")
        #expect(offset == UInt64(lines[0].count + 1) + 8)  // the time value's opening quote
        #expect(reason.contains("line 2") && reason.contains("RFC 3339"))
        guard case .damaged(_, _, let reason2) = c.notices[1] else { Issue.record("not damage"); return }
        #expect(reason2.contains("line 4"))
    }

    @Test func everyTruncatedPrefixFailsCleanly() throws {
        var e = Self.sampleEvents()[2]
        e.alerts = [Alert(time: e.time, origin: .rule("r"), severity: .low, process: e.process, eventKind: .rename, path: e.path, reason: "x")]
        var line = try jsonLinesBytes([e])
        line.removeLast()  // the newline
        for n in 0..<line.count {
            let prefix = Array(line[0..<n])
            let result = prefix.withUnsafeBytes { p in Result { () throws(EventJSONDecoder.Failure) -> Event in try EventJSONDecoder.decode(p) } }
            #expect(throws: EventJSONDecoder.Failure.self) { try result.get() }
        }
        var back = try line.withUnsafeBytes { try EventJSONDecoder.decode($0) }
        #expect(back.alerts.count == 1 && back.alerts[0].origin == .rule("r") && back.alerts[0].path == e.path)
        back.alerts = []; e.alerts = []
        #expect(back == e)
    }

    @Test func requiredMembersAreNamed() {
        func failure(_ text: String) -> String? {
            Array(text.utf8).withUnsafeBytes { p -> String? in
                do { _ = try EventJSONDecoder.decode(p); return nil } catch let e as EventJSONDecoder.Failure { return e.reason } catch { return "\(error)" }
            }
        }
        #expect(failure(#"{"event":"open","process":{"pid":1}}"#) == #"missing member "time""#)
        #expect(failure(#"{"time":"2026-01-01T00:00:00Z","process":{"pid":1}}"#) == #"missing member "event""#)
        #expect(failure(#"{"time":"2026-01-01T00:00:00Z","event":"open"}"#) == #"missing member "process""#)
        #expect(failure(#"{"time":"2026-01-01T00:00:00Z","event":"poke","process":{"pid":1}}"#) == "invalid event kind 'poke'")
        #expect(failure(#"{"time":"2026-01-01T00:00:00Z","event":"open","process":{"pid":1},"new_member":[1,{"a":2}]}"#) == nil)
    }

    @Test func rfc3339Times() {
        func t(_ s: String) -> Int64? { RFC3339.epochMicroseconds(Array(s.utf8)) }
        #expect(t("1970-01-01T00:00:00Z") == 0)
        #expect(t("2026-12-03T07:08:24.123456Z") == 1_796_281_704_123_456)
        #expect(t("2026-12-03T08:08:24.123456+01:00") == 1_796_281_704_123_456)
        #expect(t("2026-12-03t07:08:24.1z") == 1_796_281_704_100_000)
        #expect(t("2026-12-03T07:08:24.123456789Z") == 1_796_281_704_123_456)
        #expect(t("1969-12-31T23:59:59.5Z") == -500_000)
        #expect(t("2024-02-29T00:00:00Z") != nil)
        for bad in ["2023-02-29T00:00:00Z", "2026-12-03T24:00:00Z", "2026-12-03T07:08:24", "2026-12-03T07:08:24.Z",
                    "2026-12-03T07:08:24Zx", "2026-12-03 07:08", "", "2026-1x-03T07:08:24Z"] {
            #expect(t(bad) == nil, "\(bad)")
        }
    }

    @Test func ourJSONLinesAreRecognizedFromTheirFirstBytes() throws {
        let bytes = try jsonLinesBytes(Self.sampleEvents())
        #expect(InputFormat.recognize(bytes.prefix(16)) == .json)
        #expect(InputFormat.recognize(Array("  {\n \"time\": \"".utf8)) == .json)
        #expect(InputFormat.recognize(Array(#"{"@timestamp":"x"}"#.utf8)) == nil)
        #expect(InputFormat.recognize(Array("type=SYSCALL msg".utf8)) == .linuxAudit)
    }
}
