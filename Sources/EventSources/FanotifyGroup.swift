#if os(Linux)
import Glibc
import CShims

/// Why the fanotify source cannot start: one clear sentence each.
public enum FanotifyError: Error, CustomStringConvertible, Sendable {
    case notPermitted
    case unsupported
    case noWatchableFilesystem
    case syscall(LinuxSyscallError)

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
    init(reporting: FanotifyReporting, flags: FanotifyInitFlags) throws(LinuxSyscallError) {
        self.reporting = reporting
        self.initFlags = flags
        let eventFlags = UInt32(O_RDONLY | O_CLOEXEC)  // O_LARGEFILE is implied on 64-bit kernels
        fd = try Sys.fanotifyInit(flags: flags.rawValue, eventFlags: eventFlags).get("fanotify_init")
    }

    deinit { _ = Sys.close(fd) }

    /// fanotify_mark(2) on `path`.
    func mark(_ flags: FanotifyMarkFlags, mask: FanotifyMask, path: String) throws(LinuxSyscallError) {
        try path.withCString { Sys.fanotifyMark(fd, flags: flags.rawValue, mask: mask.rawValue, path: $0) }
            .get("fanotify_mark", object: path)
    }

    /// Reads as many queued events as fit into `buffer`; 0 when none are queued (non-blocking group).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LinuxSyscallError) -> Int {
        switch Sys.read(fd, into: buffer) {
        case .success(let n): return n
        case .failure(.wouldBlock): return 0
        case .failure(let errno): throw LinuxSyscallError("read", errno, object: "fanotify group")
        }
    }
}

/// The content of a file that was just written and closed, read through the fanotify event's own
/// descriptor: it refers to the very file that was closed even if it has since been renamed or
/// deleted. Valid only during the `contentInspector` call.
public struct FanotifyFileContent {
    /// The open, read-only descriptor (owned by the source: do not close it).
    public let fd: Int32

    /// Up to `maxBytes` from the start of the file (fewer when it is shorter); nil on a read error.
    public func prefix(_ maxBytes: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: maxBytes)
        var total = 0
        let ok = out.withUnsafeMutableBytes { buffer -> Bool in
            while total < maxBytes {
                switch Sys.pread(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...]), at: Int64(total)) {
                case .success(0): return true
                case .success(let n): total += n
                case .failure: return false
                }
            }
            return true
        }
        guard ok else { return nil }
        out.removeLast(maxBytes - total)
        return out
    }

    /// The file's size in bytes (fstat), nil on error.
    public var size: Int64? {
        var st = stat()
        return fstat(fd, &st) == 0 ? Int64(st.st_size) : nil
    }
}
#endif
