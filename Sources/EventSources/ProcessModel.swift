#if os(Linux)
import Glibc
import CShims
import FileWatchCore

/// Where `ProcessModel` learns about processes it has not followed from their fork.
protocol ProcessReading: AnyObject {
    /// What /proc/PID says now; nil when the process is gone.
    func snapshot(_ pid: Int32) -> ProcSnapshot?
    /// Every process (thread group) now.
    func allProcesses() -> [Int32]
    /// Clock ticks since boot now (the unit of `ProcSnapshot.startTicks`).
    func bootTicks() -> UInt64
}

/// /proc.
final class ProcReader: ProcessReading {
    private let ticksPerSecond: UInt64 = { let t = sysconf(Int32(_SC_CLK_TCK)); return t > 0 ? UInt64(t) : 100 }()

    func snapshot(_ pid: Int32) -> ProcSnapshot? { ProcSnapshot.read(pid: pid) }

    func allProcesses() -> [Int32] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var pids: [Int32] = []
        while let entry = readdir(dir) {
            let pid = withUnsafeBytes(of: entry.pointee.d_name) { raw -> Int32? in
                Int32(String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self))
            }
            if let pid { pids.append(pid) }
        }
        return pids
    }

    func bootTicks() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return UInt64(ts.tv_sec) * ticksPerSecond + UInt64(ts.tv_nsec) * ticksPerSecond / 1_000_000_000
    }
}

/// Every process as it was at the event being translated, kept in queue order.
///
/// - At start every running process is read from /proc.
/// - After that, every process is followed from its birth: the kernel's process events give each fork
///   (the child has its parent's image and ids until it execs), each uid change and each exit.
/// - The image changes at the process's exec events in the fanotify queue (FAN_OPEN_EXEC of the program:
///   its name is the program's base name, its executable the program), so the events before an exec
///   have the old image and those after it the new one, however late they are read. The dynamic
///   loader and a script's interpreter, exec'd right after, belong to the same exec.
/// - A process the model has not seen (no process events: not root, or they were lost) is read from
///   /proc when first seen; when it execs later in the same window, its events before that exec get its
///   parent's image (a fork has it until its exec).
/// - An exit is forgotten one window after the one it was seen in (the process's last events may be read
///   in the next window). A pid reused in between: the events before the new process's first exec in
///   that window are the old process's.
final class ProcessModel {
    struct Entry {
        var subject: ProcessSubject
        /// Forked from this process and not used yet: it gets the parent's image and ids as the queue
        /// has them at its first event (a parent's exec before the fork is in the queue before it).
        var inheritFrom: Int32?
        /// Ids the kernel announced for this process itself (they win over inherited ones).
        var ownIDs: (ruid: UInt32, euid: UInt32)?
        /// An exec is under way: the next FAN_OPEN_EXECs (loader, interpreter) belong to it.
        var inExec = false
        var exited = false
        /// The process that had this pid before, when it ended and this one began since the last window.
        var predecessor: ProcessSubject?
        /// Images of announced execs not yet seen in the queue (comm and executable read at the exec).
        var announced: [(name: [UInt8], executable: [UInt8]?)] = []
        /// Execs the kernel announced / exec events seen in the queue: a difference that lasts means an
        /// exec of a program on no watched filesystem (a memfd): /proc then gives the new image.
        var announcedExecs = 0
        var queuedExecs = 0
        var lagging = false
        /// The last exec seen in the queue came before its announcement (the kernel announces an exec when
        /// it is done, after the FAN_OPEN_EXEC of its program): its executable. The announcement names it.
        var awaitingAnnouncement: [UInt8]??
    }

    private var entries: [Int32: Entry] = [:]
    private var exitedNow: [Int32] = []
    private var exitedBefore: [Int32] = []
    private let reader: ProcessReading
    private let users = SystemIdentityNames()
    var feed: ProcessAnnouncing?
    let capacity: Int
    /// Boot-time ticks at the current window's read: a process started later did not cause its events.
    var readTicks: UInt64 = 0
    /// Events given a process without a name (nothing known about it at all).
    private(set) var unnamed = 0
    private(set) var reusedPIDs = 0

    init(reader: ProcessReading = ProcReader(), capacity: Int = 65536) {
        self.reader = reader
        self.capacity = capacity
    }

    var count: Int { entries.count }

    /// Reads every running process.
    func start() {
        for pid in reader.allProcesses() where entries[pid] == nil {
            if let snapshot = reader.snapshot(pid) { entries[pid] = Entry(subject: makeSubject(pid: pid, snapshot)) }
        }
    }

    /// Applies the kernel's process events queued since the last call.
    func drainFeed() {
        feed?.drain { apply($0.event, name: $0.name, executable: $0.executable) }
    }

