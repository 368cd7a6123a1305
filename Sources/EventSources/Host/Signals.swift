// SIGINT / SIGTERM / SIGHUP → StopToken, SIGHUP → reopen output files (SignalAction), and `--seconds`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import FileWatchCore

/// A C signal handler (`__sighandler_t`, `sig_t`).
typealias SignalHandler = @convention(c) (Int32) -> Void

/// SIGINT / SIGTERM (and SIGHUP) → `StopToken.stop()`; a second signal exits at once (status 130).
/// SIGPIPE is ignored from then on (not restored), so a closed output pipe is reported as a write
/// error (EPIPE) instead of killing the process.
public final class SignalStopper: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private var previous: [(signal: Int32, handler: SignalHandler?)] = []
    private let queue = DispatchQueue(label: "filewatcher.signals")

    public init(stop: StopToken, signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
        signal(SIGPIPE, SIG_IGN)
        for sig in signals {
            // The dispatch source sees the signal only while its default action is off.
            previous.append((sig, signal(sig, SIG_IGN)))
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if stop.isStopped { _exit(130) }
                stop.stop()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops listening and gives each signal back the disposition it had before (the default,
    /// for the CLI): a signal after the run acts as it would without filewatcher.
    public func cancel() {
        for s in sources { s.cancel() }
        sources.removeAll()
        for (sig, handler) in previous.reversed() { signal(sig, handler) }
        previous.removeAll()
    }

    deinit { cancel() }
}

/// Runs `action` (on a queue of its own, not in a signal handler) each time `signal` arrives, until
/// `cancel`, which gives the signal back its previous disposition. SIGHUP → reopen the output files.
public final class SignalAction: @unchecked Sendable {
    private var source: DispatchSourceSignal?
    private var previous: SignalHandler?
    private let sig: Int32

    public init(_ sig: Int32, queue: DispatchQueue = DispatchQueue(label: "filewatcher.signal-action"),
                action: @escaping @Sendable () -> Void) {
        self.sig = sig
        previous = signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
        source.setEventHandler(handler: action)
        source.resume()
        self.source = source
    }

    public func cancel() {
        guard let source else { return }
        source.cancel()
        self.source = nil
        signal(sig, previous)
    }

    deinit { cancel() }
}

/// A watch session's signals: SIGINT and SIGTERM stop it; SIGHUP reopens its `-o`/`-d` files
/// (log rotation) when it writes any, and otherwise (a terminal's hangup) stops it too.
public final class SessionSignals {
    private let stopper: SignalStopper
    private let hangup: SignalAction?

    public init(_ session: WatchSession) {
        let files = session.writesToFiles
        stopper = SignalStopper(stop: session.stopToken, signals: files ? [SIGINT, SIGTERM] : [SIGINT, SIGTERM, SIGHUP])
        hangup = files ? SignalAction(SIGHUP) { session.reopenOutputs() } : nil
    }

    public func cancel() {
        stopper.cancel()
        hangup?.cancel()
    }
}

/// Stops `stop` after `seconds` (`--seconds`).
public func stopAfter(seconds: Double, _ stop: StopToken) {
    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { stop.stop() }
}
