// The kernel audit netlink socket (Linux): a socket, one datagram at a time (its length from
// recvfrom, never from the netlink header, which the audit subsystem has long filled in loosely),
// and request/reply exchanges on a control socket (status, rules, daemon registration).
//
// Netlink message layout (struct nlmsghdr, host byte order; the payload follows at offset 16):
//   offset 0 u32 nlmsg_len   4 u16 nlmsg_type   6 u16 nlmsg_flags   8 u32 nlmsg_seq   12 u32 nlmsg_pid
// NLMSG_ERROR's payload: i32 error (0 = ACK, else -errno), then the request's header.

#if os(Linux)
import CShims
import Glibc
import FileWatchCore
import SystemPackage

/// One NETLINK_AUDIT socket.
final class AuditNetlink {
    let fd: Int32
    private var sequence: UInt32 = 1
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// - Parameter groups: multicast groups (1 << (AUDIT_NLGRP_READLOG - 1) for the read-only log, 0
    ///   for a control socket or the audit daemon's unicast).
    init(groups: UInt32, receiveBuffer: Int32 = 0) throws(SystemCallError) {
        let fd = cshims_audit_socket(groups, receiveBuffer)
        guard fd >= 0 else {
            throw SystemCallError(groups == 0 ? "socket(NETLINK_AUDIT)" : "bind(NETLINK_AUDIT, AUDIT_NLGRP_READLOG)",
                                  Errno(rawValue: -fd))
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// A datagram: its message type and payload (valid until the next receive).
    struct Datagram {
        var type: UInt16
        var flags: UInt16
        var sequence: UInt32
        var payload: ArraySlice<UInt8>
    }

    /// Receives one datagram without waiting: nil when none is queued.
    func receive() -> Result<Datagram?, Errno> {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if n < 0 {
            let e = Errno(rawValue: errno)
            if e == .wouldBlock || e == .interrupted { return .success(nil) }
            return .failure(e)
        }
        guard n >= 16 else { return .success(Datagram(type: 0, flags: 0, sequence: 0, payload: [])) }
        let type = UInt16(buffer[4]) | UInt16(buffer[5]) << 8
        let flags = UInt16(buffer[6]) | UInt16(buffer[7]) << 8
        let seq = UInt32(buffer[8]) | UInt32(buffer[9]) << 8 | UInt32(buffer[10]) << 16 | UInt32(buffer[11]) << 24
        return .success(Datagram(type: type, flags: flags, sequence: seq, payload: buffer[16..<n]))
    }

    /// Sends a request; returns its sequence number.
    @discardableResult
    func send(_ type: UInt16, _ payload: [UInt8], ack: Bool = true) throws(SystemCallError) -> UInt32 {
        sequence &+= 1
        let seq = sequence
        let rc = payload.withUnsafeBytes {
            cshims_audit_send(fd, type, ack ? UInt16(CSHIMS_NLM_F_ACK) : 0, seq, $0.baseAddress, $0.count)
        }
        guard rc == 0 else { throw SystemCallError("sendto(NETLINK_AUDIT, \(Self.name(type)))", Errno(rawValue: -rc)) }
        return seq
    }

    /// Sends a request and collects its replies until the ACK, an error or NLMSG_DONE, waiting at most
    /// `timeoutMS` for each. Replies of other sequence numbers (and log records) are skipped.
    func request(_ type: UInt16, _ payload: [UInt8] = [], timeoutMS: Int32 = 2000) throws(SystemCallError) -> [[UInt8]] {
        let seq = try send(type, payload)
        var replies: [[UInt8]] = []
        while true {
            guard case .success(true) = Sys.pollReadable(fd, timeoutMS: timeoutMS) else {
                throw SystemCallError("recv(NETLINK_AUDIT, \(Self.name(type)))", .timedOut, note: "the kernel did not answer")
            }
            let got: Datagram?
            switch receive() {
            case .success(let d): got = d
            case .failure(let e): throw SystemCallError("recv(NETLINK_AUDIT, \(Self.name(type)))", e)
            }
            guard let d = got, d.sequence == seq else { continue }
            switch Int(d.type) {
            case Int(CSHIMS_NLMSG_ERROR):
                let p = Array(d.payload)
                guard p.count >= 4 else { return replies }
                let code = Int32(bitPattern: UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24)
                if code != 0 { throw SystemCallError("\(Self.name(type))", Errno(rawValue: -code)) }
                // AUDIT_GET and AUDIT_LIST_RULES answer after their ACK: keep reading for them.
                if type == UInt16(CSHIMS_AUDIT_GET) && replies.isEmpty { continue }
                if type == UInt16(CSHIMS_AUDIT_LIST_RULES) { continue }
                return replies
            case Int(CSHIMS_NLMSG_DONE):
                return replies
            default:
                replies.append(Array(d.payload))
                if type == UInt16(CSHIMS_AUDIT_GET) { return replies }
            }
        }
    }

    static func name(_ type: UInt16) -> String {
        switch Int(type) {
        case Int(CSHIMS_AUDIT_GET): "AUDIT_GET"
        case Int(CSHIMS_AUDIT_SET): "AUDIT_SET"
        case Int(CSHIMS_AUDIT_ADD_RULE): "AUDIT_ADD_RULE"
        case Int(CSHIMS_AUDIT_DEL_RULE): "AUDIT_DEL_RULE"
        case Int(CSHIMS_AUDIT_LIST_RULES): "AUDIT_LIST_RULES"
        default: "type \(type)"
        }
    }
}

/// The kernel's audit settings and counters (struct audit_status).
struct AuditStatus {
    var enabled: UInt32
    var pid: UInt32
    var lost: UInt32
    var backlog: UInt32
    var backlogLimit: UInt32

    init?(_ payload: [UInt8]) {
        guard payload.count >= 32 else { return nil }
        func u32(_ i: Int) -> UInt32 {
            UInt32(payload[4 * i]) | UInt32(payload[4 * i + 1]) << 8 | UInt32(payload[4 * i + 2]) << 16 | UInt32(payload[4 * i + 3]) << 24
        }
        // mask, enabled, failure, pid, rate_limit, backlog_limit, lost, backlog
        enabled = u32(1); pid = u32(3); backlogLimit = u32(5); lost = u32(6); backlog = u32(7)
    }
}

/// Status, rules and daemon registration over a control socket.
final class AuditControl {
    let socket: AuditNetlink

    init() throws(SystemCallError) { socket = try AuditNetlink(groups: 0) }

    func status() throws(SystemCallError) -> AuditStatus {
        let replies = try socket.request(UInt16(CSHIMS_AUDIT_GET))
        guard let first = replies.first, let status = AuditStatus(first) else {
            throw SystemCallError("AUDIT_GET", .badMessage, note: "short audit_status")
        }
        return status
    }

    func rules() throws(SystemCallError) -> [AuditRuleData] {
        try socket.request(UInt16(CSHIMS_AUDIT_LIST_RULES)).compactMap { AuditRuleData(bytes: $0) }
    }

    func add(_ rule: AuditRuleData) throws(SystemCallError) {
        _ = try socket.request(UInt16(CSHIMS_AUDIT_ADD_RULE), rule.bytes)
    }

    func delete(_ rule: AuditRuleData) throws(SystemCallError) {
        _ = try socket.request(UInt16(CSHIMS_AUDIT_DEL_RULE), rule.bytes)
    }
}
#endif
