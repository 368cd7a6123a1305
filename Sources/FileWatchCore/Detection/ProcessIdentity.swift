// Who an alert is about, pinned so that it can be neither faked nor reused (issue 18).
//
// A process name can be changed by the process itself (`prctl(PR_SET_NAME, "kworker/0:1")`) and a pid is reused
// once its process is gone. The detection stage therefore pins a process at its first event by its pid and start
// time (which no process can change), checking that the process then holding the pid had started by the time of
// the event. `--stop-offenders` signals exactly that process: on Linux it opens a pidfd, checks through /proc that
// the process behind it has the pinned start time, and signals through the pidfd (pidfd_send_signal). A process
// that renamed itself is still stopped; a process that has since taken the pid is never touched.

/// A process as pinned at one of its events.
public struct PinnedProcess: Hashable, Sendable, CustomStringConvertible {
    public let pid: Int32
    /// Host units (Linux: clock ticks since boot, /proc/PID/stat field 22). With the pid, unique for the boot.
    public let startTime: UInt64
    /// The start time in microseconds since the Unix epoch.
    public let startedAt: Int64
    /// The parent when pinned.
    public let ppid: Int32?
    /// Leads its session (a login shell, a daemon, a cron job): its children's work is not summed with its
    /// grandchildren's (see RansomwareDetector).
    public let isSessionLeader: Bool
    /// Never aggregated into, never stopped: pid 1, kernel threads, the monitor itself and its ancestors.
    public let isProtected: Bool
    /// What the process looked like when pinned (for messages; never used to identify it).
    public let subject: ProcessSubject

    public init(pid: Int32, startTime: UInt64, startedAt: Int64, ppid: Int32?, isSessionLeader: Bool = false,
                isProtected: Bool = false, subject: ProcessSubject) {
        self.pid = pid; self.startTime = startTime; self.startedAt = startedAt; self.ppid = ppid
        self.isSessionLeader = isSessionLeader; self.isProtected = isProtected; self.subject = subject
    }

    /// Identity is pid + start time.
    public static func == (a: PinnedProcess, b: PinnedProcess) -> Bool { a.pid == b.pid && a.startTime == b.startTime }
    public func hash(into h: inout Hasher) { h.combine(pid); h.combine(startTime) }

    public var description: String {
        let name = subject.name.isEmpty ? "?" : subject.name.description
        return "\(name) (pid \(pid))"
    }
}

/// Pins processes (the host: pidfd + /proc on Linux).
public protocol ProcessPinning: AnyObject {
    /// The process that has `pid` now, if it is the one that acted at `time` (µs since the epoch): it must have
    /// started by then. nil when it is gone or a later process has the pid.
    func pin(pid: Int32, at time: Int64) -> PinnedProcess?
}
