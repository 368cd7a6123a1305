import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import EventSources

/// The values the system header (security/audit/audit_ioctl.h with sys/ioccom.h, macOS and FreeBSD
/// alike on every architecture) yields for each request. Facts, stated here to pin the encoding.
@Suite struct AuditPipeIoctlNumbers {
    static let facts: [(AuditPipeRequest, UInt32)] = [
        (.getQueueLength, 0x4004_4101),        // _IOR('A', 1, u_int)
        (.getQueueLimit, 0x4004_4102),         // _IOR('A', 2, u_int)
        (.setQueueLimit, 0x8004_4103),         // _IOW('A', 3, u_int)
        (.getQueueLimitMin, 0x4004_4104),      // _IOR('A', 4, u_int)
        (.getQueueLimitMax, 0x4004_4105),      // _IOR('A', 5, u_int)
        (.getPreselectFlags, 0x4008_4106),     // _IOR('A', 6, au_mask_t)
        (.setPreselectFlags, 0x8008_4107),     // _IOW('A', 7, au_mask_t)
        (.getPreselectNAFlags, 0x4008_4108),   // _IOR('A', 8, au_mask_t)
        (.setPreselectNAFlags, 0x8008_4109),   // _IOW('A', 9, au_mask_t)
        (.getPreselectMode, 0x4004_410e),      // _IOR('A', 14, int)
        (.setPreselectMode, 0x8004_410f),      // _IOW('A', 15, int)
        (.flush, 0x2000_4110),                 // _IO('A', 16)
        (.getMaxAuditData, 0x4004_4111),       // _IOR('A', 17, u_int)
        (.getInserts, 0x4008_4164),            // _IOR('A', 100, u_int64_t)
        (.getReads, 0x4008_4165),              // _IOR('A', 101, u_int64_t)
        (.getDrops, 0x4008_4166),              // _IOR('A', 102, u_int64_t)
        (.getTruncates, 0x4008_4167),          // _IOR('A', 103, u_int64_t)
    ]

    @Test(arguments: facts)
    func requestNumberMatchesHeader(request: AuditPipeRequest, expected: UInt32) {
        #expect(request.request == expected, "\(request.name): 0x\(String(request.request, radix: 16)) != 0x\(String(expected, radix: 16))")
    }

    @Test func everyRequestIsPinned() {
        #expect(Set(Self.facts.map(\.0)) == Set(AuditPipeRequest.allCases))
    }

    @Test func preselectModes() {
        #expect(AuditPipePreselectMode.trail.rawValue == 1)
        #expect(AuditPipePreselectMode.local.rawValue == 2)
    }

    @Test func ioctlOnNonDeviceFailsWithNamedCall() throws {
        // A pipe is not an auditpipe: the kernel says ENOTTY (or EINVAL), and the error names the request.
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let control = AuditPipeControl(fd: fds[0])
        do {
            _ = try control.drops()
            Issue.record("ioctl on a pipe unexpectedly succeeded")
        } catch {
            #expect(error.call == "ioctl(AUDITPIPE_GET_DROPS)")
            #expect(error.description.hasPrefix("ioctl(AUDITPIPE_GET_DROPS): "))
        }
    }
}
