// A program run by a source (eslogger): posix_spawn, no shell, its standard output and error read
// through pipes, standard input /dev/null, in a process group of its own (a terminal's ^C reaches
// filewatcher, which then ends the child itself, after reading what it printed), default signal
// handling and an empty signal mask. No descriptor of ours leaks into it: the pipes are made
// close-on-exec atomically (Linux pipe2, CShims) or the spawn closes every descriptor it is not given
// (Darwin's POSIX_SPAWN_CLOEXEC_DEFAULT).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CShims
import SystemPackage

final class ChildProcess {
    let pid: pid_t
    /// Read ends of the child's standard output and standard error (close-on-exec, ours to close).
    let stdout: Int32
    let stderr: Int32
    private var status: Int32?

    /// Starts `argv[0]` (a path: no `$PATH` search) with `argv`.
    init(argv: [String]) throws(SystemCallError) {
        let out = try Self.makePipe()
        let err: (read: Int32, write: Int32)
        do { err = try Self.makePipe() } catch {
            close(out.read); close(out.write)
            throw error
        }
        defer { close(out.write); close(err.write) }
        var result = Self.spawn(argv, stdout: out.write, stderr: err.write)
        // ETXTBSY: the program was just written, and another thread's child still holds the
        // writer's descriptor until it execs: try again shortly.
        var attempts = 0
        while case .failure(.textFileBusy) = result, attempts < 50 {
            attempts += 1
            usleep(20_000)
            result = Self.spawn(argv, stdout: out.write, stderr: err.write)
        }
        switch result {
        case .success(let pid):
            self.pid = pid
            self.stdout = out.read
            self.stderr = err.read
        case .failure(let e):
            close(out.read); close(err.read)
            throw SystemCallError("posix_spawn", e, object: argv[0])
        }
    }

    deinit {
        _ = Sys.close(stdout)
        _ = Sys.close(stderr)
        if status == nil {
            _ = Sys.kill(pid, SIGKILL)
            _ = Sys.waitpid(pid)
        }
    }

    /// Sends `signal` to the child (not when it has been reaped: its pid may be another's by then).
    func signal(_ signal: Int32) {
        guard status == nil else { return }
        _ = Sys.kill(pid, signal)
    }

    /// Reaps the child without blocking: its exit, when it has ended.
    func reapIfEnded() -> ChildExit? {
        if let status { return ChildExit(status: status) }
        var raw: Int32 = 0
        guard case .success(let r) = valueOrErrno({ Int32(waitpid(pid, &raw, WNOHANG)) }), r == pid else { return nil }
        status = raw
        return ChildExit(status: raw)
    }

    /// Waits for the child to end.
    func wait() -> ChildExit {
        if let status { return ChildExit(status: status) }
        let raw = (try? Sys.waitpid(pid).get("waitpid")) ?? 0
        status = raw
        return ChildExit(status: raw)
    }

    /// Runs `argv` to its end and returns what it printed (each stream up to `limit` bytes; the rest
    /// is read and dropped), or throws when it cannot be started. Gives up (killing it) after
    /// `timeoutMS` of silence.
    static func capture(_ argv: [String], limit: Int = 1 << 20, timeoutMS: Int32 = 10_000)
        throws(SystemCallError) -> (exit: ChildExit, stdout: [UInt8], stderr: [UInt8], timedOut: Bool) {
        let child = try ChildProcess(argv: argv)
        var out: [UInt8] = [], err: [UInt8] = []
        var open = [child.stdout: true, child.stderr: true]
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var timedOut = false
        while open.values.contains(true) {
            let fds = open.filter(\.value).map(\.key)
            let ready = pollReadable(fds, timeoutMS: timeoutMS)
            if ready.isEmpty { timedOut = true; child.signal(SIGKILL); break }
            for fd in ready {
                let n = (try? buffer.withUnsafeMutableBytes { Sys.read(fd, into: $0) }.get("read")) ?? 0
                if n <= 0 { open[fd] = false; continue }
                if fd == child.stdout {
                    if out.count < limit { out += buffer[0..<min(n, limit - out.count)] }
                } else if err.count < limit {
                    err += buffer[0..<min(n, limit - err.count)]
                }
            }
        }
        return (child.wait(), out, err, timedOut)
    }

    /// The descriptors of `fds` that are readable (or hung up) within `timeoutMS`; empty on timeout
    /// or when a signal came.
    static func pollReadable(_ fds: [Int32], timeoutMS: Int32) -> [Int32] {
        var set = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        guard case .success(let n) = valueOrErrno(retryOnInterrupt: false, { poll(&set, nfds_t(set.count), timeoutMS) }),
              n > 0 else { return [] }
        return set.filter { $0.revents != 0 }.map(\.fd)
    }

    private static func makePipe() throws(SystemCallError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard cshim_pipe_cloexec(&fds) == 0 else { throw SystemCallError("pipe", currentErrno()) }
        return (fds[0], fds[1])
    }

    private static func spawn(_ argv: [String], stdout: Int32, stderr: Int32) -> Result<pid_t, Errno> {
        Spawn.start(argv, redirections: [(stdout, 1), (stderr, 2)], stdinFromDevNull: true, ownProcessGroup: true)
    }
}

/// How a child ended.
struct ChildExit: Equatable, CustomStringConvertible {
    /// The raw wait status.
    let status: Int32
    /// WIFEXITED/WEXITSTATUS and WTERMSIG by hand (the macros are not imported).
    var exitCode: Int32? { status & 0x7F == 0 ? (status >> 8) & 0xFF : nil }
    var signal: Int32? { status & 0x7F == 0 ? nil : status & 0x7F }
    var succeeded: Bool { exitCode == 0 }

    var description: String {
        if let exitCode { return "exit status \(exitCode)" }
        return "signal \(signal ?? 0)"
    }
}
