import Foundation
import Testing
import TestSupport
@testable import FileWatchCore

/// Decodes a whole input through an EsloggerStream (in chunks of `chunk` bytes).
func esloggerRun(_ bytes: [UInt8], chunk: Int = 1 << 20, name: String = "test") -> (CollectingReceiver, EsloggerStream) {
    let receiver = CollectingReceiver()
    let stream = EsloggerStream(name: name)
    bytes.withUnsafeBytes { raw in
        var i = 0
        while i < raw.count {
            let end = min(raw.count, i + chunk)
            stream.push(UnsafeRawBufferPointer(rebasing: raw[i..<end]), into: receiver)
            i = end
        }
    }
    stream.finish(into: receiver)
    return (receiver, stream)
}

/// The scenario every release fixture holds (generate.py), field by field.
@Suite struct EsloggerFixtureTests {
    static let dir = "/Users/alice/project"
    /// 2026-03-14T09:26:53Z; event i is at +100·(i+1) µs (the fixture's nanoseconds cut to µs).
    static let t0: Int64 = 1_773_480_413_000_000
    static let zshCDHash: [UInt8] = [0x8F, 0x2A, 0x5C, 0x41, 0xD0, 0xE7, 0xB3, 0x96, 0x6A, 0x1C,
                                     0x0E, 0x5F, 0x4B, 0x2D, 0x7A, 0x19, 0xC3, 0xE8, 0xF6, 0x01]
    static let pyCDHash: [UInt8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x01, 0x23,
                                    0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x01, 0x23, 0x45, 0x67]
    static let args: [ByteString] = ["python3", "work.py", "--fast"]

    static func zsh() -> ProcessSubject {
        var p = ProcessSubject(pid: 500, ppid: 400, name: "zsh", executable: "/bin/zsh", uid: 501, euid: 501, auid: 501,
                               gid: 20, signingID: "com.apple.zsh", cdhash: zshCDHash, startTime: 1_773_478_800_000_001)
        p.pidVersion = 10
        p.originalPPID = 400
        return p
    }

    static func python() -> ProcessSubject {
        var p = ProcessSubject(pid: 501, ppid: 500, name: "python3", executable: "/usr/bin/python3", arguments: args,
                               uid: 501, euid: 501, auid: 501, gid: 20, signingID: "com.apple.python3",
                               cdhash: pyCDHash, startTime: t0 + 100)
        p.pidVersion = 12
        p.originalPPID = 500
        return p
    }

    /// (kind, path, destination, flags, close_write, directory) of event i.
    static func f(_ name: String) -> ByteString { ByteString(dir + "/" + name) }

    static let expected: [(EventKind, ByteString?, ByteString?, OpenFlags, Bool?, Bool)] = [
        (.other, nil, nil, [], nil, false),                                             // fork
        (.exec, ByteString("/usr/bin/python3"), nil, [], nil, false),
        (.open, f("input.txt"), nil, [.read], nil, false),
        (.close, f("input.txt"), nil, [], false, false),
        (.create, f("out.tmp"), nil, [], nil, false),
        (.open, f("out.tmp"), nil, [.write, .create, .truncate], nil, false),        // fflag 0x602
        (.write, f("out.tmp"), nil, [], nil, false),
        (.close, f("out.tmp"), nil, [], true, false),
        (.rename, f("out.tmp"), f("out.txt"), [], nil, false),                   // new_path, dir ends in /
        (.rename, f("b.txt"), f("a.txt"), [], nil, false),                       // existing_file
        (.link, f("out.txt"), f("out-link.txt"), [], nil, false),
        (.write, f("out.txt"), nil, [], nil, false),                                 // truncate
        (.attrib, f("out.txt"), nil, [], nil, false),                                // setattrlist
        (.attrib, f("out.txt"), nil, [], nil, false),                                // setmode
        (.attrib, f("out.txt"), nil, [], nil, false),                                // setowner
        (.delete, f("out-link.txt"), nil, [], nil, false),                           // unlink
        (.create, f("cache"), nil, [], nil, true),                                   // existing_file, a directory
        (.exit, nil, nil, [], nil, false),
    ]
    static let names = ["fork", "exec", "open", "close", "create", "open", "write", "close", "rename", "rename",
                        "link", "truncate", "setattrlist", "setmode", "setowner", "unlink", "create", "exit"]

    static func versions(_ file: String) -> [Int] {
        switch file {
        case "macos13.jsonl": Array(repeating: 6, count: 18)
        case "macos14.jsonl": Array(repeating: 7, count: 18)
        case "macos15.jsonl": Array(repeating: 8, count: 9) + Array(repeating: 9, count: 9)
        default: Array(repeating: 10, count: 18)
        }
    }

