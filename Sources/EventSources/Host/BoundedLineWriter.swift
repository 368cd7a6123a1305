// Notices, warnings, alert text and the summary on standard error, written by a thread of their
// own through a bounded queue: a standard error that nobody reads (a full pipe) must not stall the
// pipeline (issue 18). What does not fit is dropped, counted, and said once per interval when
// writing works again, and at the end.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Writes messages (one or more whole lines each) to a descriptor without ever blocking the caller.
public final class BoundedLineWriter: Sendable {
    /// Bytes waiting at most; a message that does not fit is dropped whole.
    public let capacity: Int
    /// Seconds between two reports of dropped messages.
    public let reportInterval: Double
    private let fd: Int32

    private struct State {
        var queue: [[UInt8]] = []
        var head = 0
        var queuedBytes = 0
        /// Dropped since the last report, and in all.
        var unreported: UInt64 = 0
        var dropped: UInt64 = 0
        var lastReport: UInt64 = 0
        /// `finish` is over (done or gave up waiting): the thread ends at its next chance and
        /// later messages are dropped.
        var closed = false
        /// The descriptor failed (EPIPE, EBADF): nothing more is written.
        var broken = false
        var busy = false
        var finishing = false
    }
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let idle = DispatchSemaphore(value: 0)

    public init(fd: Int32 = STDERR_FILENO, capacity: Int = 256 * 1024, reportInterval: Double = 10) {
        self.fd = fd
        self.capacity = capacity
        self.reportInterval = reportInterval
        DispatchQueue(label: "filewatcher.standard-error").async { [self] in loop() }
    }

    /// Messages dropped so far (queue full, or the descriptor failed).
    public var droppedCount: UInt64 { state.withLock { $0.dropped } }

    /// Queues `text`, or drops and counts it when `capacity` bytes are already waiting. Never blocks.
    public func write(_ text: String) {
        let bytes = Array(text.utf8)
        let queued = state.withLock { s -> Bool in
            if s.broken || s.closed || s.queuedBytes + bytes.count > capacity {
                s.unreported += 1; s.dropped += 1
                return false
            }
            s.queue.append(bytes)
            s.queuedBytes += bytes.count
            return true
        }
        if queued { wake.signal() }
    }

    /// Waits up to `timeout` seconds for everything queued (and a last drop report) to be written,
    /// then closes the writer (its thread ends; a reader that never reads does not hold up the
    /// exit). Returns whether everything was written.
    @discardableResult
    public func finish(timeout: Double = 2) -> Bool {
        let deadline = DispatchTime.now() + timeout
        state.withLock { $0.finishing = true }
        while true {
            let done = state.withLock { s in
                let empty = s.head == s.queue.count && !s.busy && (s.unreported == 0 || s.broken)
                if empty { s.closed = true }
                return empty
            }
            if done { wake.signal(); return true }
            wake.signal()
            if idle.wait(timeout: min(deadline, .now() + 0.05)) == .timedOut, DispatchTime.now() >= deadline {
                state.withLock { $0.closed = true }
                wake.signal()
                return false
            }
        }
    }

    private func loop() {
        while true {
            _ = wake.wait(timeout: .now() + reportInterval)
            while let next = take() {
                let ok = next.withUnsafeBytes { writeAll($0) }
                state.withLock { s in
                    s.busy = false
                    if !ok { s.broken = true }
                }
            }
            if state.withLock({ $0.closed }) { idle.signal(); return }
            idle.signal()
        }
    }

    /// The next message, or the drop report when one is due (the queue has emptied and an
    /// interval has passed since the last), or nil.
    private func take() -> [UInt8]? {
        state.withLock { s -> [UInt8]? in
            if s.broken || s.closed { return nil }
            if s.head < s.queue.count {
                let m = s.queue[s.head]
                s.head += 1
                s.queuedBytes -= m.count
                if s.head == s.queue.count { s.queue.removeAll(keepingCapacity: true); s.head = 0 }
                s.busy = true
                return m
            }
            let now = DispatchTime.now().uptimeNanoseconds
            // At the end (finish waiting) the report is due whatever the interval.
            guard s.unreported > 0, s.lastReport == 0 || s.finishing || now - s.lastReport >= UInt64(reportInterval * 1e9) else { return nil }
            let n = s.unreported
            s.unreported = 0
            s.lastReport = now
            s.busy = true
            return Array("filewatcher: \(n) message\(n == 1 ? "" : "s") for standard error dropped: it was not read fast enough\n".utf8)
        }
    }

    /// Writes every byte, waiting for the descriptor in steps of 100 ms so that `finish` giving up
    /// ends the wait. False when the descriptor failed or the writer was closed.
    private func writeAll(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&p, 1, 100)
            if ready == 0 || (ready < 0 && currentErrno() == .interrupted) {
                if state.withLock({ $0.closed }) { return false }
                continue
            }
            if ready < 0 || p.revents & Int16(POLLERR | POLLNVAL) != 0 { return false }
            // At most PIPE_BUF bytes once the pipe has room: such a write does not block.
            let n = min(bytes.count - offset, Int(PIPE_BUF))
            switch Sys.write(fd, UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])) {
            case .success(let w): offset += w
            case .failure(.wouldBlock): continue
            case .failure: return false
            }
        }
        return true
    }
}
