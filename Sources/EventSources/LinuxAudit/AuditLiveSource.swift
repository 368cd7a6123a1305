// `--source audit`: the Linux kernel audit records, live. Read-only by default (the multicast group
// AUDIT_NLGRP_READLOG, beside auditd or journald); `--audit-daemon` registers as the audit daemon
// instead. Rules are changed only with `--audit-rules failures`: our own, tagged with our key,
// removed at the end. Loss: ENOBUFS on the socket, the kernel's lost counter (polled on a second
// socket), serial numbers that never came.

#if os(Linux)
import CShims
import Glibc
#endif
import FileWatchCore
import SystemPackage

public struct AuditLiveOptions: Sendable, Equatable {
    /// Register as the audit daemon (unicast) instead of reading the multicast log.
    public var daemon = false
    /// Add `failures` rules (denied opens, renames, … execs) for as long as we run.
    public var failureRules = false
    /// Socket receive buffer (bytes).
    public var receiveBuffer: Int32 = 8 << 20
    /// How often the kernel's counters are polled (ms).
    public var statusIntervalMS: Int = 1000
    public init() {}
}

public final class AuditLiveSource: EventSource {
    public let kind: SourceKind = .audit
    public let options: AuditLiveOptions
    /// One-line remarks (rules added and removed), also delivered as `.info` notices.
    public private(set) var remarks: [String] = []

    public init(options: AuditLiveOptions) { self.options = options }

    /// Why the kernel audit cannot be read here, in one sentence; nil when it can (checked before
    /// the session starts: root, the initial namespaces, audit compiled in and enabled).
    public static func unavailable() -> String? {
        #if os(Linux)
        if geteuid() != 0 {
            return "the kernel audit source needs root (CAP_AUDIT_READ, and CAP_AUDIT_CONTROL for --audit-rules); run it with sudo."
        }
        if let problem = namespaceProblem() { return problem }
        return nil
        #else
        return "the kernel audit source (--source audit) is Linux's; macOS and FreeBSD are watched through /dev/auditpipe."
        #endif
    }

