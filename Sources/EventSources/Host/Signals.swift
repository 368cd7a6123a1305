// SIGINT / SIGTERM / SIGHUP → StopToken, and `--seconds`.

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

/// Stops `stop` after `seconds` (`--seconds`).
public func stopAfter(seconds: Double, _ stop: StopToken) {
    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { stop.stop() }
}