    @Test(arguments: EsloggerFixtures.releases)
    func everyEventFieldByField(file: String) throws {
        let (r, stream) = esloggerRun(try EsloggerFixtures.bytes(file))
        #expect(r.notices.isEmpty, "\(r.notices)")
        #expect(stream.skippedLines == 0)
        let events = r.events
        try #require(events.count == Self.expected.count)
        var seqByType: [String: UInt64] = [:]
        for (i, e) in events.enumerated() {
            let (kind, path, dest, flags, closeWrite, directory) = Self.expected[i]
            #expect(e.kind == kind, "event \(i)")
            #expect(e.path == path, "event \(i)")
            #expect(e.destinationPath == dest, "event \(i)")
            #expect(e.openFlags == flags, "event \(i)")
            #expect(e.closeAfterWrite == closeWrite, "event \(i)")
            #expect(e.isDirectory == directory, "event \(i)")
            #expect(e.result == .success)
            #expect(e.source == .eslogger)
            #expect(!e.pathTruncated)
            #expect(e.time == Self.t0 + 100 * Int64(i + 1), "event \(i)")
            #expect(e.process == (i == 0 ? Self.zsh() : Self.python()), "event \(i) process \(e.process)")
            guard case .endpointSecurity(let es) = e.detail else { Issue.record("detail \(e.detail)"); continue }
            let name = Self.names[i]
            #expect(es.event == name)
            #expect(es.version == Self.versions(file)[i], "event \(i)")
            #expect(es.globalSequence == UInt64(i + 1))
            #expect(es.sequence == seqByType[name, default: 0], "event \(i)")
            seqByType[name, default: 0] += 1
            #expect(es.childPID == (i == 0 ? 501 : nil))
            #expect(es.childPIDVersion == (i == 0 ? 11 : nil))
            #expect(es.exitStatus == (name == "exit" ? 256 : nil))
            #expect(es.cwd == (name == "exec" ? ByteString(Self.dir) : nil))
        }
    }

    @Test func theReleasesGiveTheSameEvents() throws {
        let all = try EsloggerFixtures.releases.map { file in
            esloggerRun(try EsloggerFixtures.bytes(file)).0.events.map { e -> Event in
                var e = e
                e.detail = .none  // versions differ
                return e
            }
        }
        for other in all.dropFirst() { #expect(other == all[0]) }
    }

    @Test func linesCutAnywhereGiveTheSameEvents() throws {
        let bytes = try EsloggerFixtures.bytes("macos26.jsonl")
        let whole = esloggerRun(bytes).0.events
        for chunk in [1, 7, 64, 1000, 4096] {
            let (r, s) = esloggerRun(bytes, chunk: chunk)
            #expect(r.events == whole, "chunks of \(chunk)")
            #expect(s.skippedLines == 0)
        }
    }

    @Test func specialNamesTruncationVersionsAndGaps() throws {
        let (r, stream) = esloggerRun(try EsloggerFixtures.bytes("special.jsonl"), name: "special.jsonl")
        let e = r.events
        try #require(e.count == 9)
        // A newline and a tab inside a name (JSON escapes) are the name's bytes.
        #expect(e[0].path == ByteString("\(Self.dir)/two\nlines\tname.txt"))
        // Bytes that are not UTF-8 pass through exactly.
        #expect(e[1].path == ByteString(Array("\(Self.dir)/bad".utf8) + [0xFF, 0xFE] + Array("name".utf8)))
        #expect(e[1].kind == .delete)
        // path_truncated is carried.
        #expect(e[2].pathTruncated)
        #expect(e[2].path == ByteString("/Volumes/deep/" + String(repeating: "d/", count: 20) + "partial"))
        #expect(e[2].closeAfterWrite == true)
        // \u00e9 and a surrogate pair, decoded to UTF-8.
        #expect(e[3].path == ByteString("\(Self.dir)/caf\u{e9}-\u{1F600}.txt"))
        // Versions 4, 5 and 11 are all decoded.
        #expect(e[4].path == ByteString("\(Self.dir)/v4.txt"))
        #expect(e[5].path == ByteString("\(Self.dir)/v5.txt"))
        #expect(e[6].path == ByteString("\(Self.dir)/v11.txt"))
        #expect(e[8].path == ByteString("\(Self.dir)/after-gap.txt"))
        // One warning for version 11 (not for 4 or 5, not twice), one loss report of 4 (9 → 13).
        let infos = r.notices.filter { if case .info = $0 { true } else { false } }
        #expect(infos.count == 1)
        #expect(infos.first?.message.contains("version 11") == true)
        #expect(r.losses == [.lost(count: 4, reason: "special.jsonl: Endpoint Security dropped messages (sequence gap up to global_seq_num 13)")])
        #expect(stream.lost == 4)
        #expect(r.damages.isEmpty)
    }
}