    func apply(_ event: fw_proc_event, name: [UInt8]? = nil, executable: [UInt8]? = nil) {
        switch event.what {
        case UInt32(FW_PROC_FORK):
            var entry = Entry(subject: ProcessSubject(pid: event.pid, ppid: event.parent), inheritFrom: event.parent)
            if var old = entries[event.pid] {
                reusedPIDs += 1
                resolveInheritance(&old, depth: 0)
                entry.predecessor = old.subject
            }
            entries[event.pid] = entry
        case UInt32(FW_PROC_EXEC):
            guard entries[event.pid] != nil else { return }
            entries[event.pid]!.announcedExecs += 1
            if let awaited = entries[event.pid]!.awaitingAnnouncement {
                // The exec already translated: its announcement names it (for the events from now on).
                entries[event.pid]!.awaitingAnnouncement = nil
                let interpreter = entries[event.pid]!.subject.interpreter?.bytes
                if let name, awaited == nil || executable == nil || awaited == executable || executable == interpreter {
                    entries[event.pid]!.subject.name = ByteString(name)
                    return
                }
            }
            if let name {
                // No executable: a zombie (comm stays, exe is gone) — it matches the exec whatever its program.
                if entries[event.pid]!.announced.count >= 8 { entries[event.pid]!.announced.removeFirst() }
                entries[event.pid]!.announced.append((name, executable))
            }
        case UInt32(FW_PROC_UID):
            guard entries[event.pid] != nil else { return }
            entries[event.pid]!.ownIDs = (event.ruid, event.euid)
            entries[event.pid]!.subject.uid = event.ruid
            entries[event.pid]!.subject.euid = event.euid
            entries[event.pid]!.subject.user = users.userName(for: event.ruid)
        case UInt32(FW_PROC_EXIT):
            entries[event.pid]?.exited = true
            exitedNow.append(event.pid)
        default:
            break
        }
    }

    /// A forked process takes its parent's image and ids (as the queue has them now) at first use.
    private func resolveInheritance(_ entry: inout Entry, depth: Int) {
        guard let parentPID = entry.inheritFrom else { return }
        entry.inheritFrom = nil
        var parent: ProcessSubject?
        if entries[parentPID] != nil, depth < 64 {
            var parentEntry = entries[parentPID]!
            resolveInheritance(&parentEntry, depth: depth + 1)
            entries[parentPID] = parentEntry
            parent = parentEntry.subject
        } else if let snapshot = reader.snapshot(parentPID) {
            parent = makeSubject(pid: parentPID, snapshot)
            entries[parentPID] = Entry(subject: parent!)
        }
        guard let parent else { return }
        entry.subject.name = parent.name
        entry.subject.executable = parent.executable
        entry.subject.interpreter = parent.interpreter
        entry.subject.uid = parent.uid
        entry.subject.euid = parent.euid
        entry.subject.gid = parent.gid
        entry.subject.user = parent.user
        if let ids = entry.ownIDs {
            entry.subject.uid = ids.ruid
            entry.subject.euid = ids.euid
            entry.subject.user = users.userName(for: ids.ruid)
        }
    }

    /// Who did event `index` of the window (`pid`'s image at that point of the queue).
    func subject(pid: Int32, at index: Int, _ facts: WindowFacts) -> ProcessSubject {
        if entries[pid] == nil {
            drainFeed()  // born after the feed was last read
            if entries[pid] == nil { firstSight(pid: pid, at: index, facts) }
        }
        if entries[pid]!.inheritFrom != nil {
            var entry = entries[pid]!
            resolveInheritance(&entry, depth: 0)
            entries[pid] = entry
        }
        let entry = entries[pid]!
        if let before = entry.predecessor, facts.nextExec(of: pid, after: index) != nil { return before }
        return entry.subject
    }

    private func firstSight(pid: Int32, at index: Int, _ facts: WindowFacts) {
        guard let snapshot = reader.snapshot(pid), snapshot.startTicks <= readTicks + 1 else {
            // Gone (or its pid already reused): its exec events in the queue will name it.
            unnamed += 1
            entries[pid] = Entry(subject: ProcessSubject(pid: pid))
            exitedNow.append(pid)
            return
        }
        var subject = makeSubject(pid: pid, snapshot)
        if facts.nextExec(of: pid, after: index) != nil, let ppid = snapshot.ppid,
           let parent = entries[ppid]?.subject ?? reader.snapshot(ppid).map({ makeSubject(pid: ppid, $0) }) {
            // /proc shows the program it execs later in this window: until then it was a fork of its parent.
            subject.name = parent.name
            subject.executable = parent.executable
            subject.interpreter = parent.interpreter
        }
        entries[pid] = Entry(subject: subject)
    }

