// The per-event record buffer (AuditEventRecords) and the one-pass field scans: events larger
// than any buffer before them, fields that end where their record or line ends, slots reused
// while an emitted event is still held, every prefix of every sample line.

import Testing
@testable import FileWatchCore
import TestSupport

@Suite struct LinuxAuditArenaTests {
    /// An execve whose EXECVE records (300 arguments, ~12 KB each record) far exceed what the
    /// buffer held for the events before it, then a small event in the same (reused) slot.
    @Test func eventLargerThanTheBufferBeforeItThenASmallOne() throws {
        var text = ""
        let small = { (serial: Int, name: String) in
            "type=SYSCALL msg=audit(1700000000.000:\(serial)): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=0 items=1 pid=\(serial) comm=\"c\"\n"
                + "type=PATH msg=audit(1700000000.000:\(serial)): item=0 name=\"\(name)\" nametype=NORMAL\n"
                + "type=EOE msg=audit(1700000000.000:\(serial)):\n"
        }
        text += small(1, "/a")
        let s = "msg=audit(1700000000.000:2):"
        text += "type=SYSCALL \(s) arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=0 pid=2 comm=\"big\"\n"
        let args = (0..<300).map { i in String(repeating: Character(UnicodeScalar(UInt8(97 + i % 26))), count: 1000) + "\(i)" }
        var line = "type=EXECVE \(s) argc=300"
        for (i, a) in args.enumerated() {
            line += " a\(i)=\"\(a)\""
            if line.utf8.count > 12_000 { text += line + "\n"; line = "type=EXECVE \(s)" }
        }
        text += line + "\ntype=EOE \(s)\n"
        text += small(3, "/b")
        for chunk in [7, 4096, 1 << 20] {
            let r = LinuxAuditFixture.decode(text, chunk: chunk)
            try #require(r.events.count == 3, "\(r.notices)")
            #expect(r.events[0].path == "/a" && r.events[2].path == "/b" && r.events[2].process.pid == 3)
            #expect(r.events[1].kind == .exec && r.events[1].process.arguments == args.map { ByteString($0) })
            #expect(r.damages.isEmpty)
        }
    }

    /// Fields whose value is the last byte of the line, empty values, an unterminated `'…` and a
    /// record in the middle of its event's buffer: each value read back exactly.
    @Test func fieldsAtTheEndsOfRecordsAndBuffers() throws {
        let cases: [(String, String, String)] = [
            ("type=PATH msg=audit(1.000:1): item=0 name=\"/end\"", "name", "/end"),
            ("type=PATH msg=audit(1.000:1): item=0 name=2F61", "name", "2F61"),
            ("type=PATH msg=audit(1.000:1): item=0 name=", "name", ""),
            ("type=PATH msg=audit(1.000:1): name=x item=7", "item", "7"),
            ("type=USER msg=audit(1.000:1): msg='op=x res=success", "res", "success"),
            ("type=USER msg=audit(1.000:1): pid=1 msg='op=x'", "op", "x"),
            ("type=SYSCALL msg=audit(1.000:1): pid=1\u{1D}UID=\"root\"", "UID", "root"),
        ]
        for (line, key, value) in cases {
            let r = try LinuxAuditFixture.parse(line)
            let enriched = key == "UID"
            var k = key
            let v = k.withUTF8 { r.field(named: $0, enriched: enriched) }
            #expect(v?.raw == Array(value.utf8), "\(line)")
            #expect(r.bytes == Array(line.utf8))
        }
        // A record between two others in one event: its fields read from its own part of the buffer.
        let s = "msg=audit(1700000000.000:5):"
        let text = """
            type=SYSCALL \(s) arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=0 items=2 pid=5 comm="c" exe="/bin/c"
            type=PATH \(s) item=0 name="first" nametype=NORMAL
            type=CWD \(s) cwd="/w"
            type=PROCTITLE \(s) proctitle="c"
            type=EOE \(s)

            """
        var a = AuditEventAssembler()
        var events: [AuditEventRecords] = []
        for l in text.split(separator: "\n") {
            try a.push(LinuxAuditFixture.parse(String(l))) { if case .event(let e) = $0 { events.append(e) } }
        }
        try #require(events.count == 1 && events[0].count == 4)
        #expect(events[0][2].field("cwd")?.text == Array("/w".utf8))
        #expect(events[0][1].field("name")?.text == Array("first".utf8))
        #expect(events[0][3].field("proctitle")?.text == Array("c".utf8))
        #expect(events[0][0].field("exe")?.text == Array("/bin/c".utf8))
        let e = try #require(AuditEventMapper().map(events[0]))
        #expect(e.path == "/w/first" && e.process.arguments == ["c"] && e.process.executable == "/bin/c")
    }

