// Writes auditd logs as auditd does, for the `--follow` tests: line groups time-stamped now (a
// followed log's records are this machine's: an event without EOE is completed by the wall clock
// when the log idles), appended with O_APPEND, and auditd's rotation.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

public enum AuditLogWriter {
    /// `SECONDS.MILLIS:SERIAL` of now.
    public static func stamp(_ serial: Int) -> String {
        let ms = UInt64(Date().timeIntervalSince1970 * 1000)
        return "\(ms / 1000).\(String(format: "%03d", Int(ms % 1000))):\(serial)"
    }

    /// The records of one openat by `cat` (pid 10000+N) of `dir/fileN` (relative to CWD `dir`):
    /// SYSCALL, CWD, PATH, PROCTITLE, and EOE unless `eoe` is false.
    public static func lines(_ serial: Int, dir: String, eoe: Bool = true) -> [String] {
        let s = stamp(serial)
        var lines = [
            "type=SYSCALL msg=audit(\(s)): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 ppid=1 pid=\(10_000 + serial) auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)",
            "type=CWD msg=audit(\(s)): cwd=\"\(dir)\"",
            "type=PATH msg=audit(\(s)): item=0 name=\"file\(serial)\" inode=5 dev=fe:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL",
            "type=PROCTITLE msg=audit(\(s)): proctitle=636174",
        ]
        if eoe { lines.append("type=EOE msg=audit(\(s)): ") }
        return lines
    }

    /// Whole groups for `serials`, each line ended by a newline.
    public static func text(_ serials: some Sequence<Int>, dir: String) -> String {
        serials.map { lines($0, dir: dir).joined(separator: "\n") + "\n" }.joined()
    }

    /// Appends `text` in one write (O_APPEND, created 0600 when missing).
    public static func append(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        precondition(fd >= 0, "open \(path)")
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        precondition(n == bytes.count, "write \(path)")
        close(fd)
    }

    /// auditd's rotation (max_log_file_action = rotate): log.N-1 → log.N, …, log → log.1, then a
    /// new, empty log.
    public static func rotate(_ log: String, keep: Int = 3) {
        for n in stride(from: keep - 1, through: 1, by: -1) where access("\(log).\(n)", F_OK) == 0 {
            precondition(rename("\(log).\(n)", "\(log).\(n + 1)") == 0)
        }
        precondition(rename(log, "\(log).1") == 0)
        let fd = open(log, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        precondition(fd >= 0)
        close(fd)
    }
}
