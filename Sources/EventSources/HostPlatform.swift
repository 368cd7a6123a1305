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
}