    /// Emitted events kept by the receiver stay intact while their slot is reused; interleaved
    /// events keep their own records.
    @Test func keptEventsSurviveSlotReuseAndInterleaving() throws {
        var a = AuditEventAssembler()
        var out: [AuditEventRecords] = []
        func push(_ line: String) throws { try a.push(LinuxAuditFixture.parse(line)) { if case .event(let e) = $0 { out.append(e) } } }
        for serial in 1...50 {
            let other = serial + 1000
            try push("type=SYSCALL msg=audit(1.000:\(serial)): syscall=2 pid=\(serial)")
            try push("type=SYSCALL msg=audit(1.000:\(other)): syscall=2 pid=\(other)")
            try push("type=PATH msg=audit(1.000:\(serial)): item=0 name=\"/s\(serial)\"")
            try push("type=PATH msg=audit(1.000:\(other)): item=0 name=\"/o\(other)\"")
            try push("type=EOE msg=audit(1.000:\(other)):")
            try push("type=EOE msg=audit(1.000:\(serial)):")
        }
        try #require(out.count == 100)
        for (i, e) in out.enumerated() {
            let serial = i % 2 == 0 ? i / 2 + 1001 : i / 2 + 1
            #expect(e.count == 2 && e.allSatisfy { $0.stamp?.serial == UInt64(serial) })
            #expect(e[0].integer("pid") == Int64(serial))
            #expect(e[1].field("name")?.text == Array((serial > 1000 ? "/o\(serial)" : "/s\(serial)").utf8))
        }
        #expect(a.openEventCount == 0)
    }

    /// Every prefix of every line of every shared sample either fails with a reason and a column
    /// inside the line, or parses to fields that lie inside the prefix and read back as written.
    @Test(.enabled(if: !LinuxAuditFixture.sampleFiles().isEmpty))
    func everyPrefixOfEverySampleLineParsesOrFailsCleanly() throws {
        for file in LinuxAuditFixture.sampleFiles() {
            let bytes = try LinuxAuditFixture.sample(String(file.split(separator: "/").last ?? ""))
            for line in bytes.split(separator: 0x0A) {
                for cut in 0...line.count {
                    let prefix = Array(line.prefix(cut))
                    do {
                        let r = try AuditLineParser.parse(bytes: prefix)
                        let body = r.bytes
                        #expect(body.count <= prefix.count)
                        for f in r.fields {
                            #expect(f.keyStart < f.keyEnd && Int(f.keyEnd) <= body.count)
                            #expect(f.valueStart <= f.valueEnd && Int(f.valueEnd) <= body.count)
                        }
                        #expect(r.fieldPairs.count == r.fields.count)
                    } catch {
                        #expect(error.column >= 1 && error.column <= prefix.count + 1, "\(error) at \(cut)")
                        #expect(!error.reason.isEmpty)
                    }
                }
            }
        }
    }

    /// The key words the one-pass scans compare with are the keys' names.
    @Test func fieldKeyWordsAreTheNames() throws {
        let keys: [(UInt64, String)] = [
            (AuditFieldKey.pid, "pid"), (AuditFieldKey.ppid, "ppid"), (AuditFieldKey.uid, "uid"), (AuditFieldKey.euid, "euid"),
            (AuditFieldKey.auid, "auid"), (AuditFieldKey.gid, "gid"), (AuditFieldKey.comm, "comm"), (AuditFieldKey.exe, "exe"),
            (AuditFieldKey.key, "key"), (AuditFieldKey.arch, "arch"), (AuditFieldKey.syscall, "syscall"),
            (AuditFieldKey.success, "success"), (AuditFieldKey.exit, "exit"), (AuditFieldKey.a0, "a0"), (AuditFieldKey.a1, "a1"),
            (AuditFieldKey.a2, "a2"), (AuditFieldKey.a3, "a3"), (AuditFieldKey.res, "res"), (AuditFieldKey.enrichedUID, "UID"),
            (AuditFieldKey.enrichedSYSCALL, "SYSCALL"), (AuditFieldKey.item, "item"), (AuditFieldKey.name, "name"),
            (AuditFieldKey.objtype, "objtype"), (AuditFieldKey.mode, "mode"),
        ]
        for (code, name) in keys {
            let r = try LinuxAuditFixture.parse("type=X msg=audit(1.000:1): \(name)=1 longerthanseven=2")
            let words = r.withView { v in v.fields.map { v.keyCode($0) } }
            #expect(words == [code, 0], "\(name)")
        }
    }

    /// The decoded-value cache tells a quoted value from the same bytes bare (hex), and the
    /// time-stamp memo a serial from a longer one with the same start.
    @Test func cachedValuesAndRepeatedStampsKeepTheirDifferences() throws {
        let text = """
            type=SYSCALL msg=audit(1700000000.000:12): arch=c000003e syscall=60 success=yes exit=0 items=0 pid=1 comm="41" exe="/x"
            type=PROCTITLE msg=audit(1700000000.000:12): proctitle="41"
            type=EOE msg=audit(1700000000.000:12):
            type=SYSCALL msg=audit(1700000000.000:123): arch=c000003e syscall=60 success=yes exit=0 items=0 pid=2 comm=41 exe=2F78
            type=PROCTITLE msg=audit(1700000000.000:123): proctitle=41
            type=EOE msg=audit(1700000000.000:123):
            type=SYSCALL msg=audit(1700000000.000:12): arch=c000003e syscall=60 success=yes exit=0 items=0 pid=3 comm=(null) exe="/x"
            type=EOE msg=audit(1700000000.000:12):

            """
        let r = LinuxAuditFixture.decode(text, chunk: 5)
        try #require(r.events.count == 3)
        #expect(r.events.map(\.process.pid) == [1, 2, 3])
        #expect(r.events.map { LinuxAuditFixture.serial($0) } == [12, 123, 12])
        #expect(r.events[0].process.name == "41" && r.events[1].process.name == "A" && r.events[2].process.name == "x")
        #expect(r.events[0].process.arguments == ["41"] && r.events[1].process.arguments == ["A"])
        #expect(r.events[0].process.executable == "/x" && r.events[1].process.executable == "/x")
    }
}
