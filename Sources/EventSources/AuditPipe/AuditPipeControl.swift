import CShims
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// BSD ioctl request encoding (sys/ioccom.h on macOS and FreeBSD):
/// `direction | (parameter length & IOCPARM_MASK) << 16 | group << 8 | number`.
/// Computed here rather than taken from a header so the same Swift compiles and is tested on Linux.
public enum BSDIoctl {
    public static let void: UInt32 = 0x2000_0000   // IOC_VOID: no parameters
    public static let out: UInt32 = 0x4000_0000    // IOC_OUT: copy parameters out (read)
    public static let `in`: UInt32 = 0x8000_0000   // IOC_IN: copy parameters in (write)
    public static let parameterMask: UInt32 = 0x1fff

    static func encode(_ direction: UInt32, _ group: Character, _ number: UInt8, size: Int) -> UInt32 {
        direction | ((UInt32(size) & parameterMask) << 16) | (UInt32(group.asciiValue!) << 8) | UInt32(number)
    }
    /// `_IO(g, n)`
    public static func io(_ group: Character, _ number: UInt8) -> UInt32 { encode(void, group, number, size: 0) }
    /// `_IOR(g, n, t)`
    public static func ior(_ group: Character, _ number: UInt8, size: Int) -> UInt32 { encode(out, group, number, size: size) }
    /// `_IOW(g, n, t)`
    public static func iow(_ group: Character, _ number: UInt8, size: Int) -> UInt32 { encode(`in`, group, number, size: size) }
}

/// The auditpipe(4) ioctls filewatcher uses (security/audit/audit_ioctl.h, group 'A').
public enum AuditPipeRequest: CaseIterable, Sendable {
    case getQueueLength, getQueueLimit, setQueueLimit, getQueueLimitMin, getQueueLimitMax
    case getPreselectFlags, setPreselectFlags, getPreselectNAFlags, setPreselectNAFlags
    case getPreselectMode, setPreselectMode, flush, getMaxAuditData
    case getInserts, getReads, getDrops, getTruncates

    static let group: Character = "A"
    static let uintSize = 4        // u_int
    static let maskSize = 8        // au_mask_t: { u_int am_success; u_int am_failure; }
    static let counterSize = 8     // u_int64_t

    /// The request number, as the system header's macro yields it.
    public var request: UInt32 {
        let g = Self.group
        switch self {
        case .getQueueLength: return BSDIoctl.ior(g, 1, size: Self.uintSize)
        case .getQueueLimit: return BSDIoctl.ior(g, 2, size: Self.uintSize)
        case .setQueueLimit: return BSDIoctl.iow(g, 3, size: Self.uintSize)
        case .getQueueLimitMin: return BSDIoctl.ior(g, 4, size: Self.uintSize)
        case .getQueueLimitMax: return BSDIoctl.ior(g, 5, size: Self.uintSize)
        case .getPreselectFlags: return BSDIoctl.ior(g, 6, size: Self.maskSize)
        case .setPreselectFlags: return BSDIoctl.iow(g, 7, size: Self.maskSize)
        case .getPreselectNAFlags: return BSDIoctl.ior(g, 8, size: Self.maskSize)
        case .setPreselectNAFlags: return BSDIoctl.iow(g, 9, size: Self.maskSize)
        case .getPreselectMode: return BSDIoctl.ior(g, 14, size: Self.uintSize)
        case .setPreselectMode: return BSDIoctl.iow(g, 15, size: Self.uintSize)
        case .flush: return BSDIoctl.io(g, 16)
        case .getMaxAuditData: return BSDIoctl.ior(g, 17, size: Self.uintSize)
        case .getInserts: return BSDIoctl.ior(g, 100, size: Self.counterSize)
        case .getReads: return BSDIoctl.ior(g, 101, size: Self.counterSize)
        case .getDrops: return BSDIoctl.ior(g, 102, size: Self.counterSize)
        case .getTruncates: return BSDIoctl.ior(g, 103, size: Self.counterSize)
        }
    }

