// SIGINT / SIGTERM / SIGHUP → StopToken, SIGHUP → reopen output files, and `--seconds`.
//
// Signals are taken with sigwait(2) on a thread of their own, never by a handler: the CLI blocks
// them first thing in `main` (`blockStopSignals`), before any other thread exists, so every
// thread inherits the block and a signal that comes at any moment after that stays pending until
// the waiter takes it. (Dispatch signal sources registered later left a window in which the
// first SIGTERM was taken and lost: a run waiting for a FIFO writer then never ended.)

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import FileWatchCore
import Synchronization

/// A C signal handler (`__sighandler_t`, `sig_t`).
typealias SignalHandler = @convention(c) (Int32) -> Void

/// The signals a run reacts to.
public let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

/// Blocks `signals` in the calling thread and so in every thread it creates from then on. The CLI
/// calls it first thing in `main`; a `SignalWaiter` then takes them.
public func blockStopSignals(_ signals: [Int32] = stopSignals) {
    var set = signalSet(signals)
    _ = pthread_sigmask(SIG_BLOCK, &set, nil)
}

private func signalSet(_ signals: [Int32]) -> sigset_t {
    var set = sigset_t()
    sigemptyset(&set)
    for s in signals { sigaddset(&set, s) }
    return set
}

/// Takes `signals` with sigwait(2) on a thread of its own and calls `handler` for each, until
/// `cancel`. The signals are blocked in the creating thread (and in threads it creates later) and
/// in the waiting thread; `cancel` unblocks them in the calling thread again, so a signal after
/// the run acts as it would without filewatcher.
public final class SignalWaiter: Sendable {
    /// The waiting thread (written once before `started` is signalled) and the cancel flag.
    private final class ThreadBox: @unchecked Sendable {
        var thread: pthread_t?
        let cancelled = Atomic<Bool>(false)
    }

    private let signals: [Int32]
    private let started = DispatchSemaphore(value: 0)
    private let ended = DispatchSemaphore(value: 0)
    private let box = ThreadBox()

    public init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        blockStopSignals(signals)
        let started = self.started, ended = self.ended, box = self.box
        DispatchQueue(label: "filewatcher.signals").async {
            // This (pooled) thread may predate the block: block here too while waiting.
            var set = signalSet(signals)
            var previous = sigset_t()
            _ = pthread_sigmask(SIG_BLOCK, &set, &previous)
            box.thread = pthread_self()
            started.signal()
            while true {
                var sig: Int32 = 0
                let rc = sigwait(&set, &sig)
                if box.cancelled.load(ordering: .acquiring) { break }
                if rc == 0 { handler(sig) }
            }
            _ = pthread_sigmask(SIG_SETMASK, &previous, nil)
            ended.signal()
        }
    }

    /// Stops waiting (a signal of the set, sent to the waiting thread alone, wakes it) and
    /// unblocks the signals in the calling thread. Idempotent.
    public func cancel() {
        guard !box.cancelled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        started.wait()
        if let first = signals.first, let thread = box.thread {
            _ = pthread_kill(thread, first)
            _ = ended.wait(timeout: .now() + 2)
        }
        var set = signalSet(signals)
        _ = pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    deinit { cancel() }
}

/// SIGINT / SIGTERM (and SIGHUP) → `StopToken.stop()`; a second signal exits at once (status 130).
/// SIGPIPE is ignored from then on (not restored), so a closed output pipe is reported as a write
/// error (EPIPE) instead of killing the process.
public final class SignalStopper: Sendable {
    private let waiter: SignalWaiter

    public init(stop: StopToken, signals: [Int32] = stopSignals) {
        signal(SIGPIPE, SIG_IGN)
        waiter = SignalWaiter(signals: signals) { _ in
            if stop.isStopped { _exit(130) }
            stop.stop()
        }
    }

    /// Stops listening: a signal after the run acts as it would without filewatcher.
    public func cancel() { waiter.cancel() }
}

/// A watch session's signals: SIGINT and SIGTERM stop it; SIGHUP reopens its `-o`/`-d` files
/// (log rotation) when it writes any, and otherwise (a terminal's hangup) stops it too.
public final class SessionSignals {
    private let waiter: SignalWaiter

    public init(_ session: WatchSession) {
        signal(SIGPIPE, SIG_IGN)
        let files = session.writesToFiles
        let stop = session.stopToken
        waiter = SignalWaiter(signals: stopSignals) { sig in
            if sig == SIGHUP && files {
                session.reopenOutputs()
                return
            }
            if stop.isStopped { _exit(130) }
            stop.stop()
        }
    }

    public func cancel() { waiter.cancel() }
}

/// Stops `stop` after `seconds` (`--seconds`).
public func stopAfter(seconds: Double, _ stop: StopToken) {
    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { stop.stop() }
}
