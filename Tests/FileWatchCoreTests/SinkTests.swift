import BSM
import Foundation
import Testing
@testable import FileWatchCore

struct FixedZone: LocalTimeProvider {
    let offset: Int64
    init(_ offset: Int64) { self.offset = offset }
    func utcOffset(at epochSeconds: Int64) -> Int64? { offset }
}

func render(_ events: [Event], color: Bool = false) throws -> String {
    let mem = MemoryWriter()
    let sink = TextSink(output: OutputBuffer(writer: mem, lineBuffered: true), color: color, zone: FixedZone(3600),
                        describeErrno: { $0 == 2 ? "No such file or directory" : nil })
    for e in events { try sink.write(e) }
    try sink.finish()
    return mem.text
}

func jsonLines(_ events: [Event]) throws -> [[String: Any]] {
    let mem = MemoryWriter()
    let sink = JSONSink(output: OutputBuffer(writer: mem, lineBuffered: false))
    for e in events { try sink.write(e) }
    try sink.finish()
    #expect(mem.bytes.last == UInt8(ascii: "\n"))
    return try mem.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
        let obj = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(obj as? [String: Any])
    }
}

@Suite struct TextSinkTests {
    @Test func originalLineImproved() throws {
        // 1_700_000_000 = 2023-11-14 22:13:20 UTC; the zone is +01:00.
        let s = try render([ev(user: "alice"), ev(.rename, path: "/a", dest: "/b", uid: 0)])
        #expect(s == """
            [23:13:20] [alice] Detected open event from Vim (pid 10) -> /home/Alice/Docs/Report.TXT
            [23:13:20] [0] Detected rename event from Vim (pid 10) -> /a -> /b

            """)
    }

    @Test func failuresExecArgsAndUnknowns() throws {
        var exec = ev(.exec, path: "/bin/ls", name: "ls", exe: "/bin/ls", uid: nil)
        exec.process.arguments = ["ls", "-l"]
        let s = try render([ev(.delete, path: "/x", user: "bob", result: .failure(errno: 2)), exec,
                            ev(.close, path: nil, name: "", exe: nil, result: .failure(errno: nil))])
        let lines = s.split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix("Detected delete event from Vim (pid 10) -> /x FAILED (No such file or directory, errno 2)"))
        #expect(lines[1].hasSuffix("[?] Detected exec event from ls (pid 10) -> /bin/ls args: ls -l"))
        #expect(lines[2].hasSuffix("Detected close event from ? (pid 10) FAILED"))
    }

    @Test func otherEventsNameTheirRecord() throws {
        var a = ev(.other, path: nil)
        a.detail = .bsm(event: 6159, name: "AUE_su", modifier: 0)
        var b = ev(.other, path: nil)
        b.detail = .bsm(event: 40000, name: nil, modifier: 0)
        let lines = try render([a, b]).split(separator: "\n")
        #expect(lines[0].hasSuffix("Detected other event from Vim (pid 10) [AUE_su]"))
        #expect(lines[1].hasSuffix("Detected other event from Vim (pid 10) [40000]"))
    }

    @Test func controlCharactersAreEscapedNeverRaw() throws {
        let evil: [UInt8] = Array("/tmp/a\u{1B}[2J\nb\\c\td".utf8) + [0xff, 0x7f, 0xc2, 0x9b] + Array("\u{202E}x".utf8)
        let s = try render([ev(path: ByteString(evil), name: ByteString(Array("n\u{7}".utf8)))])
        #expect(s.contains(#"-> /tmp/a\e[2J\nb\\c\td\xff\x7f\xc2\x9b\xe2\x80\xaex"#))
        #expect(s.contains(#"from n\x07 (pid"#))
        let bytes = Array(s.utf8)
        #expect(!bytes.contains(0x1B) && !bytes.contains(0x07) && !bytes.contains(0xff))
        #expect(bytes.filter { $0 == 0x0A }.count == 1, "one line per event")
        // Valid UTF-8 passes through.
        #expect(try render([ev(path: "/tmp/café ☕")]).contains("/tmp/café ☕"))
    }

    /// -3:30 before 1_700_001_000 (a quarter-hour boundary, like Newfoundland's 2:00 local), -2:30 after.
    static func dstOffset(_ seconds: Int64) -> Int64? { seconds < 1_700_001_000 ? -12600 : -9000 }

    @Test func localClockFollowsOffsetChanges() throws {
        let mem = MemoryWriter()
        let sink = TextSink(output: OutputBuffer(writer: mem, lineBuffered: false), color: false,
                            zone: CachedLocalTime(Self.dstOffset))
        for t: Int64 in [1_700_000_999, 1_700_000_999, 1_700_001_000, 1_700_001_001] {
            try sink.write(ev(time: t * 1_000_000))
        }
        try sink.finish()
        let clocks = mem.text.split(separator: "\n").map { String($0.prefix(10)) }
        // 1_700_001_000 = 22:30:00 UTC
        #expect(clocks == ["[18:59:59]", "[18:59:59]", "[20:00:00]", "[20:00:01]"])
    }

    @Test func colourOnlyWhenEnabled() throws {
        #expect(!(try render([ev()])).utf8.contains(0x1B))
        let c = try render([ev(.delete, result: .failure(errno: 2))], color: true)
        #expect(c.contains("\u{1B}[31mdelete\u{1B}[0m"))
        #expect(c.contains("\u{1B}[1;31mFAILED"))
    }
}

@Suite struct JSONSinkTests {
    @Test func fieldsAndTypes() throws {
        var e = ev(.rename, path: "/a \"q\"", dest: "/b\\c", uid: 1000, user: "alice")
        e.process.ppid = 1
        e.process.arguments = ["vim", "a b"]
        e.process.auid = 501
        e.detail = .bsm(event: 42, name: "AUE_RENAME", modifier: 0)
        var f = ev(.close, path: "/f", result: .failure(errno: 13))
        f.source = .fanotify
        f.detail = .fanotify(mask: 0x8)
        f.closeAfterWrite = true
        var o = ev(.open)
        o.openFlags = [.read, .write, .create]
        o.isDirectory = true
        let objs = try jsonLines([e, f, o])
        try #require(objs.count == 3)
        let a = objs[0]
        #expect(a["time"] as? String == "2023-11-14T22:13:20.123456Z")
        #expect(a["event"] as? String == "rename")
        #expect(a["result"] as? String == "success")
        #expect(a["errno"] is NSNull)
        #expect(a["path"] as? String == "/a \"q\"")
        #expect(a["dest_path"] as? String == "/b\\c")
        #expect(a["source"] as? String == "trail")
        let p = try #require(a["process"] as? [String: Any])
        #expect(p["pid"] as? Int == 10 && p["ppid"] as? Int == 1 && p["uid"] as? Int == 1000 && p["auid"] as? Int == 501)
        #expect(p["name"] as? String == "Vim" && p["exe"] as? String == "/usr/bin/vim" && p["user"] as? String == "alice")
        #expect(p["args"] as? [String] == ["vim", "a b"])
        let bsm = try #require(a["bsm_event"] as? [String: Any])
        #expect(bsm["number"] as? Int == 42 && bsm["name"] as? String == "AUE_RENAME")

        let b = objs[1]
        #expect(b["result"] as? String == "failure" && b["errno"] as? Int == 13)
        #expect(b["dest_path"] == nil)
        #expect(b["fanotify_mask"] as? Int == 8)
        #expect(b["close_write"] as? Bool == true)
        #expect(b["source"] as? String == "fanotify")

        #expect(objs[2]["open_flags"] as? [String] == ["read", "write", "create"])
        #expect(objs[2]["directory"] as? Bool == true)
    }

    @Test func nonUTF8NamesStayValidJSONWithExactBytes() throws {
        let raw: [UInt8] = [0x2f, 0x74, 0xff, 0xfe, 0x0a, 0x00, 0x1b, 0xe2, 0x80, 0xa8, 0xc3]  // truncated é at end
        var e = ev(path: ByteString(raw), name: ByteString([0x80]), exe: nil)
        e.process.arguments = [ByteString([0xff]), "ok"]
        let obj = try #require(try jsonLines([e]).first)
        let path = try #require(obj["path"] as? String)
        #expect(path == "/t\u{FFFD}\u{FFFD}\n\u{0}\u{1B}\u{2028}\u{FFFD}")
        let b64 = try #require(obj["path_base64"] as? String)
        #expect(Data(base64Encoded: b64) == Data(raw))
        let p = try #require(obj["process"] as? [String: Any])
        #expect(Data(base64Encoded: try #require(p["name_base64"] as? String)) == Data([0x80]))
        #expect(p["exe"] is NSNull)
        #expect((p["args_base64"] as? [String])?.compactMap { Data(base64Encoded: $0) } == [Data([0xff]), Data("ok".utf8)])
        // valid names carry no base64 twin
        #expect(try jsonLines([ev()]).first?["path_base64"] == nil)
    }

    @Test func base64AllPaddings() {
        for n in 0..<8 {
            let raw = (0..<n).map { UInt8($0 * 37 & 0xff) }
            let o = OutputBuffer(writer: MemoryWriter(), lineBuffered: false)
            o.appendBase64(raw)
            #expect(Data(base64Encoded: String(decoding: o.bytes, as: UTF8.self)) == Data(raw))
        }
    }

    @Test func timeFormatting() {
        func rfc(_ us: Int64) -> String {
            let o = OutputBuffer(writer: MemoryWriter(), lineBuffered: false)
            o.appendRFC3339(epochMicroseconds: us)
            return String(decoding: o.bytes, as: UTF8.self)
        }
        #expect(rfc(0) == "1970-01-01T00:00:00.000000Z")
        #expect(rfc(951_782_400_000_001) == "2000-02-29T00:00:00.000001Z")
        #expect(rfc(-1) == "1969-12-31T23:59:59.999999Z")
        #expect(rfc(4_102_444_799_999_999) == "2099-12-31T23:59:59.999999Z")
        #expect(CivilTime(epochMicroseconds: 0, offset: -3600).hour == 23)
    }

    @Test func decimalFormatting() {
        let o = OutputBuffer(writer: MemoryWriter(), lineBuffered: false)
        for v: Int64 in [0, 9, 10, -1, .max, .min] { o.appendDecimal(v); o.append(UInt8(ascii: " ")) }
        #expect(String(decoding: o.bytes, as: UTF8.self) == "0 9 10 -1 9223372036854775807 -9223372036854775808 ")
    }
}

@Suite struct BSMSinkTests {
    func roundTrip(_ events: [Event]) throws -> (bytes: [UInt8], events: [Event]) {
        let mem = MemoryWriter()
        let sink = BSMSink(output: OutputBuffer(writer: mem, lineBuffered: false), trailName: "test.bsm",
                           bsmErrno: { UInt8($0) })
        for e in events { try sink.write(e) }
        try sink.finish()
        let (back, damage) = Fixture.events(mem.bytes, mapper: BSMEventMapper(hostErrno: { Int32($0) }))
        #expect(damage.isEmpty)
        return (mem.bytes, back)
    }

    /// Equal apart from source/detail (a replay is a trail with BSM event numbers).
    func same(_ a: Event, _ b: Event) -> Bool {
        var x = a, y = b
        x.source = .trail; y.source = .trail
        x.detail = .none; y.detail = .none
        return x == y
    }

    @Test func fanotifyLikeEventsSurviveTheTrip() throws {
        let base: Int64 = 1_700_000_000_000_000
        var p = ProcessSubject(pid: 321, ppid: 1, name: "cp", executable: "/usr/bin/cp", arguments: ["cp", "a", "b"],
                               uid: 1000, euid: 1000, auid: nil, gid: 100)
        var events: [Event] = []
        var t = base
        func add(_ kind: EventKind, _ path: ByteString?, _ dest: ByteString? = nil, dir: Bool = false, flags: OpenFlags = [],
                 cw: Bool? = nil, result: EventResult = .success) {
            t += 1000
            events.append(Event(time: t, kind: kind, result: result, process: p, path: path, destinationPath: dest,
                                isDirectory: dir, openFlags: flags, closeAfterWrite: cw, source: .fanotify,
                                detail: .fanotify(mask: 1)))
        }
        add(.exec, "/usr/bin/cp")
        for flags: OpenFlags in [[], [.read], [.write], [.read, .write], [.write, .create, .truncate], [.read, .create]] {
            add(.open, "/src/a", flags: flags)
        }
        add(.read, "/src/a")
        add(.write, "/dst/b")
        add(.close, "/dst/b", cw: true)
        add(.close, "/src/a", cw: false)
        add(.close, "/src/c")
        add(.create, "/dst/new")
        add(.create, "/dst/dir", dir: true)
        add(.delete, "/dst/old", result: .failure(errno: 2))
        add(.delete, "/dst/dir", dir: true)
        add(.rename, "/dst/b", "/dst/c")
        add(.link, "/dst/c", "/dst/d")
        add(.attrib, "/dst/c")
        add(.open, "/dst", dir: true, flags: [.read])
        add(.stat, "/etc/hosts")
        // Another process (the mapper fills a pid's executable from its exec record).
        p.pid = 2
        p.name = "kworker/0:1"  // name differs from the executable's basename
        p.arguments = nil
        add(.other, nil)
        p.pid = 3
        p.executable = nil
        p.ppid = nil
        p.uid = nil; p.euid = nil; p.gid = nil
        add(.exit, nil)
        add(.write, ByteString([0x2f, 0xff, 0x0a]))  // not UTF-8, with a newline
        let (_, back) = try roundTrip(events)
        try #require(back.count == events.count)
        for (a, b) in zip(events, back) {
            #expect(same(a, b), "\(a)\n!=\n\(b)")
        }
    }

    @Test func trailRecordsKeepTheirEventNumbers() throws {
        let (orig, _) = Fixture.events(Fixture.trail(Fixture.session))
        let (bytes, back) = try roundTrip(orig)
        #expect(back == orig)
        // Framing: starts and ends with a file token.
        #expect(bytes.first == 0x11)
        var reader = RecordReader(bytes: bytes)
        var kinds: [Record.Kind] = []
        while case .record(let r)? = reader.next() { kinds.append(r.kind) }
        #expect(kinds.first == .file && kinds.last == .file && kinds.count == orig.count + 2)
    }

    @Test func shippedEventTableMatchesTheCode() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("doc/audit_event.filewatcher"), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        #expect(lines == FileWatcherBSMEvent.auditEventLines.split(separator: "\n").map(String.init))
        #expect(lines.count == 4)
    }

    @Test func eventNumbers() {
        func n(_ kind: EventKind, _ flags: OpenFlags = [], dir: Bool = false) -> UInt16 {
            BSMSink.eventNumber(for: Event(time: 0, kind: kind, process: ProcessSubject(pid: 1), isDirectory: dir,
                                           openFlags: flags, source: .fanotify)).number
        }
        #expect(n(.open, [.read]) == 72 && n(.open, [.read, .write, .create, .truncate]) == 83 && n(.open, [.write, .create]) == 77)
        #expect(n(.open) == 3 && n(.close) == 112 && n(.delete) == 6 && n(.delete, dir: true) == 48)
        #expect(n(.create, dir: true) == 47 && n(.rename) == 42 && n(.link) == 5 && n(.exec) == 23 && n(.exit) == 1)
        #expect(n(.read) == FileWatcherBSMEvent.read && n(.write) == FileWatcherBSMEvent.write)
    }
}

@Suite struct RandomNameTests {
    /// Deterministic xorshift so failures reproduce.
    struct Rng: RandomNumberGenerator {
        var s: UInt64
        mutating func next() -> UInt64 { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s }
    }

    func randomName(_ rng: inout Rng) -> ByteString {
        let n = Int(rng.next() % 24)
        return ByteString((0..<n).map { _ in
            // Mostly the interesting bytes: controls, high bytes, UTF-8 lead/continuation, quotes, backslash.
            let pool: [UInt8] = [0x00, 0x07, 0x0a, 0x1b, 0x22, 0x5c, 0x7f, 0x80, 0x9b, 0xc2, 0xc3, 0xa9, 0xe2, 0x80, 0xa8,
                                 0xae, 0xed, 0xa0, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0x61, 0x2f]
            return rng.next() % 3 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : pool[Int(rng.next() % UInt64(pool.count))]
        })
    }

    @Test func everyLineParsesAndKeepsTheExactBytes() throws {
        var rng = Rng(s: 0x9E37_79B9_7F4A_7C15)
        var events: [Event] = []
        for i in 0..<400 {
            var e = ev(EventKind.allCases[i % EventKind.allCases.count], path: randomName(&rng),
                       dest: i % 3 == 0 ? randomName(&rng) : nil, name: randomName(&rng), exe: randomName(&rng))
            e.process.arguments = [randomName(&rng), randomName(&rng)]
            events.append(e)
        }
        let objs = try jsonLines(events)
        try #require(objs.count == events.count)
        func exact(_ obj: [String: Any], _ key: String) -> [UInt8]? {
            if let b = obj[key + "_base64"] as? String { return Data(base64Encoded: b).map { [UInt8]($0) } }
            return (obj[key] as? String).map { Array($0.utf8) }
        }
        for (e, o) in zip(events, objs) {
            #expect(exact(o, "path") == e.path?.bytes)
            if let d = e.destinationPath { #expect(exact(o, "dest_path") == d.bytes) }
            let p = try #require(o["process"] as? [String: Any])
            #expect(exact(p, "name") == e.process.name.bytes)
            #expect(exact(p, "exe") == e.process.executable?.bytes)
        }

        let text = Array(try render(events).utf8)
        #expect(text.filter { $0 == 0x0a }.count == events.count, "one line per event")
        #expect(!text.contains { ($0 < 0x20 && $0 != 0x0a) || $0 == 0x7f }, "no raw control bytes")
        #expect(String(validating: text, as: UTF8.self) != nil, "the text output is valid UTF-8")
    }
}
