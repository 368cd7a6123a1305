// `--on-alert CMD`: runs CMD (argv, no shell) for every alert with the alert as one JSON object on stdin.
//
// At most `maxConcurrent` commands run at a time; up to `maxQueued` more wait; beyond that alerts are not handed to
// the command (counted and reported). The monitor never waits for a command: spawning, writing stdin and reaping
// happen on worker threads. At the end of the run (issue 18) the queue is worked off for a bounded time; then what
// is still queued is counted as not run, and commands still running are ended (SIGTERM, then SIGKILL) through the
// pidfd opened when each was started — never by a pid that may belong to someone else by then — and the summary
// says so, with their pids.

import FileWatchCore
import Dispatch
import Synchronization
import SystemPackage
#if os(Linux)
import CShims
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public final class AlertCommandRunner: AlertResponder, Sendable {
    public let argv: [String]
    public let maxConcurrent: Int
    public let maxQueued: Int
    /// How long the end of the run waits for commands before ending them (10 s).
    public let exitWait: Double
    private let encode: @Sendable (Alert) -> [UInt8]
    private let report: @Sendable (String) -> Void

    private struct State {
        var running = 0
        var queue: [[UInt8]] = []
        var started = 0
        var failed = 0
        var dropped = 0
        /// Commands running now: pid → pidfd (-1 where there is none).
        var children: [Int32: Int32] = [:]
        /// The run is ending: queued alerts are no longer started.
        var closing = false
        var notRunAtExit = 0
        var endedAtExit: [Int32] = []
    }
    private let state = Mutex(State())

    /// - Parameters:
    ///   - encode: the alert as JSON (one object, newline-terminated).
    ///   - report: a line for the user (stderr); called from worker threads.
    public init(argv: [String], maxConcurrent: Int = 4, maxQueued: Int = 64, exitWait: Double = 10,
                encode: @escaping @Sendable (Alert) -> [UInt8], report: @escaping @Sendable (String) -> Void) {
        precondition(!argv.isEmpty)
        self.argv = argv
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxQueued = max(0, maxQueued)
        self.exitWait = max(0, exitWait)
        self.encode = encode
        self.report = report
        // Writing to a command that exited early must not kill the monitor.
        signal(SIGPIPE, SIG_IGN)
    }

    public func respond(to alert: inout Alert) {
        let payload = encode(alert)
        enum Action { case start, queued, dropped, closing }
        let action: Action = state.withLock { s in
            if s.closing { s.notRunAtExit += 1; return .closing }
            if s.running < maxConcurrent { s.running += 1; return .start }
            if s.queue.count < maxQueued { s.queue.append(payload); return .queued }
            s.dropped += 1
            return .dropped
        }
        switch action {
        case .start:
            DispatchQueue.global().async { [self] in worker(first: payload) }
            alert.responses.append("on-alert command started")
        case .queued:
            alert.responses.append("on-alert command queued")
        case .dropped:
            alert.responses.append("on-alert command skipped: too many running")
            report("filewatcher: --on-alert: \(maxConcurrent) commands running and \(maxQueued) waiting; this alert was not handed to the command")
        case .closing:
            alert.responses.append("on-alert command not run: filewatcher is exiting")
        }
    }

    private func worker(first: [UInt8]) {
        var next: [UInt8]? = first
        while let payload = next {
            runOnce(payload)
            next = state.withLock { s in
                if s.queue.isEmpty || s.closing { s.running -= 1; return nil }
                return s.queue.removeFirst()
            }
        }
    }

    /// Statistics: commands started, failed (spawn error or non-zero exit), alerts dropped (too many running).
    public var counts: (started: Int, failed: Int, dropped: Int) {
        state.withLock { ($0.started, $0.failed, $0.dropped) }
    }

    /// At exit: queued alerts never handed to the command, and the pids of commands ended because they still ran.
    public var exitCounts: (notRun: Int, ended: [Int32]) { state.withLock { ($0.notRunAtExit, $0.endedAtExit) } }

    public func finish() { finish(waitingUpTo: exitWait) }

    public var summaryLine: String? {
        let c = counts, e = exitCounts
        var l = "on-alert command: \(c.started) run"
        if c.failed > 0 { l += ", \(c.failed) failed" }
        if c.dropped > 0 { l += ", \(c.dropped) alerts not handed over (too many running)" }
        if e.notRun > 0 { l += ", \(e.notRun) queued alert\(e.notRun == 1 ? "" : "s") not handed over at exit" }
        if !e.ended.isEmpty {
            l += ", \(e.ended.count) still running after \(Self.seconds(exitWait)) ended at exit (pid \(e.ended.map(String.init).joined(separator: ", ")))"
        }
        return l
    }

    private static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }

    /// The end of the run: works off the queue for up to `seconds`, then counts what is still queued as not run and
    /// ends the commands still running (SIGTERM, and SIGKILL a second later). Returns true when nothing had to be
    /// ended or dropped.
    @discardableResult
    public func finish(waitingUpTo seconds: Double) -> Bool {
        if waitWhileRunning(seconds) { state.withLock { $0.closing = true }; return true }
        let ended: [Int32] = state.withLock { s in
            s.closing = true
            s.notRunAtExit += s.queue.count
            s.queue.removeAll()
            s.endedAtExit = s.children.keys.sorted()
            return s.endedAtExit
        }
        guard !ended.isEmpty else { return waitWhileRunning(1) && false }
        signalChildren(SIGTERM)
        if !waitWhileRunning(1) { signalChildren(SIGKILL); _ = waitWhileRunning(1) }
        report("filewatcher: --on-alert \(argv[0]): ended at exit after \(Self.seconds(seconds)): pid \(ended.map(String.init).joined(separator: ", "))")
        return false
    }

    private func waitWhileRunning(_ seconds: Double) -> Bool {
        var waited = 0.0
        while state.withLock({ $0.running > 0 }) {
            if waited >= seconds { return false }
            usleep(10_000)
            waited += 0.01
        }
        return true
    }

    /// Signals the commands still running, each through its pidfd (Linux), or by pid before it is reaped.
    private func signalChildren(_ sig: Int32) {
        state.withLock { s in
            for (pid, pidfd) in s.children {
                #if os(Linux)
                if pidfd >= 0 { _ = nothingOrErrno { fw_pidfd_send_signal(pidfd, sig) }; continue }
                #endif
                _ = Sys.kill(pid, sig)
            }
        }
    }

    private func runOnce(_ payload: [UInt8]) {
        state.withLock { $0.started += 1 }
        let result = Self.spawn(argv: argv, stdin: payload, started: { pid in
            // The child is not reaped before `finished` runs: its pid (and the pidfd) are its own until then.
            var pidfd: Int32 = -1
            #if os(Linux)
            if case .success(let fd) = valueOrErrno({ fw_pidfd_open(pid, 0) }) { pidfd = fd }
            #endif
            state.withLock { $0.children[pid] = pidfd }
        }, finished: { pid in
            let fd = state.withLock { $0.children.removeValue(forKey: pid) }
            if let fd, fd >= 0 { _ = Sys.close(fd) }
        })
        switch result {
        case .failure(let error):
            state.withLock { $0.failed += 1 }
            report("filewatcher: --on-alert \(argv[0]): \(error)")
        case .success(let status):
            if status != 0 {
                state.withLock { $0.failed += 1 }
                report("filewatcher: --on-alert \(argv[0]) \(status > 0 ? "exited with status \(status)" : "killed by signal \(-status)")")
            }
        }
    }

    /// posix_spawnp `argv` with `stdin` fed through a pipe, stdout → our stderr, default signal handling and an
    /// empty signal mask; waits for it. `started` gets the pid at once, `finished` before it is reaped. Returns the
    /// exit status (negative: killed by that signal).
    static func spawn(argv: [String], stdin payload: [UInt8], started: (Int32) -> Void = { _ in },
                      finished: (Int32) -> Void = { _ in }) -> Result<Int32, SystemCallError> {
        // pipe + FD_CLOEXEC + spawn under one lock: a concurrent spawn on another worker must not inherit this
        // pipe's write end (its child would then never see end of input).
        let spawned: Result<(pid_t, Int32), SystemCallError> = spawnLock.withLock { _ in
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { return .failure(SystemCallError("pipe", Errno(rawValue: errno))) }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            let result = spawnChild(argv: argv, stdinFrom: fds[0])
            close(fds[0])
            switch result {
            case .success(let pid): return .success((pid, fds[1]))
            case .failure(let e): close(fds[1]); return .failure(e)
            }
        }
        let pid: pid_t, writeEnd: Int32
        switch spawned {
        case .failure(let e): return .failure(e)
        case .success(let r): (pid, writeEnd) = r
        }
        started(pid)

        // Feed stdin; a command that does not read it just gets EPIPE on our side.
        var off = 0
        payload.withUnsafeBytes { p in
            while off < p.count {
                guard case .success(let n) = Sys.write(writeEnd, UnsafeRawBufferPointer(rebasing: p[off...])) else { break }
                off += n
            }
        }
        close(writeEnd)
        // Wait for the exit without reaping (WNOWAIT): the pid stays the child's until `finished` forgot it.
        var info = siginfo_t()
        _ = nothingOrErrno { waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) }
        finished(pid)
        let status: Int32
        switch Sys.waitpid(pid) {
        case .success(let s): status = s
        case .failure(let e): return .failure(SystemCallError("waitpid", e))
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG by hand (macros are not imported).
        let sig = status & 0x7F
        return .success(sig == 0 ? (status >> 8) & 0xFF : -sig)
    }

    private static func spawnChild(argv: [String], stdinFrom readEnd: Int32) -> Result<pid_t, SystemCallError> {
        Spawn.start(argv, redirections: [(readEnd, 0), (2, 1)], searchPath: true)
            .mapError { SystemCallError("posix_spawnp", $0, object: argv[0]) }
    }
}

