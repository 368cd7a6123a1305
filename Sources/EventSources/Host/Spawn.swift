#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// The one `posix_spawn` of every program filewatcher starts (eslogger, `--on-alert` commands):
/// the child gets an empty signal mask and default dispositions for the signals filewatcher handles
/// (a child must inherit neither a blocked nor an ignored SIGTERM), and only the descriptors given
/// by `redirections` (all of filewatcher's own are close-on-exec).
enum Spawn {
    /// Starts `argv` (`argv[0]` looked up in `$PATH` when `searchPath`). `redirections`: (from, to)
    /// pairs dup2'd in order; `stdinFromDevNull` opens /dev/null as descriptor 0 first;
    /// `ownProcessGroup` puts the child in a new process group.
    static func start(_ argv: [String], redirections: [(from: Int32, to: Int32)], stdinFromDevNull: Bool = false,
                      searchPath: Bool = false, ownProcessGroup: Bool = false) -> Result<pid_t, Errno> {
        #if os(Linux)
        var actions = posix_spawn_file_actions_t()
        var attr = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t? = nil
        var attr: posix_spawnattr_t? = nil
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdinFromDevNull { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        for r in redirections { posix_spawn_file_actions_adddup2(&actions, r.from, r.to) }
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attr, 0)
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
        }
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        posix_spawnattr_setflags(&attr, Int16(flags))

        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cargs.append(nil)
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = searchPath ? posix_spawnp(&pid, cargs[0]!, &actions, &attr, cargs, environ)
                            : posix_spawn(&pid, cargs[0]!, &actions, &attr, cargs, environ)
        return rc == 0 ? .success(pid) : .failure(Errno(rawValue: rc))
    }
}
