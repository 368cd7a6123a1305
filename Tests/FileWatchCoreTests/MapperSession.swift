import BSM
import TestSupport

extension TrailFixture {
    /// A session: exec with args, later records of the same pid, open variants, rename, unlink,
    /// a failure, a symlink, mkdir/rmdir, chmod, stat, close, exit.
    /// (FileWatchCore mapper tests.)
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