/// Serializes pipe creation and spawning (see `AlertCommandRunner.spawn`).
private let spawnLock = Mutex(())

/// Finds the program of `--on-alert CMD` the way posix_spawnp will (issue 17: a program that is missing or not
/// executable is refused at start, not discovered at the first alert).
public enum CommandLookup {
    /// The path of `program`: itself when it holds a '/', else the first match in `$PATH`. The error says why not.
    public static func executable(_ program: String, searchPath: String? = environmentValue("PATH")) -> Result<String, CommandLookupError> {
        if program.contains("/") { return check(program).map { program } }
        let dirs = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "." : String($0) }
        var firstProblem: CommandLookupError?
        for dir in dirs {
            let candidate = dir + "/" + program
            switch check(candidate) {
            case .success: return .success(candidate)
            case .failure(.missing): continue
            case .failure(let e): if firstProblem == nil { firstProblem = e }
            }
        }
        return .failure(firstProblem ?? .notInPath(program))
    }

    private static func check(_ path: String) -> Result<Void, CommandLookupError> {
        var st = stat()
        guard stat(path, &st) == 0 else { return .failure(.missing(path)) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .failure(.notAFile(path)) }
        guard access(path, X_OK) == 0 else { return .failure(.notExecutable(path)) }
        return .success(())
    }
}

public enum CommandLookupError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case notInPath(String)
    case notAFile(String)
    case notExecutable(String)

    public var description: String {
        switch self {
        case .missing(let p): "\(p): no such file"
        case .notInPath(let p): "\(p): no such program in PATH"
        case .notAFile(let p): "\(p): not a regular file"
        case .notExecutable(let p): "\(p): not executable"
        }
    }
}
