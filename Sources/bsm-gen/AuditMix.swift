// The `--mix audit` records: what a macOS or FreeBSD /var/audit holds, for selection benchmarks.

import BSM

enum AuditMix {
    static let dirs = ["/Users/alice/Library/Caches/com.apple.Safari", "/Users/bob/Documents/Projects/src",
                       "/private/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T", "/usr/lib", "/private/tmp",
                       "/Library/Logs/DiagnosticReports", "/var/db/mds/messages"]
    static let names = ["Cache.db", "main.swift", "tmp.8Qk3Xz", "libSystem.B.dylib", "build.log", "report.ips", "x.lock"]
    /// File events other than unlink (open variants, close, rename, stat, chmod, mkdir).
    static let fileEvents: [UInt16] = [72, 76, 80, 77, 112, 42, 16, 10, 47]

    static func subject(_ i: Int) -> Token {
        let uid: UInt32 = [501, 0, 88, 502][(i / 7) % 4]
        return .subject32(Subject(auid: 501, euid: uid, egid: 20, ruid: uid, rgid: 20, pid: UInt32(300 + (i / 11) % 4000),
                                  sid: 100_004, port: 50_331_650, address: .v4(0)))
    }

    static func path(_ i: Int, users: Bool) -> Token {
        let dir = users ? dirs[(i / 3) % 2] : dirs[2 + (i / 3) % (dirs.count - 2)]
        return .path(BSMBytes(Array((dir + "/" + names[(i / 5) % names.count]).utf8) + [0]))
    }

    /// Record `i`: 100 ms after record `i - 1`.
    static func record(_ i: Int, start: UInt64) -> RecordBuilder {
        let seconds = start + UInt64(i / 10)
        let ms = UInt64(i % 10) * 100
        let failed = i % 97 == 0
        let ret = Token.return32(ReturnToken(status: failed ? 2 : 0, value: failed ? 0xffff_ffff : 0))
        let attr = Token.attr32(Attr(mode: 0o100644, uid: 501, gid: 20, fsid: 16_777_220, nodeid: UInt64(1_000_000 + i % 50_000), device: 0))
        func make(_ event: UInt16, _ tokens: [Token]) -> RecordBuilder {
            RecordBuilder(kind: .header32, event: event, seconds: seconds, milliseconds: ms, tokens: tokens)
        }
        switch i % 10 {
        case 0:  // unlink(2): half under /Users/
            return make(6, [path(i, users: (i / 10) % 2 == 0), attr, subject(i), ret])
        case 1, 2, 3, 4, 5:  // other file records
            let event = fileEvents[(i / 10) % fileEvents.count]
            var tokens: [Token] = [.arg32(Arg(number: 2, value: 0x201, text: "flags")), path(i, users: i % 3 == 0), attr]
            if event == 42 { tokens.append(path(i + 1, users: i % 3 == 0)) }
            return make(event, tokens + [subject(i), ret])
        case 6, 7:  // execve with arguments
            return make(23, [.execArgs(ExecStrings([Array("/usr/bin/clang".utf8), Array("-c".utf8), Array("x.c".utf8)])),
                             .path(BSMBytes(Array("/usr/bin/clang".utf8) + [0])), attr, subject(i), ret])
        case 8:  // fork(2)
            return make(2, [.arg32(Arg(number: 0, value: UInt64(5000 + i % 30000), text: "child PID")), subject(i), ret])
        default:  // a login or setuid with a text token
            return make(i % 20 == 9 ? 32800 : 200, [subject(i), .text(BSMBytes(Array("successful login alice".utf8) + [0])), ret])
        }
    }
}
