// Endpoint Security messages (decoded eslogger lines) → events.
//
//   open         file.path; read/write from `fflag` (the kernel's FREAD 0x1 / FWRITE 0x2 bits, not
//                O_RDONLY/O_WRONLY), create/truncate from O_CREAT 0x200 / O_TRUNC 0x400
//   close        target.path; `modified` → close_write
//   create       destination.existing_file.path, or destination.new_path.dir.path + "/" + filename
//   rename       source.path → destination (existing file, or dir + filename): one event, both paths
//   unlink       target.path (delete)
//   write        target.path
//   link         source.path → target_dir.path + "/" + target_filename
//   truncate     target.path (write, as BSM's truncate records)
//   setattrlist, setmode, setowner (and the other set* events): target.path (attrib)
//   exec         target.executable.path; the event's process is the program after the exec (the
//                `target` process: its executable, args, signing id, cdhash), as for BSM execve
//   exit         `stat` kept in the detail
//   fork         `other`, by the parent; teaches the child its parent (and its command line)
//
// Every Endpoint Security notification reports an operation that happened: results are success.
// Stateful (one mapper per stream): remembers each process's command line from its exec (and a
// child's parent from its fork) so its later events carry them; bounded to `capacity` pids.

public final class EsloggerMapper {
    /// What a process's own later events do not say.
    struct Known {
        var pidVersion: UInt32?
        var ppid: Int32?
        var arguments: [ByteString]?
    }

    public let capacity: Int
    private var known: [Int32: Known] = [:]
    /// Subjects built before, by pid (most lines come from a few processes; measured: building
    /// the subject, its name above all, was a third of the mapping's instructions). Bounded.
    private var subjects: [Int32: KnownSubject] = [:]
    /// A reference: a hit copies neither struct out of the dictionary.
    final class KnownSubject {
        let actor: EsloggerProcess
        let subject: ProcessSubject
        init(_ actor: EsloggerProcess, _ subject: ProcessSubject) { self.actor = actor; self.subject = subject }
    }

    public init(capacity: Int = 8192) {
        self.capacity = max(1, capacity)
    }

    /// Pids remembered now.
    public var rememberedPIDs: Int { known.count }

    /// The event kind of an Endpoint Security event name.
    public static func kind(of name: String) -> EventKind {
        switch name {
        case "open": .open
        case "close": .close
        case "create": .create
        case "rename": .rename
        case "unlink": .delete
        case "write", "truncate": .write
        case "link": .link
        case "setattrlist", "setmode", "setowner", "setflags", "setextattr", "deleteextattr", "setacl", "utimes":
            .attrib
        case "stat", "access", "readlink", "getattrlist", "getextattr", "listextattr", "lookup": .stat
        case "exec": .exec
        case "exit": .exit
        default: .other  // fork and everything else
        }
    }

    /// The event of one message; nil when the line held no `event`.
    public func map(_ m: EsloggerMessage) -> Event? {
        guard let name = m.event else { return nil }
        let kind = Self.kind(of: name)
        let p = m.payload
        let isExec = kind == .exec
        let actor = (isExec ? p.process : nil) ?? m.process ?? EsloggerProcess()
        var process = memoizedSubject(actor)
        if let pid = actor.pid, let k = known[pid], k.pidVersion == nil || actor.pidVersion == nil || k.pidVersion == actor.pidVersion {
            if process.ppid == nil { process.ppid = k.ppid }
            if !isExec { process.arguments = k.arguments }
        }

        var detail = EndpointSecurityDetail(event: name, version: m.version.flatMap { Int(exactly: $0) },
                                            globalSequence: m.globalSequence, sequence: m.sequence)
        var file = p.file
        var openFlags: OpenFlags = []
        switch name {
        case "open":
            let f = p.fflag ?? 0
            if f & 0x1 != 0 { openFlags.insert(.read) }
            if f & 0x2 != 0 { openFlags.insert(.write) }
            if f & 0x200 != 0 { openFlags.insert(.create) }
            if f & 0x400 != 0 { openFlags.insert(.truncate) }
        case "exec":
            file = actor.executable
            process.arguments = p.args
            detail.cwd = p.cwd?.path
            if let pid = actor.pid {
                remember(pid, Known(pidVersion: actor.pidVersion, ppid: actor.ppid, arguments: p.args))
            }
        case "fork":
            if let child = p.process, let childPID = child.pid {
                detail.childPID = childPID
                detail.childPIDVersion = child.pidVersion
                remember(childPID, Known(pidVersion: child.pidVersion, ppid: actor.pid ?? child.ppid,
                                         arguments: process.arguments))
            }
        case "exit":
            detail.exitStatus = p.exitStatus.flatMap { Int32(exactly: $0) }
            if let pid = actor.pid { known.removeValue(forKey: pid) }
        default:
            break
        }

        var event = Event(time: m.time ?? 0, kind: kind, result: .success, process: process,
                          path: file?.path, destinationPath: p.destination?.path,
                          isDirectory: file?.isDirectory ?? false, openFlags: openFlags,
                          closeAfterWrite: kind == .close ? p.modified : nil, source: .eslogger,
                          detail: .endpointSecurity(detail))
        event.pathTruncated = (file?.truncated ?? false) || (p.destination?.truncated ?? false)
        return event
    }

    /// `subject(p)`, from `subjects` when the same process was seen before.
    private func memoizedSubject(_ p: EsloggerProcess) -> ProcessSubject {
        let pid = p.pid ?? -1
        if let known = subjects[pid], known.actor == p { return known.subject }
        let s = subject(p)
        if subjects.count >= capacity, subjects[pid] == nil { subjects.removeAll(keepingCapacity: true) }
        subjects[pid] = KnownSubject(p, s)
        return s
    }

    /// The event model's process of an es_process_t.
    func subject(_ p: EsloggerProcess) -> ProcessSubject {
        // 0xffffffff is "not set" (AU_DEFAUDID for an auid of a process no one logged in as).
        @inline(__always) func id(_ v: UInt32?) -> UInt32? { v == 0xffff_ffff ? nil : v }
        let exe = p.executable?.path
        var s = ProcessSubject(pid: p.pid ?? -1, ppid: p.ppid, name: exe.map { ByteString(basename($0.bytes)) } ?? "",
                               executable: exe, uid: id(p.ruid), euid: id(p.euid), auid: id(p.auid),
                               gid: id(p.rgid), signingID: p.signingID, teamID: p.teamID, cdhash: p.cdhash,
                               startTime: p.startTime)
        s.pidVersion = p.pidVersion
        s.originalPPID = p.originalPPID
        return s
    }

    private func remember(_ pid: Int32, _ k: Known) {
        if known.count >= capacity, known[pid] == nil {
            // Forget an arbitrary half: bounded memory matters more than a long-lived command line.
            for key in Array(known.keys.prefix(max(1, capacity / 2))) { known.removeValue(forKey: key) }
        }
        known[pid] = k
    }
}
