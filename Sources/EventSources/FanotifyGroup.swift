#if os(Linux)
import Glibc
import CShims

/// Why the fanotify source cannot start: one clear sentence each.
public enum FanotifyError: Error, CustomStringConvertible, Sendable {
    case notPermitted
    case unsupported
    case noWatchableFilesystem
    case syscall(SystemCallError)

    public var description: String {
        switch self {
        case .notPermitted:
            return "watching live needs root: fanotify requires CAP_SYS_ADMIN (run it with sudo, or replay a trail with --read FILE)"
        case .unsupported:
            return "this kernel has no fanotify (CONFIG_FANOTIFY), so there is nothing to watch live"
        case .noWatchableFilesystem:
            return "no filesystem could be watched (every mark was refused; see the notes above)"
        case .syscall(let error):
            return "fanotify: \(error)"
        }
    }
}

/// One fanotify notification group: an fd to read events from, and the marks on it.
final class FanotifyGroup {
    let fd: Int32
    let reporting: FanotifyReporting
    let initFlags: FanotifyInitFlags
    /// The mask marked on watched filesystems (for the debug log).
    var mask: FanotifyMask = []

    /// fanotify_init(2). Event descriptors (fd mode) are opened read-only and close-on-exec.
    init(reporting: FanotifyReporting, flags: FanotifyInitFlags) throws(SystemCallError) {
        self.reporting = reporting
        self.initFlags = flags
        let eventFlags = UInt32(O_RDONLY | O_CLOEXEC)  // O_LARGEFILE is implied on 64-bit kernels
        fd = try Sys.fanotifyInit(flags: flags.rawValue, eventFlags: eventFlags).get("fanotify_init")
    }

    deinit { _ = Sys.close(fd) }

    /// fanotify_mark(2) on `path`.
    func mark(_ flags: FanotifyMarkFlags, mask: FanotifyMask, path: String) throws(SystemCallError) {
        try path.withCString { Sys.fanotifyMark(fd, flags: flags.rawValue, mask: mask.rawValue, path: $0) }
            .get("fanotify_mark", object: path)
    }
}
#endif
