// auditd's logs are replayed by StreamReplaySource (files and standard input alike) with the
// decoder made here: FileWatchCore.AuditLogDecoder with this host's errno numbers.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FileWatchCore

public enum AuditLogReplay {
    /// The decoder every auditd log replay (and the live kernel audit source) uses.
    public static func makeDecoder(name: String, source: SourceKind = .auditLog) -> AuditLogDecoder {
        AuditLogDecoder(name: name, mapper: AuditEventMapper(source: source, hostErrno: linuxErrnoToHost))
    }
}

/// Linux errno → this host's errno: the same numbers on Linux; elsewhere by name where both have it.
public func linuxErrnoToHost(_ linux: Int32) -> Int32? {
    #if os(Linux)
    return linux
    #else
    return LinuxErrnoNames.host[linux]
    #endif
}

#if !os(Linux)
enum LinuxErrnoNames {
    /// Linux's numbers (asm-generic/errno-base.h, errno.h) for the names BSD and macOS share.
    static let host: [Int32: Int32] = [
        1: EPERM, 2: ENOENT, 3: ESRCH, 4: EINTR, 5: EIO, 6: ENXIO, 7: E2BIG, 8: ENOEXEC, 9: EBADF,
        10: ECHILD, 11: EAGAIN, 12: ENOMEM, 13: EACCES, 14: EFAULT, 16: EBUSY, 17: EEXIST, 18: EXDEV,
        19: ENODEV, 20: ENOTDIR, 21: EISDIR, 22: EINVAL, 23: ENFILE, 24: EMFILE, 25: ENOTTY, 26: ETXTBSY,
        27: EFBIG, 28: ENOSPC, 29: ESPIPE, 30: EROFS, 31: EMLINK, 32: EPIPE, 36: ENAMETOOLONG,
        38: ENOSYS, 39: ENOTEMPTY, 40: ELOOP, 95: EOPNOTSUPP, 110: ETIMEDOUT, 115: EINPROGRESS,
    ]
}
#endif
