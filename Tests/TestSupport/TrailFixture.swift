// The one BSM trail builder for tests: tokens, records and trails made with filewatcher's own encoder.

import BSM
import FileWatchCore

/// Records and trails for tests. Times start at `t0` (2023-11-14 22:13:20 UTC).
public enum TrailFixture {
    public static let t0: UInt64 = 1_700_000_000

    // MARK: Tokens

    /// subject32 of `pid`: real and effective uid `uid` (effective `euid` when given), audit uid
    /// `auid` (default: `uid`), group `gid`.
    public static func subject(pid: UInt32, uid: UInt32 = 501, euid: UInt32? = nil, gid: UInt32 = 20,
                               auid: UInt32? = nil, session: UInt32 = 100) -> Token {
        .subject32(Subject(auid: auid ?? uid, euid: euid ?? uid, egid: gid, ruid: uid, rgid: gid, pid: pid, sid: session,
                           port: 0, address: .v4(0)))
    }

    /// A path token (NUL-terminated as on the wire).
    public static func path(_ s: String) -> Token { .path(BSMBytes(Array(s.utf8) + [0])) }
    public static func path(bytes: [UInt8]) -> Token { .path(BSMBytes(bytes + [0])) }
    public static func text(_ s: String) -> Token { .text(BSMBytes(Array(s.utf8) + [0])) }
    /// exec arguments.
    public static func arguments(_ args: [String]) -> Token { .execArgs(ExecStrings(args.map { Array($0.utf8) })) }
    /// return32: success (`status` 0) with `value`.
    public static func ret(_ status: UInt8 = 0, _ value: UInt64 = 0) -> Token {
        .return32(ReturnToken(status: status, value: value))
    }
    /// return32 of a failure with BSM errno `bsmErrno` (2 = ENOENT) and the value -1.
    public static func failure(_ bsmErrno: UInt8) -> Token { .return32(ReturnToken(status: bsmErrno, value: 0xffff_ffff)) }

    // MARK: Records and trails

    /// One record of event `event` at `seconds` + `ms`.
    public static func record(_ event: UInt16, seconds: UInt64 = t0, ms: UInt64 = 0, kind: HeaderKind = .header32,
                              _ tokens: [Token]) -> RecordBuilder {
        RecordBuilder(kind: kind, event: event, seconds: seconds, milliseconds: ms, tokens: tokens)
    }

    /// A `file` token (trail start or end).
    public static func fileToken(seconds: UInt64 = t0, name: String = "fixture") -> [UInt8] {
        Token.file(FileToken(seconds: UInt32(truncatingIfNeeded: seconds), milliseconds: 0, name: BSMBytes(Array(name.utf8) + [0])))
            .encoded
    }

    /// The records' bytes, one after the other (no file tokens: a stream, as the auditpipe gives).
    public static func bytes(_ records: [RecordBuilder]) -> [UInt8] {
        var out: [UInt8] = []
        for r in records { r.encode(into: &out) }
        return out
    }

    /// A trail: a starting file token, the records, a closing file token (as auditd writes them).
    public static func trail(_ records: [RecordBuilder], name: String = "fixture") -> [UInt8] {
        fileToken(seconds: t0, name: name) + bytes(records) + fileToken(seconds: t0 + 100, name: name)
    }

    /// Decodes a trail and maps every record (no host: BSM errno numbers stay as they are).
    public static func events(_ bytes: [UInt8], mapper: BSMEventMapper = BSMEventMapper()) -> (events: [Event], damage: [Damage]) {
        var reader = RecordReader(bytes: bytes)
        var events: [Event] = []
        var damage: [Damage] = []
        var tokens: [Token] = []
        while let item = reader.next() {
            switch item {
            case .record(let r):
                guard r.kind == .record else { continue }
                do { try r.decodeTokens(into: &tokens) } catch { continue }
                if let e = mapper.map(tokens) { events.append(e) }
            case .damage(let d):
                damage.append(d)
            }
        }
        return (events, damage)
    }

    // MARK: Ready-made sessions

