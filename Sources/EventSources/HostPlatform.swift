#if canImport(Darwin)
import Darwin
#endif

/// What this platform offers as a live source.
public enum HostPlatform {
    /// macOS and FreeBSD: /dev/auditpipe.
    public static var hasAuditPipe: Bool {
        #if os(macOS) || os(FreeBSD)
        return true
        #else
        return false
        #endif
    }

    /// Linux: fanotify.
    public static var hasFanotify: Bool {
        #if os(Linux)
        return true
        #else
        return false
        #endif
    }

    /// macOS 14 and later: audit is disabled there, Endpoint Security (through eslogger) takes over.
    public static var prefersEslogger: Bool {
        #if os(macOS)
        return macOSMajorVersion.map { $0 >= 14 } ?? false
        #else
        return false
        #endif
    }

    #if os(macOS)
    /// The major version of macOS (`kern.osproductversion`, e.g. "14.5" → 14).
    static var macOSMajorVersion: Int? {
        var size = 0
        guard sysctlbyname("kern.osproductversion", nil, &size, nil, 0) == 0, size > 0 else { return nil }
        var buf = [CChar](repeating: 0, count: size)
        guard sysctlbyname("kern.osproductversion", &buf, &size, nil, 0) == 0 else { return nil }
        let text = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Int(text.prefix { $0 != "." })
    }
    #endif
}
