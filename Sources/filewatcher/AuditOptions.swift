import ArgumentParser
import FileWatchCore

/// The Linux kernel audit source (`--source audit`): daemon registration and our own rules.
struct AuditOptions: WatchOptionGroup {
    @Flag(name: .long, help: "With --source audit: register as the kernel's audit daemon (only when no auditd runs; the kernel answers EEXIST otherwise) instead of reading its multicast log beside auditd or journald.")
    var auditDaemon = false

    @Option(name: .long, help: ArgumentHelp(
        "With --source audit: add filewatcher's own kernel audit rules while it runs (tagged key=filewatcher, removed at exit; no other rule is touched). failures: every open, creat, truncate, unlink, rename, chmod, chown and execve that fails with EACCES or EPERM.",
        valueName: "failures"))
    var auditRules: AuditRuleChoice?

    enum AuditRuleChoice: String, ExpressibleByArgument, CaseIterable {
        case failures
    }

    func apply(to c: inout WatchConfiguration) throws {
        c.audit.daemon = auditDaemon
        c.audit.failureRules = auditRules == .failures
    }
}
