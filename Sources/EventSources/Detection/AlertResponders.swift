// `--stop-offenders`: stop the process behind an alert (SIGSTOP), exactly that one. (`--on-alert`: AlertCommand.swift.)

import FileWatchCore
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `--stop-offenders`: sends SIGSTOP to the process behind an alert that asks for it (ransomware alerts, rules with
/// `stop: true`; every rule alert when `includeRules`), and says how to resume or end it. The process is the one
/// pinned at its first event (pid + start time), signalled through a pidfd: a name it gave itself since does not
/// save it, and a process that has taken its pid since is never touched. A process-tree alert (a script driving
/// short-lived programs) stops the script first, then its children, level by level. Never stops itself, its
/// ancestors, pid 1 or kernel threads.
public final class OffenderStopper: AlertResponder {
    public let includeRules: Bool
    private let pinner: ProcessPinner
    private let report: (String) -> Void
    private var stopped: Set<PinnedProcess> = []

    /// - Parameter report: one line for the user (the CLI writes it to stderr).
    public init(includeRules: Bool = false, pinner: ProcessPinner, report: @escaping (String) -> Void) {
        self.includeRules = includeRules
        self.pinner = pinner
        self.report = report
    }

    public func respond(to alert: inout Alert) {
        if !alert.stopsOffender, !includeRules { return }
        let pid = alert.process.pid
        guard let target = alert.offender ?? pinner.pin(pid: pid, at: alert.time) else {
            alert.responses.append("not stopped: pid \(pid) has exited (or its pid belongs to a later process)")
            return
        }
        guard !target.isProtected else {
            alert.responses.append("not stopped: pid \(pid) is protected (filewatcher itself, its parents, init or a kernel thread)")
            return
        }
        if stopped.contains(target), ProcessPinner.state(of: target.pid) == "T", !alert.offenderTree { return }
        var done: [PinnedProcess] = []
        switch pinner.signal(target, SIGSTOP) {
        case .success:
            done.append(target)
        case .failure(let failure):
            alert.responses.append("not stopped: \(target): \(failure)")
            report("filewatcher: could not stop \(target): \(failure)")
            return
        }
        if alert.offenderTree {
            // The script is stopped: it starts nothing more. Its children, then theirs (bounded).
            var level = [target]
            var seen = Set([target])
            for _ in 0..<16 where !level.isEmpty {
                var next: [PinnedProcess] = []
                for parent in level {
                    for child in pinner.children(of: parent) where seen.insert(child).inserted {
                        if case .success = pinner.signal(child, SIGSTOP) { done.append(child); next.append(child) }
                    }
                }
                level = next
            }
        }
        stopped.formUnion(done)
        alert.stopped = done.map { StoppedProcess(pid: $0.pid, name: $0.subject.name) }
        let pids = done.map { String($0.pid) }.joined(separator: " ")
        var line = "stopped \(target) with SIGSTOP"
        if done.count > 1 { line += ", and the \(done.count - 1) processes it runs (\(done.dropFirst().map { String($0.pid) }.joined(separator: " ")))" }
        line += "; resume: kill -CONT \(pids); end: kill -KILL \(pids)"
        alert.responses.append(line)
        report("filewatcher: \(line)")
    }
}
