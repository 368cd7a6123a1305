// filewatcher's own kernel audit rules: added under our key, removed at the end — exactly those,
// never another rule. A start first removes rules with our key left by a run that was killed.

#if os(Linux)
import FileWatchCore
import SystemPackage
import Glibc

final class AuditRuleSet {
    let control: AuditControl
    private(set) var added: [AuditRuleData] = []
    private(set) var remarks: [String] = []
    private(set) var failedRemovals = 0

    init(control: AuditControl) { self.control = control }

    /// The native arch of this build.
    static var nativeArch: AuditArch {
        #if arch(x86_64)
        .x86_64
        #elseif arch(arm64)
        .aarch64
        #else
        .x86_64
        #endif
    }

    /// Removes stale rules with our key, then adds: our pid excluded (first in the exit list), and
    /// per arch the failure rules for EACCES and EPERM.
    func installFailureRules(pid: Int32) throws(SystemCallError) {
        let stale = try control.rules().filter { $0.key == AuditRuleData.ourKey }
        for rule in stale {
            try control.delete(rule)
        }
        if !stale.isEmpty { remarks.append("removed \(stale.count) stale audit rule(s) with key \(AuditRuleData.ourKey)") }
        var wanted = [AuditRuleData.excludingProcess(pid)]
        for arch in AuditRuleData.arches(native: Self.nativeArch) {
            wanted.append(.failures(arch: arch, errno: EACCES))
            wanted.append(.failures(arch: arch, errno: EPERM))
        }
        for rule in wanted {
            do {
                try control.add(rule)
            } catch let e where e.errno == .fileExists {
                continue  // the same rule exists already (not ours to remove)
            }
            added.append(rule)
        }
        remarks.append("added \(added.count) audit rule(s) with key \(AuditRuleData.ourKey)")
    }

    /// Removes the rules we added (each exactly as added).
    func removeOurs() {
        var failed = 0
        for rule in added.reversed() {
            // The kernel keeps AUDIT_FILTER_PREPEND only while adding: the stored rule is without it.
            var stored = rule
            stored.flags &= ~AuditRuleData.filterPrepend
            do { try control.delete(stored) } catch { failed += 1 }
        }
        if !added.isEmpty {
            remarks.append("removed \(added.count - failed) of our \(added.count) audit rule(s)")
        }
        failedRemovals += failed
        added.removeAll()
    }
}
#endif
