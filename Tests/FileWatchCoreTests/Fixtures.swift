import BSM
@testable import FileWatchCore

/// macOS-like records made with OUR encoder.
enum Fixture {
    static let t0: UInt64 = 1_700_000_000

    static func subject(pid: UInt32, uid: UInt32 = 501, euid: UInt32? = nil, auid: UInt32 = 501) -> Token {
        .subject32(Subject(auid: auid, euid: euid ?? uid, egid: 20, ruid: uid, rgid: 20, pid: pid, sid: 100,
                           port: 0, address: .v4(0)))
    }

    static func path(_ s: String) -> Token { .path(BSMBytes(Array(s.utf8) + [0])) }
    static func path(bytes: [UInt8]) -> Token { .path(BSMBytes(bytes + [0])) }
    static func text(_ s: String) -> Token { .text(BSMBytes(Array(s.utf8) + [0])) }
    static func ret(_ status: UInt8 = 0, _ value: UInt64 = 0) -> Token { .return32(ReturnToken(status: status, value: value)) }

    static func record(_ event: UInt16, seconds: UInt64 = t0, ms: UInt64 = 0, kind: HeaderKind = .header32,
                       _ tokens: [Token]) -> RecordBuilder {
        RecordBuilder(kind: kind, event: event, seconds: seconds, milliseconds: ms, tokens: tokens)
    }

    /// A trail: start file token, records, end file token.
    static func trail(_ records: [RecordBuilder]) -> [UInt8] {
        var out: [UInt8] = []
        Token.file(FileToken(seconds: UInt32(t0), milliseconds: 0, name: BSMBytes(Array("fixture".utf8) + [0])))
            .encode(into: &out)
        for r in records { r.encode(into: &out) }
        Token.file(FileToken(seconds: UInt32(t0) + 100, milliseconds: 0, name: BSMBytes(Array("fixture".utf8) + [0])))
            .encode(into: &out)
        return out
    }

    /// Decodes a trail and maps every record.
    static func events(_ bytes: [UInt8], mapper: BSMEventMapper = BSMEventMapper()) -> (events: [Event], damage: [Damage]) {
        var reader = RecordReader(bytes: bytes)
        var events: [Event] = []
        var damage: [Damage] = []
        var tokens: [Token] = []
        while let item = reader.next() {
            switch item {
            case .record(let r):
                guard r.kind == .record else { continue }
                try! r.decodeTokens(into: &tokens)
                if let e = mapper.map(tokens) { events.append(e) }
            case .damage(let d):
                damage.append(d)
            }
        }
        return (events, damage)
    }

    /// A session: exec with args, later records of the same pid, open variants, rename, unlink,
    /// a failure, a symlink, mkdir/rmdir, chmod, stat, close, exit.
    static var session: [RecordBuilder] {
        [
            record(23, [.execArgs(ExecStrings([Array("vim".utf8), Array("notes.txt".utf8)])),
                        path("/usr/bin/vim"), subject(pid: 4242), ret()]),
            record(72, ms: 5, [subject(pid: 4242), path("/Users/a/notes.txt"), ret()]),
            record(79, ms: 6, [subject(pid: 4242), path("/Users/a/.notes.txt.swp"), ret()]),
            record(42, ms: 7, [subject(pid: 4242), path("/Users/a/.notes.txt.swp"), path("/Users/a/notes.txt"), ret()]),
            record(6, ms: 8, [subject(pid: 4242), path("/Users/a/old.txt"), ret(2, 0xffff_ffff)]),
            record(281, ms: 9, [subject(pid: 4242), path("/Users/a/new.txt"), ret()]),
            record(21, ms: 10, [subject(pid: 4242), text("target.txt"), path("/Users/a/link"), ret()]),
            record(47, ms: 11, [subject(pid: 4242), path("/Users/a/dir"), ret()]),
            record(48, ms: 12, [subject(pid: 4242), path("/Users/a/dir"), ret()]),
            record(10, ms: 13, [subject(pid: 4242), path("/Users/a/notes.txt"), ret()]),
            record(16, ms: 14, [subject(pid: 4242), path("/etc/hosts"), ret()]),
            record(112, ms: 15, [subject(pid: 4242), path("/Users/a/notes.txt"), ret()]),
            record(1, ms: 16, [.exit(ExitToken(status: 0, ret: 0)), subject(pid: 4242), ret()]),
        ]
    }
}
