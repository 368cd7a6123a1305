// SIGINT / SIGTERM / SIGHUP → StopToken, SIGHUP → reopen output files (SignalAction), and `--seconds`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CShims
import Dispatch
import FileWatchCore

/// Signals, none lost, as calls on a queue: CShims' handler writes each signal's number to a pipe
/// (the self-pipe trick) from the moment it is installed, and a dispatch read source hands the
/// numbers to `handler`. (A dispatch signal source needs the signal ignored first, and one that
/// arrives between the two is lost — a SIGTERM at startup then never stopped the run; an ignored
/// signal is also inherited by every program filewatcher starts, a caught one is not.)
final class SignalPipe: @unchecked Sendable {
    private let signals: [Int32]
    private var source: DispatchSourceRead?

    init(_ signals: [Int32], queue: DispatchQueue, handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            // No descriptor left: the signals keep their default action (they end the process).
            self.source = nil
            return
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: queue)
        source.setEventHandler {
            var bytes = [UInt8](repeating: 0, count: 64)
            let n = bytes.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            for sig in bytes.prefix(n) { handler(Int32(sig)) }
        }
        source.setCancelHandler { close(readEnd); close(writeEnd) }
        source.resume()
        self.source = source
        for sig in signals { _ = cshim_signal_forward(sig, writeEnd) }
    }

    /// Gives each signal back the disposition it had before; pending bytes are dropped.
    func cancel() {
        guard let source else { return }
        for sig in signals.reversed() { _ = cshim_signal_restore(sig) }
        source.cancel()
        self.source = nil
    }

    deinit { cancel() }
}

/// SIGINT / SIGTERM (and SIGHUP) → `StopToken.stop()`; a second signal exits at once (status 130).
/// SIGPIPE is ignored from then on (not restored), so a closed output pipe is reported as a write
/// error (EPIPE) instead of killing the process.
public final class SignalStopper: @unchecked Sendable {
    private let pipe: SignalPipe

    public init(stop: StopToken, signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
        signal(SIGPIPE, SIG_IGN)
        pipe = SignalPipe(signals, queue: DispatchQueue(label: "filewatcher.signals")) { _ in
            if stop.isStopped { _exit(130) }
            stop.stop()
        }
    }

    /// Stops listening and gives each signal back the disposition it had before (the default,
    /// for the CLI): a signal after the run acts as it would without filewatcher.
    public func cancel() { pipe.cancel() }

    deinit { cancel() }
}

/// Runs `action` (on a queue of its own, not in a signal handler) each time `signal` arrives, until
/// `cancel`, which gives the signal back its previous disposition. SIGHUP → reopen the output files.
public final class SignalAction: @unchecked Sendable {
    private let pipe: SignalPipe

    public init(_ sig: Int32, queue: DispatchQueue = DispatchQueue(label: "filewatcher.signal-action"),
                action: @escaping @Sendable () -> Void) {
        pipe = SignalPipe([sig], queue: queue) { _ in action() }
    }

    public func cancel() { pipe.cancel() }

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