    /// The header's macro name, for error messages.
    public var name: String {
        switch self {
        case .getQueueLength: return "AUDITPIPE_GET_QLEN"
        case .getQueueLimit: return "AUDITPIPE_GET_QLIMIT"
        case .setQueueLimit: return "AUDITPIPE_SET_QLIMIT"
        case .getQueueLimitMin: return "AUDITPIPE_GET_QLIMIT_MIN"
        case .getQueueLimitMax: return "AUDITPIPE_GET_QLIMIT_MAX"
        case .getPreselectFlags: return "AUDITPIPE_GET_PRESELECT_FLAGS"
        case .setPreselectFlags: return "AUDITPIPE_SET_PRESELECT_FLAGS"
        case .getPreselectNAFlags: return "AUDITPIPE_GET_PRESELECT_NAFLAGS"
        case .setPreselectNAFlags: return "AUDITPIPE_SET_PRESELECT_NAFLAGS"
        case .getPreselectMode: return "AUDITPIPE_GET_PRESELECT_MODE"
        case .setPreselectMode: return "AUDITPIPE_SET_PRESELECT_MODE"
        case .flush: return "AUDITPIPE_FLUSH"
        case .getMaxAuditData: return "AUDITPIPE_GET_MAXAUDITDATA"
        case .getInserts: return "AUDITPIPE_GET_INSERTS"
        case .getReads: return "AUDITPIPE_GET_READS"
        case .getDrops: return "AUDITPIPE_GET_DROPS"
        case .getTruncates: return "AUDITPIPE_GET_TRUNCATES"
        }
    }
}

/// auditpipe preselection modes (AUDITPIPE_PRESELECT_MODE_*).
public enum AuditPipePreselectMode: Int32, Sendable {
    /// Same records as the global trail.
    case trail = 1
    /// This pipe's own masks (what filewatcher wants).
    case local = 2
}

/// The ioctl layer of an open auditpipe: raw call → Result → throwing API.
public struct AuditPipeControl {
    public let fd: Int32
    public init(fd: Int32) { self.fd = fd }

    /// Layer 2: the raw ioctl as a Result (EINTR retried by the host layer).
    private func rawIoctl(_ request: AuditPipeRequest, _ arg: UnsafeMutableRawPointer?) -> Result<Void, Errno> {
        nothingOrErrno { cshim_ioctl_ptr(fd, UInt(request.request), arg) }
    }

    private func call<T>(_ request: AuditPipeRequest, _ value: inout T) throws(SystemCallError) {
        try withUnsafeMutableBytes(of: &value) { rawIoctl(request, $0.baseAddress) }.get("ioctl(\(request.name))")
    }

    public func getUInt32(_ request: AuditPipeRequest) throws(SystemCallError) -> UInt32 {
        var v: UInt32 = 0; try call(request, &v); return v
    }
    public func setUInt32(_ request: AuditPipeRequest, _ value: UInt32) throws(SystemCallError) {
        var v = value; try call(request, &v)
    }
    public func getCounter(_ request: AuditPipeRequest) throws(SystemCallError) -> UInt64 {
        var v: UInt64 = 0; try call(request, &v); return v
    }
    /// Sets an au_mask_t (success mask, failure mask).
    public func setMask(_ request: AuditPipeRequest, success: UInt32, failure: UInt32) throws(SystemCallError) {
        var mask: (UInt32, UInt32) = (success, failure); try call(request, &mask)
    }

    /// Local preselection with the given class mask for attributable and non-attributable events,
    /// and the largest queue the pipe allows. Returns the queue limit set.
    @discardableResult
    public func configure(classMask: UInt32) throws(SystemCallError) -> UInt32 {
        try setUInt32(.setPreselectMode, UInt32(AuditPipePreselectMode.local.rawValue))
        try setMask(.setPreselectFlags, success: classMask, failure: classMask)
        try setMask(.setPreselectNAFlags, success: classMask, failure: classMask)
        let maximum = try getUInt32(.getQueueLimitMax)
        try setUInt32(.setQueueLimit, maximum)
        return maximum
    }

    /// Records the pipe dropped because its queue was full (monotonic).
    public func drops() throws(SystemCallError) -> UInt64 { try getCounter(.getDrops) }
}
