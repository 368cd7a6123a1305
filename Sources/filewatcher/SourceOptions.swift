import ArgumentParser
import BSM
import EventSources
import FileWatchCore

enum LiveSourceChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, fanotify, auditpipe
}

/// Where events come from besides the platform default: a followed trail, or the auditpipe.
struct SourceOptions: ParsableArguments {
    @Flag(name: .long, help: "With --read FILE: keep reading as the trail grows and follow auditd's trail rotation (e.g. --read /var/audit/current --follow).")
    var follow = false

    @Option(name: .long, help: ArgumentHelp(
        "Live source: auto (fanotify on Linux, /dev/auditpipe on macOS and FreeBSD), fanotify or auditpipe.",
        valueName: "SOURCE"))
    var source: LiveSourceChoice = .auto

    @Option(name: .long, help: ArgumentHelp(
        "Read live audit records from PATH instead of /dev/auditpipe (macOS/FreeBSD). A FIFO or a file is read as records come, without the auditpipe ioctls.",
        valueName: "PATH"))
    var auditpipe: String?

    func validate(read: String?) throws {
        if follow {
            guard let read else { throw ValidationError("--follow needs --read FILE (e.g. --read /var/audit/current --follow).") }
            if read == "-" { throw ValidationError("--follow needs a file, not standard input.") }
        }
        if read != nil && (auditpipe != nil || source != .auto) {
            throw ValidationError("--read replays a trail; it cannot be combined with --source or --auditpipe.")
        }
        if auditpipe != nil && source == .fanotify {
            throw ValidationError("--auditpipe reads audit records; it cannot be combined with --source fanotify.")
        }
    }

    /// The BSM source these options ask for (a trail, a followed trail, the auditpipe), or nil
    /// when the platform's own live source (fanotify on Linux) is wanted.
    func makeBSMSource(read: String?, kinds: Set<EventKind>, catalog: Catalog,
                       report: (String) -> Void) throws -> EventSource? {
        if let read {
            return follow ? TrailFollowSource(path: read) : TrailSource(path: read)
        }
        let wantsAuditPipe = auditpipe != nil || source == .auditpipe || (source == .auto && HostPlatform.hasAuditPipe)
        if source == .fanotify && !HostPlatform.hasFanotify {
            throw RuntimeError("fanotify is Linux's; macOS and FreeBSD are watched through /dev/auditpipe (--source auditpipe).")
        }
        guard wantsAuditPipe else { return nil }
        if auditpipe == nil && !HostPlatform.hasAuditPipe {
            throw RuntimeError("Linux has no /dev/auditpipe: filewatcher watches Linux live through fanotify (run it as root without --source auditpipe), or give --auditpipe PATH to read BSM records from a FIFO or file.")
        }
        let mask = AuditPreselection.classMask(for: kinds, catalog: catalog)
        report("auditpipe classes: \(AuditPreselection.classNames(in: mask, catalog: catalog).joined(separator: ","))")
        return AuditPipeSource(path: auditpipe ?? AuditPipeSource.defaultPath, classMask: mask)
    }
}