    #if os(Linux)
    /// The audit socket serves only the initial network and pid namespaces (a container sees nothing).
    static func namespaceProblem() -> String? {
        func inode(_ path: String) -> UInt64? {
            var st = stat()
            return stat(path, &st) == 0 ? UInt64(st.st_ino) : nil
        }
        for ns in ["net", "pid"] {
            if let mine = inode("/proc/self/ns/\(ns)"), let initial = inode("/proc/1/ns/\(ns)"), mine != initial {
                return "the kernel audit socket works only in the initial \(ns) namespace; run filewatcher on the host, not inside a container."
            }
        }
        return nil
    }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        let control: AuditControl
        do { control = try AuditControl() } catch { throw Self.explain(error) }
        let status: AuditStatus
        do { status = try control.status() } catch { throw Self.explain(error) }
        if status.enabled == 0 {
            throw SessionError("auditing is disabled in the kernel (enabled 0): enable it with `auditctl -e 1` (or boot with audit=1) and start filewatcher again.")
        }
        if options.failureRules && status.enabled == 2 {
            throw SessionError("the kernel's audit rules are locked (enabled 2, `auditctl -e 2`): --audit-rules cannot add rules until reboot.")
        }
        // The socket first: records of our rules' first moments are already queued for us.
        let socket: AuditNetlink
        do {
            socket = try AuditNetlink(groups: options.daemon ? 0 : 1 << (UInt32(CSHIMS_AUDIT_NLGRP_READLOG) - 1),
                                      receiveBuffer: options.receiveBuffer)
        } catch { throw Self.explain(error) }
        let rules = AuditRuleSet(control: control)
        defer {
            rules.removeOurs()
            for line in rules.remarks.dropFirst(remarks.count) { receiver.notice(.info("kernel audit: " + line)) }
            if rules.failedRemovals > 0 {
                receiver.notice(.info("kernel audit: \(rules.failedRemovals) of our rules could not be removed; remove them with `auditctl -D -k \(AuditRuleData.ourKey)`"))
            }
        }
        if options.failureRules {
            do { try rules.installFailureRules(pid: getpid()) } catch { throw Self.explain(error) }
            remarks = rules.remarks
            for line in remarks { receiver.notice(.info("kernel audit: " + line)) }
        }
        if options.daemon {
            try register(socket, status: status)
            receiver.notice(.info("kernel audit: registered as the audit daemon (pid \(getpid()))"))
        }
        defer { if options.daemon { unregister(socket) } }
        try loop(socket, control: control, lostAtStart: status.lost, stop: stop, receiver: receiver)
    }

    private func loop(_ socket: AuditNetlink, control: AuditControl, lostAtStart: UInt32, stop: StopToken,
                      receiver: EventReceiver) throws {
        var decoder = AuditLogReplay.makeDecoder(name: "kernel audit", source: .audit)
        let me = getpid()
        let own = OwnEventFilter(pid: me, target: receiver)
        var lastLost = lostAtStart
        var lastStatus = Self.nowMilliseconds()
        while !stop.isStopped {
            let ready = (try? Sys.pollReadable(socket.fd, timeoutMS: 100).get("poll")) ?? false
            if ready {
                var drained = 0
                while drained < 4096, !stop.isStopped {
                    switch socket.receive() {
                    case .success(nil):
                        drained = .max
                    case .success(let d?):
                        drained += 1
                        deliver(d, into: &decoder, receiver: own)
                    case .failure(let e) where e == .noBufferSpace:
                        receiver.notice(.lost(count: nil, reason: "kernel audit socket buffer overflowed (ENOBUFS); the missing serial numbers are counted when known"))
                    case .failure(let e):
                        throw SystemCallError("recv(NETLINK_AUDIT)", e)
                    }
                }
            } else {
                receiver.sourceIdle()
            }
            let now = Self.nowMilliseconds()
            decoder.idle(now: now, into: own)
            if now - lastStatus >= UInt64(options.statusIntervalMS) {
                lastStatus = now
                if let s = try? control.status() {
                    if s.lost != lastLost {
                        receiver.notice(.lost(count: UInt64(s.lost &- lastLost), reason: "the kernel's audit lost counter grew (backlog \(s.backlog)/\(s.backlogLimit))"))
                        lastLost = s.lost
                    }
                    if s.enabled == 0 {
                        receiver.notice(.info("auditing was disabled in the kernel meanwhile (auditctl -e 0): no more records will come"))
                    }
                }
            }
        }
        decoder.finish(into: own)
    }

    private func deliver(_ d: AuditNetlink.Datagram, into decoder: inout AuditLogDecoder, receiver: EventReceiver) {
        // Log records only: 1100–1299 user messages, 1300–2999 kernel records (not replies).
        guard d.type >= 1100, d.type < 3000 else { return }
        let record: AuditRecord
        do {
            record = try d.payload.withUnsafeBytes { p in
                try Result { () throws(AuditLineError) -> AuditRecord in try AuditLineParser.parseBody(p, type: d.type) }.get()
            }
        } catch {
            receiver.notice(.damaged(file: "kernel audit", offset: 0, reason: "record type \(d.type): \(error)"))
            return
        }
        decoder.push(record: record, into: receiver)
    }

    private func register(_ socket: AuditNetlink, status: AuditStatus) throws {
        // AUDIT_SET with AUDIT_STATUS_PID: struct audit_status, mask and pid set.
        var payload = [UInt8](repeating: 0, count: 44)
        func put(_ i: Int, _ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { payload.replaceSubrange(4 * i..<4 * i + 4, with: $0) } }
        put(0, UInt32(CSHIMS_AUDIT_STATUS_PID))
        put(3, UInt32(getpid()))
        do {
            _ = try socket.request(UInt16(CSHIMS_AUDIT_SET), payload)
        } catch let e where e.errno == .fileExists {
            throw SessionError("another audit daemon (pid \(status.pid)) is registered with the kernel (EEXIST): run without --audit-daemon to read beside it.")
        } catch {
            throw Self.explain(error)
        }
    }

    private func unregister(_ socket: AuditNetlink) {
        var payload = [UInt8](repeating: 0, count: 44)
        withUnsafeBytes(of: UInt32(CSHIMS_AUDIT_STATUS_PID).littleEndian) { payload.replaceSubrange(0..<4, with: $0) }
        _ = try? socket.request(UInt16(CSHIMS_AUDIT_SET), payload)
    }

    static func explain(_ error: SystemCallError) -> SessionError {
        switch error.errno {
        case .protocolNotSupported, .addressFamilyNotSupported:
            return SessionError("this kernel has no audit support (CONFIG_AUDIT): \(error).")
        case .notPermitted, .permissionDenied:
            return SessionError("the kernel audit socket refused us (\(error)): it needs root with CAP_AUDIT_READ (reading) and CAP_AUDIT_CONTROL (--audit-rules, --audit-daemon).")
        case .connectionRefused:
            return SessionError("the kernel audit socket refused us (\(error)): it answers only in the initial user and pid namespaces; run filewatcher on the host, not inside a container.")
        default:
            return SessionError("kernel audit: \(error)")
        }
    }

    static func nowMilliseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }
    #else
    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        throw SessionError(Self.unavailable() ?? "the kernel audit source is Linux's.")
    }
    #endif
}

/// Drops events of filewatcher itself (its reads of /proc, its output) before the pipeline.
final class OwnEventFilter: EventReceiver {
    let pid: Int32
    let target: EventReceiver
    init(pid: Int32, target: EventReceiver) { self.pid = pid; self.target = target }
    func receive(_ event: Event) { if event.process.pid != pid { target.receive(event) } }
    func notice(_ notice: SourceNotice) { target.notice(notice) }
    func sourceIdle() { target.sourceIdle() }
}