    /// A FAN_OPEN_EXEC of `pid` on `path` (base name `name`): the program of a new image, or the dynamic
    /// loader or a script's interpreter of the exec under way.
    func exec(pid: Int32, path: [UInt8]?, name: [UInt8]) {
        if entries[pid] == nil { entries[pid] = Entry(subject: ProcessSubject(pid: pid)) }
        if entries[pid]!.inheritFrom != nil {
            var entry = entries[pid]!
            resolveInheritance(&entry, depth: 0)
            entries[pid] = entry
        }
        if Self.isDynamicLoader(name) { return }
        if entries[pid]!.inExec {
            // A script's #! interpreter: the script stays the executable (its events name one program).
            if let path { entries[pid]!.subject.interpreter = ByteString(path) }
            // The kernel announces the exec with the interpreter as the executable (/proc/PID/exe).
            if entries[pid]!.awaitingAnnouncement != nil, takeAnnouncement(pid: pid, path: path) {
                entries[pid]!.awaitingAnnouncement = nil
            }
            return
        }
        entries[pid]!.inExec = true
        entries[pid]!.queuedExecs += 1
        entries[pid]!.subject.name = ByteString(Self.commName(name))
        entries[pid]!.subject.executable = path.map(ByteString.init)
        entries[pid]!.subject.interpreter = nil
        entries[pid]!.subject.arguments = nil
        entries[pid]!.awaitingAnnouncement = nil
        // The name it was exec'd by (a symbolic link's: `sh` for /bin/sh → dash), as /proc showed it when the
        // exec was announced. The kernel announces an exec when it is done, after this event was queued: when
        // the announcement is not here yet, read what the kernel has sent since; when it is still not, the
        // exec is under way now and its announcement names the process when it comes.
        if takeAnnouncement(pid: pid, path: path) { return }
        drainFeed()
        guard entries[pid] != nil else { return }
        if !takeAnnouncement(pid: pid, path: path), entries[pid]!.announcedExecs < entries[pid]!.queuedExecs {
            entries[pid]!.awaitingAnnouncement = .some(path)
        }
    }

    private func takeAnnouncement(pid: Int32, path: [UInt8]?) -> Bool {
        guard let at = entries[pid]!.announced.firstIndex(where: { $0.executable == nil || $0.executable == path }) else {
            return false
        }
        entries[pid]!.subject.name = ByteString(entries[pid]!.announced[at].name)
        entries[pid]!.announced.removeSubrange(0...at)
        return true
    }

    /// An event of `pid` that only its new image can cause: the exec under way is over.
    @inline(__always)
    func activity(pid: Int32) {
        if entries[pid]?.inExec == true { entries[pid]!.inExec = false }
    }

    /// What the next exec of `pid` (event `name` at `path`) makes of it, for kinds a merged event got
    /// after that exec.
    func imageAfterExec(of subject: ProcessSubject, path: [UInt8]?, name: [UInt8]) -> ProcessSubject {
        var after = subject
        after.name = ByteString(Self.commName(name))
        if let announced = entries[subject.pid]?.announced.first(where: { $0.executable == nil || $0.executable == path }) {
            after.name = ByteString(announced.name)
        }
        after.executable = path.map(ByteString.init)
        after.interpreter = nil
        return after
    }

    /// A window was translated: exits seen two windows ago are forgotten; a process whose announced
    /// exec never showed in the queue for a whole window gets its image from /proc.
    func endWindow() {
        for pid in exitedBefore where entries[pid]?.exited == true { entries.removeValue(forKey: pid) }
        exitedBefore = exitedNow
        exitedNow.removeAll(keepingCapacity: true)
        for (pid, entry) in entries {
            if entry.predecessor != nil { entries[pid]!.predecessor = nil }
            if entry.announcedExecs > entry.queuedExecs {
                if entry.lagging, !entry.exited, let snapshot = reader.snapshot(pid) {
                    let ppid = entry.subject.ppid
                    entries[pid]!.subject = makeSubject(pid: pid, snapshot)
                    entries[pid]!.inheritFrom = nil
                    if entries[pid]!.subject.ppid == nil { entries[pid]!.subject.ppid = ppid }
                    entries[pid]!.queuedExecs = entry.announcedExecs
                    entries[pid]!.lagging = false
                } else {
                    entries[pid]!.lagging = true
                }
            } else if entry.lagging {
                entries[pid]!.lagging = false
            }
        }
        if entries.count > capacity {
            // A fork storm without exits we could see: keep the live ones /proc still has.
            entries = entries.filter { !$0.value.exited && reader.snapshot($0.key) != nil }
        }
    }

    static func isDynamicLoader(_ name: [UInt8]) -> Bool {
        name.starts(with: Array("ld-".utf8)) && name.firstRange(of: Array(".so".utf8)) != nil
    }

    /// What the kernel puts in comm after an exec: the file's base name, at most 15 bytes.
    static func commName(_ name: [UInt8]) -> [UInt8] {
        let base = name.split(separator: 0x2F).last.map(Array.init) ?? name
        return Array(base.prefix(15))
    }

    private func makeSubject(pid: Int32, _ s: ProcSnapshot) -> ProcessSubject {
        ProcessSubject(pid: pid, ppid: s.ppid, name: ByteString(s.name), executable: s.executable.map(ByteString.init),
                       uid: s.uid, euid: s.euid, gid: s.gid, user: s.uid.flatMap { users.userName(for: $0) })
    }
}
#endif