    /// A Linux-shaped editing session of pid 10 (root) and one open by pid 20 (uid 65534), one
    /// second apart from t0: exec vim, open, write-open, rename, failed unlink, stat, a stranger's
    /// open of /etc/passwd. (7 records; 6 are basic kinds.)
    public static let editing: [RecordBuilder] = {
        let t = t0
        let s = subject(pid: 10, uid: 0, gid: 0, session: 1)
        return [
            record(23, seconds: t, [arguments(["vim", "notes"]), path("/usr/bin/vim"), s, ret()]),
            record(72, seconds: t + 1, [s, path("/home/a/notes"), ret()]),
            record(77, seconds: t + 2, [s, path("/home/a/.notes.swp"), ret()]),
            record(42, seconds: t + 3, [s, path("/home/a/.notes.swp"), path("/home/a/notes"), ret()]),
            record(6, seconds: t + 4, [s, path("/home/a/gone"), failure(2)]),
            record(16, seconds: t + 5, [s, path("/etc/hosts"), ret()]),
            record(72, seconds: t + 6, [subject(pid: 20, uid: 65534, gid: 0, session: 1), path("/etc/passwd"), ret()]),
        ]
    }()

    /// macOS-shaped records: exec of an app with Apple's identity token, then an open, a close, a
    /// rename, a failed unlink and an open of /etc/hosts by the same pid.
    public enum Mac {
        public static let pid: UInt32 = 4242
        public static func subject() -> Token { TrailFixture.subject(pid: pid, uid: 501, session: 100001) }
        public static let identity = Token.identity(Identity(
            signerType: 1, signingID: "com.example.editor\0", signingIDTruncated: 0, teamID: "TEAM123456\0",
            teamIDTruncated: 0, cdHash: BSMBytes((0..<20).map { UInt8($0 * 7 & 0xff) })))
        public static func attr() -> Token { .attr32(Attr(mode: 0o100644, uid: 501, gid: 20, fsid: 16777220, nodeid: 123456, device: 0)) }
        public static func ok() -> Token { .return32(ReturnToken(status: 0, value: 3)) }
        public static let executable = "/Applications/Editor.app/Contents/MacOS/Editor"

        public static func record(_ event: UInt16, second: UInt64, _ body: [Token]) -> [UInt8] {
            RecordBuilder(event: event, seconds: t0 + second, milliseconds: 250, tokens: body).bytes
        }

        /// One pass: 6 records on `/Users/me/<name>.txt`.
        public static func session(second: UInt64 = 0, name: String = "report") -> [UInt8] {
            var out: [UInt8] = []
            out += record(23, second: second, [   // AUE_EXECVE
                .execArgs(ExecStrings([Array(executable.utf8), Array("--open".utf8)])),
                .path(BSMBytes(executable)), attr(), subject(), identity, ok()])
            out += record(81, second: second, [   // AUE_OPEN_RWC
                .arg32(Arg(number: 2, value: 0x602, text: "flags")), .path(BSMBytes("/Users/me/\(name).txt")), attr(), subject(), identity, ok()])
            out += record(112, second: second, [  // AUE_CLOSE
                .arg32(Arg(number: 1, value: 3, text: "fd")), .path(BSMBytes("/Users/me/\(name).txt")), attr(), subject(), identity, ok()])
            out += record(42, second: second, [   // AUE_RENAME
                .path(BSMBytes("/Users/me/\(name).txt")), attr(), .path(BSMBytes("/Users/me/\(name).locked")), subject(), identity, ok()])
            out += record(6, second: second, [    // AUE_UNLINK, failed with ENOENT
                .path(BSMBytes("/Users/me/\(name).gone")), subject(), identity, .return32(ReturnToken(status: 2, value: UInt64(UInt32.max)))])
            out += record(72, second: second, [   // AUE_OPEN_R
                .arg32(Arg(number: 2, value: 0, text: "flags")), .path("/etc/hosts"), attr(), subject(), identity, ok()])
            return out
        }

        /// `sessions` passes between file tokens (6 records each, on doc0, doc1, …).
        public static func trail(sessions: Int) -> [UInt8] {
            var out = Token.file(FileToken(seconds: UInt32(t0), milliseconds: 0, name: "20231114221320.not_terminated\0")).encoded
            for i in 0..<sessions { out += session(second: UInt64(i), name: "doc\(i)") }
            out += Token.file(FileToken(seconds: UInt32(t0) + 100, milliseconds: 0, name: "20231114222320.20231114222320\0")).encoded
            return out
        }
    }
}
