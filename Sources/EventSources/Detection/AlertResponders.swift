// Responses to alerts: stop the offender (SIGSTOP), run a command with the alert as JSON on stdin.

import FileWatchCore
import Dispatch
import Synchronization
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `--stop-offenders`: sends SIGSTOP to the process behind an alert that asks for it (ransomware alerts, rules with
/// `stop: true`; every rule alert when `includeRules`), and says how to resume or end it. The process is the one
/// pinned at its first event (pid + start time), signalled through a pidfd: a name it gave itself since does not
/// save it, and a process that has taken its pid since is never touched. A process-tree alert (a script driving
/// short-lived programs) stops the script first, then its children, level by level. Never stops itself, its
/// ancestors, pid 1 or kernel threads.
public final class OffenderStopper: AlertResponder {
    public let includeRules: Bool
    private let pinner: ProcessPinner
    private let report: (String) -> Void
    private var stopped: Set<PinnedProcess> = []

    /// - Parameter report: one line for the user (the CLI writes it to stderr).
    public init(includeRules: Bool = false, pinner: ProcessPinner, report: @escaping (String) -> Void) {
        self.includeRules = includeRules
        self.pinner = pinner
        self.report = report
    }

    public func respond(to alert: inout Alert) {
        if !alert.stopsOffender, !includeRules { return }
        let pid = alert.process.pid
        guard let target = alert.offender ?? pinner.pin(pid: pid, at: alert.time) else {
            alert.responses.append("not stopped: pid \(pid) has exited (or its pid belongs to a later process)")
            return
        }
        guard !target.isProtected else {
            alert.responses.append("not stopped: pid \(pid) is protected (filewatcher itself, its parents, init or a kernel thread)")
            return
        }
        if stopped.contains(target), ProcessPinner.state(of: target.pid) == "T", !alert.offenderTree { return }
        var done: [PinnedProcess] = []
        switch pinner.signal(target, SIGSTOP) {
        case .success:
            done.append(target)
        case .failure(let failure):
            alert.responses.append("not stopped: \(target): \(failure)")
            report("filewatcher: could not stop \(target): \(failure)")
            return
        }
        if alert.offenderTree {
            // The script is stopped: it starts nothing more. Its children, then theirs (bounded).
            var level = [target]
            var seen = Set([target])
            for _ in 0..<16 where !level.isEmpty {
                var next: [PinnedProcess] = []
                for parent in level {
                    for child in pinner.children(of: parent) where seen.insert(child).inserted {
                        if case .success = pinner.signal(child, SIGSTOP) { done.append(child); next.append(child) }
                    }
                }
                level = next
            }
        }
        stopped.formUnion(done)
        alert.stopped = done.map { StoppedProcess(pid: $0.pid, name: $0.subject.name) }
        let pids = done.map { String($0.pid) }.joined(separator: " ")
        var line = "stopped \(target) with SIGSTOP"
        if done.count > 1 { line += ", and the \(done.count - 1) processes it runs (\(done.dropFirst().map { String($0.pid) }.joined(separator: " ")))" }
        line += "; resume: kill -CONT \(pids); end: kill -KILL \(pids)"
        alert.responses.append(line)
        report("filewatcher: \(line)")
    }
}

/// `--on-alert CMD`: runs CMD (argv, no shell) for every alert with the alert as one JSON object on stdin and the
/// child's stdout sent to filewatcher's stderr. At most `maxConcurrent` commands run at a time; up to `maxQueued`
/// more wait; beyond that alerts are not handed to the command (counted and reported). The monitor never waits
/// for a command: spawning, writing stdin and reaping happen on worker threads.
public final class AlertCommandRunner: AlertResponder, Sendable {
    public let argv: [String]
    public let maxConcurrent: Int
    public let maxQueued: Int
    private let encode: @Sendable (Alert) -> [UInt8]
    private let report: @Sendable (String) -> Void

    private struct State {
        var running = 0
        var queue: [[UInt8]] = []
        var started = 0
        var failed = 0
        var dropped = 0
    }
    private let state = Mutex(State())

    /// - Parameters:
    ///   - encode: the alert as JSON (one object, newline-terminated).
    ///   - report: a line for the user (stderr); called from worker threads.
    public init(argv: [String], maxConcurrent: Int = 4, maxQueued: Int = 64,
                encode: @escaping @Sendable (Alert) -> [UInt8], report: @escaping @Sendable (String) -> Void) {
        precondition(!argv.isEmpty)
        self.argv = argv
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxQueued = max(0, maxQueued)
        self.encode = encode
        self.report = report
        // Writing to a command that exited early must not kill the monitor.
        signal(SIGPIPE, SIG_IGN)
    }

    public func respond(to alert: inout Alert) {
        let payload = encode(alert)
        enum Action { case start, queued, dropped }
        let action: Action = state.withLock { s in
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
        }
    }

    private func worker(first: [UInt8]) {
        var next: [UInt8]? = first
        while let payload = next {
            runOnce(payload)
            next = state.withLock { s in
                if s.queue.isEmpty { s.running -= 1; return nil }
                return s.queue.removeFirst()
            }
        }
    }

    /// Statistics: commands started, failed (spawn error or non-zero exit), alerts dropped.
    public var counts: (started: Int, failed: Int, dropped: Int) {
        state.withLock { ($0.started, $0.failed, $0.dropped) }
    }

    public func finish() { finish(waitingUpTo: 10) }

    public var summaryLine: String? {
        let c = counts
        var l = "on-alert command: \(c.started) run"
        if c.failed > 0 { l += ", \(c.failed) failed" }
        if c.dropped > 0 { l += ", \(c.dropped) alerts not handed over (too many running)" }
        return l
    }

    /// Waits (up to `seconds`) for running and queued commands to finish. Returns true when all finished.
    @discardableResult
    public func finish(waitingUpTo seconds: Double = 10) -> Bool {
        var waited = 0.0
        while state.withLock({ $0.running > 0 }) {
            if waited >= seconds { return false }
            usleep(10_000)
            waited += 0.01
        }
        return true
    }

    private func runOnce(_ payload: [UInt8]) {
        state.withLock { $0.started += 1 }
        switch Self.spawn(argv: argv, stdin: payload) {
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
    /// empty signal mask; waits for it. Returns the exit status (negative: killed by that signal).
    static func spawn(argv: [String], stdin payload: [UInt8]) -> Result<Int32, SystemCallError> {
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

        // Feed stdin; a command that does not read it just gets EPIPE on our side.
        var off = 0
        payload.withUnsafeBytes { p in
            while off < p.count {
                guard case .success(let n) = Sys.write(writeEnd, UnsafeRawBufferPointer(rebasing: p[off...])) else { break }
                off += n
            }
        }
        close(writeEnd)
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

        #if os(Linux)
        var actions = posix_spawn_file_actions_t()
        var attr = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t? = nil
        var attr: posix_spawnattr_t? = nil
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, readEnd, 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cargs.append(nil)
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, cargs[0]!, &actions, &attr, cargs, environ)
        guard rc == 0 else { return .failure(SystemCallError("posix_spawnp", Errno(rawValue: rc), object: argv[0])) }
        return .success(pid)
    }
}

/// Serializes pipe creation and spawning (see `AlertCommandRunner.spawn`).
private let spawnLock = Mutex(())
