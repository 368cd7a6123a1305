#if os(Linux)
import Glibc
import CShims
import FileWatchCore

/// What `/proc/PID` says about a process at one moment.
struct ProcSnapshot {
    var name: [UInt8]
    var ppid: Int32?
    /// Field 22 of /proc/PID/stat: start time in clock ticks since boot.
    var startTicks: UInt64
    var uid: UInt32?
    var euid: UInt32?
    var gid: UInt32?
    var executable: [UInt8]?

    /// Reads /proc/PID/stat, status and exe. nil when the process is gone (and reaped).
    static func read(pid: Int32) -> ProcSnapshot? {
        withUnsafeTemporaryAllocation(byteCount: 2048, alignment: 8) { buffer -> ProcSnapshot? in
            // /proc/PID/stat: "pid (comm) state ppid pgrp ... starttime(22) ..."; comm may hold ") ".
            guard let n = withProcPIDPath(pid, "stat", { readSmallFile($0, into: buffer) }), n > 0 else { return nil }
            let stat = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            guard let open = stat.firstIndex(of: 0x28), let close = stat.lastIndex(of: 0x29), open < close else { return nil }
            let name = Array(stat[(open + 1)..<close])
            var field = 3
            var i = close + 2
            var ppid: Int32?
            var start: UInt64 = 0
            while i < n && field <= 22 {
                var j = i
                while j < n && stat[j] != 0x20 { j += 1 }
                if field == 4 { ppid = Int32(parseDecimal(stat, i, j)) }
                if field == 22 { start = parseDecimal(stat, i, j) }
                field += 1
                i = j + 1
            }
            var snapshot = ProcSnapshot(name: name, ppid: ppid, startTicks: start)
            // /proc/PID/status: "Uid:\treal\teffective\tsaved\tfs", "Gid:\t...".
            if let m = withProcPIDPath(pid, "status", { readSmallFile($0, into: buffer) }), m > 0 {
                let status = UnsafeRawBufferPointer(rebasing: buffer[0..<m])
                var lineStart = 0
                while lineStart < m {
                    var lineEnd = lineStart
                    while lineEnd < m && status[lineEnd] != 0x0A { lineEnd += 1 }
                    if lineEnd - lineStart > 4 && status[lineStart + 3] == 0x3A {  // "Xxx:"
                        let tag = (status[lineStart], status[lineStart + 1], status[lineStart + 2])
                        if tag == (0x55, 0x69, 0x64) || tag == (0x47, 0x69, 0x64) {  // Uid / Gid
                            let ids = numbers(status, lineStart + 4, lineEnd, max: 2)
                            if tag.0 == 0x55 {
                                snapshot.uid = ids.first.map(UInt32.init); snapshot.euid = ids.dropFirst().first.map(UInt32.init)
                            } else {
                                snapshot.gid = ids.first.map(UInt32.init)
                            }
                        }
                    }
                    lineStart = lineEnd + 1
                }
            }
            snapshot.executable = withProcPIDPath(pid, "exe", { readLinkBytes($0) })
            return snapshot
        }
    }

    private static func parseDecimal(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> UInt64 {
        var v: UInt64 = 0
        var k = from
        while k < to, b[k] >= 0x30, b[k] <= 0x39 { v = v &* 10 &+ UInt64(b[k] - 0x30); k += 1 }
        return v
    }

    private static func numbers(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int, max: Int) -> [UInt64] {
        var out: [UInt64] = []
        var k = from
        while k < to && out.count < max {
            while k < to && (b[k] < 0x30 || b[k] > 0x39) { k += 1 }
            if k >= to { break }
            var v: UInt64 = 0
            while k < to, b[k] >= 0x30, b[k] <= 0x39 { v = v &* 10 &+ UInt64(b[k] - 0x30); k += 1 }
            out.append(v)
        }
        return out
    }
}

/// Who did it, at event time: a pid → process cache fed from /proc.
///
/// - First sight of a pid: /proc/PID is read at once (so short-lived processes are still named),
///   and a pidfd is opened on it. The pidfd pins the process's identity: when it becomes readable
///   (registered in the source's epoll set), the process has exited; its entry is dropped only after
///   the fanotify queue has been drained past that moment, so its last events keep their name and
///   a later process that reuses the pid is read afresh.
/// - A process first seen with a start time after the read that delivered its event is a reused pid:
///   the event gets only its pid, never someone else's name.
/// - An exec event marks the entry stale: the next event re-reads /proc (new exe, comm, uids).
/// Process births, exec, uid changes and deaths as the kernel announces them (the proc connector;
/// root), so that a process already gone when its first file event is read still gets its parent,
/// its uid and its user (a fork inherits them; a uid change is announced).
final class ProcessEventFeed {
    struct Facts {
        var parent: Int32?
        var ruid: UInt32?
        var euid: UInt32?
        var execed = false
    }

    let fd: Int32
    private var facts: [Int32: Facts] = [:]
    /// Exits seen in this drain / the one before: forgotten after the next drain (their last file
    /// events may be read only then).
    private var exitedNow: [Int32] = []
    private var exitedBefore: [Int32] = []
    private var events = [fw_proc_event](repeating: fw_proc_event(), count: 512)
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
    let capacity = 65536
    /// recv(2) said ENOBUFS: process events were lost (the socket's buffer overflowed).
    private(set) var overflows = 0

    /// Fails when the kernel has no proc connector (CONFIG_PROC_EVENTS) or refuses it (not root).
    init() throws(LinuxSyscallError) {
        fd = try valueOrErrno { fw_proc_connector_open() }.get("socket(NETLINK_CONNECTOR)")
    }

    deinit {
        _ = Sys.close(fd)
        buffer.deallocate()
    }

    /// Reads every announcement queued on the socket.
    func drain() {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if n < 0 {
                if errno == EINTR { continue }
                if errno == ENOBUFS { overflows += 1; continue }
                return  // EAGAIN: nothing more
            }
            if n == 0 { return }
            let count = events.withUnsafeMutableBufferPointer {
                Int(fw_proc_connector_parse(buffer.baseAddress, n, $0.baseAddress, Int32($0.count)))
            }
            for event in events.prefix(count) { apply(event) }
        }
    }

    private func apply(_ event: fw_proc_event) {
        switch event.what {
        case UInt32(FW_PROC_FORK):
            if facts.count >= capacity { facts.removeAll(keepingCapacity: true) }
            facts[event.pid] = Facts(parent: event.parent)
        case UInt32(FW_PROC_EXEC):
            facts[event.pid, default: Facts()].execed = true
        case UInt32(FW_PROC_UID):
            facts[event.pid, default: Facts()].ruid = event.ruid
            facts[event.pid, default: Facts()].euid = event.euid
        case UInt32(FW_PROC_EXIT):
            exitedNow.append(event.pid)
        default:
            break
        }
    }

    /// After a drain of the file events: forget the processes that exited before the previous one.
    func endDrain() {
        for pid in exitedBefore { facts.removeValue(forKey: pid) }
        exitedBefore.removeAll(keepingCapacity: true)
        swap(&exitedBefore, &exitedNow)
    }

    func facts(of pid: Int32) -> Facts? { facts[pid] }
}

final class ProcessTable {
    private struct Entry {
        var subject: ProcessSubject
        var pidfd: Int32
        var stale: Bool
        /// The first file exec'd since the last refresh: the program (later ones are interpreters).
        var execPath: [UInt8]?
        /// The executable before the exec, and how often /proc was read since: a read in the middle of
        /// execve(2) still shows the old image, so the entry stays stale until the image has changed.
        var executableBeforeExec: ByteString?
        var refreshes = 0
    }

    /// epoll user-data tag that marks a pidfd (the low 32 bits hold the pid).
    static let pidfdTag: UInt64 = 1 << 40

    private var entries: [Int32: Entry] = [:]
    /// Exits seen before the current drain (pidfd readable): drop after it.
    private var exitedPending: [Int32] = []
    /// Seen gone while processing a drain: its last events may have been queued after that read, so
    /// keep the entry (and what its exec told us) through one more drain.
    private var goneDuringDrain: [Int32] = []
    private let users = SystemIdentityNames()
    private let epollFD: Int32
    private let clockTicks: UInt64
    private var pidfdsWork = true
    /// Boot-time clock ticks at the current read: processes started later cannot have caused its events.
    var readBootTicks: UInt64 = 0
    private(set) var reusedPIDs = 0
    let capacity: Int
    /// The kernel's process events, when available: identities of processes gone before first seen.
    var feed: ProcessEventFeed?

    init(epollFD: Int32, capacity: Int = 16384) {
        self.epollFD = epollFD
        self.capacity = capacity
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        clockTicks = ticks > 0 ? UInt64(ticks) : 100
    }

    deinit {
        for entry in entries.values where entry.pidfd >= 0 { _ = Sys.close(entry.pidfd) }
    }

    /// Marks the start of processing one read.
    func beginRead() {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        readBootTicks = UInt64(ts.tv_sec) * clockTicks + UInt64(ts.tv_nsec) * clockTicks / 1_000_000_000
    }

    func subject(pid: Int32, forExec: Bool = false) -> ProcessSubject {
        if let entry = entries[pid] {
            if !entry.stale || forExec { return entry.subject }
            return refresh(pid: pid)
        }
        return firstSight(pid: pid)
    }

    func knows(_ pid: Int32) -> Bool { entries[pid] != nil }

    /// First sight of a pid whose exec follows later in the same read: until that exec it was a fork
    /// of its parent, so it gets the parent's name and executable (its own pid, ppid and ids).
    /// Returns (before the exec, as /proc shows it now).
    /// `execPath`: the program of that exec, used when the process is already gone.
    func subjectBeforeExec(pid: Int32, execPath: [UInt8]?) -> (before: ProcessSubject, now: ProcessSubject) {
        var now = firstSight(pid: pid)
        if now.name.isEmpty, let path = execPath, !Self.isDynamicLoader(path) {
            now.name = ByteString(Self.commName(path))
            now.executable = ByteString(path)
        }
        var subject = now
        guard let ppid = subject.ppid, ppid > 0 else { return (subject, now) }
        let parent: ProcessSubject? = entries[ppid]?.subject
            ?? ProcSnapshot.read(pid: ppid).map { makeSubject(pid: ppid, $0) }
        if let parent {
            subject.name = parent.name
            subject.executable = parent.executable
            entries[pid]?.subject = subject
        }
        return (subject, now)
    }

    /// An exec event from `pid` of `path`: the next event of the pid re-reads /proc.
    func noteExec(pid: Int32, path: [UInt8]?) {
        guard entries[pid] != nil else { return }
        // The ELF interpreter (ld-linux*.so*) is opened for exec during every dynamic exec: not a program.
        if let path, Self.isDynamicLoader(path) { return }
        if !entries[pid]!.stale {
            entries[pid]!.execPath = path
            entries[pid]!.executableBeforeExec = entries[pid]!.subject.executable
            entries[pid]!.refreshes = 0
        }
        entries[pid]!.stale = true
    }

    /// The pidfd of `pid` became readable: the process exited.
    func noteExited(pid: Int32) { exitedPending.append(pid) }

    /// Called after the fanotify queue was drained: forget processes whose exit was seen before it.
    func dropExited() {
        for pid in exitedPending {
            if let entry = entries.removeValue(forKey: pid), entry.pidfd >= 0 { _ = Sys.close(entry.pidfd) }
        }
        exitedPending.removeAll(keepingCapacity: true)
        swap(&exitedPending, &goneDuringDrain)
    }

    var count: Int { entries.count }

    private func firstSight(pid: Int32) -> ProcessSubject {
        if entries.count >= capacity { evictUntracked() }
        var pidfd: Int32 = -1
        if pidfdsWork {
            switch Sys.pidfdOpen(pid) {
            case .success(let fd): pidfd = fd
            case .failure(.noFunction), .failure(.notSupported): pidfdsWork = false
            case .failure: break
            }
        }
        guard let snapshot = ProcSnapshot.read(pid: pid) else {
            // Gone already: what the process events told. Remember that for the rest of this read.
            if pidfd >= 0 { _ = Sys.close(pidfd) }
            let subject = subjectOfGone(pid)
            entries[pid] = Entry(subject: subject, pidfd: -1, stale: false)
            goneDuringDrain.append(pid)
            return subject
        }
        if snapshot.startTicks > readBootTicks + 1 {
            // Started after the read that delivered this event: someone else has this pid now.
            reusedPIDs += 1
            if pidfd >= 0 { _ = Sys.close(pidfd) }
            let subject = ProcessSubject(pid: pid)
            entries[pid] = Entry(subject: subject, pidfd: -1, stale: false)
            goneDuringDrain.append(pid)
            return subject
        }
        var subject = makeSubject(pid: pid, snapshot)
        if subject.uid == nil {
            // Gone between reading its stat and its status: the ids from the process events.
            let gone = subjectOfGone(pid)
            subject.uid = gone.uid; subject.euid = gone.euid; subject.gid = gone.gid; subject.user = gone.user
        }
        if pidfd >= 0 {
            if case .failure = Sys.epollAdd(epollFD, pidfd, data: Self.pidfdTag | UInt64(UInt32(bitPattern: pid))) {
                _ = Sys.close(pidfd); pidfd = -1
            }
        }
        entries[pid] = Entry(subject: subject, pidfd: pidfd, stale: false)
        if pidfd < 0 { goneDuringDrain.append(pid) }  // cannot watch its exit: read again after the next drain
        return subject
    }

    /// A process already gone when first seen: its parent from the process events, and the parent's
    /// identity, which a fork inherits (name and executable only until an exec, which its own exec
    /// event then names; ids until an announced uid change). Only the pid without those events.
    private func subjectOfGone(_ pid: Int32, depth: Int = 0) -> ProcessSubject {
        var subject = ProcessSubject(pid: pid)
        guard let feed else { return subject }
        // Forked after the feed was last read (and gone already): read it again.
        if feed.facts(of: pid) == nil { feed.drain() }
        guard let facts = feed.facts(of: pid) else { return subject }
        subject.ppid = facts.parent
        if let ppid = facts.parent, ppid > 0 {
            // A known parent as it is now (an exec'd one is refreshed from its exec's program).
            let parent = entries[ppid] != nil ? self.subject(pid: ppid)
                : ProcSnapshot.read(pid: ppid).map { makeSubject(pid: ppid, $0) }
                    ?? (depth < 8 ? subjectOfGone(ppid, depth: depth + 1) : nil)
            if let parent {
                if !facts.execed {
                    subject.name = parent.name
                    subject.executable = parent.executable
                }
                subject.uid = parent.uid
                subject.euid = parent.euid
                subject.gid = parent.gid
            }
        }
        if let ruid = facts.ruid { subject.uid = ruid }
        if let euid = facts.euid { subject.euid = euid }
        subject.user = subject.uid.flatMap { users.userName(for: $0) }
        return subject
    }

    private func refresh(pid: Int32) -> ProcessSubject {
        var entry = entries[pid]!
        entry.refreshes += 1
        var settled = true
        if var snapshot = ProcSnapshot.read(pid: pid) {
            if let exe = snapshot.executable {
                // Still the old image (read in the middle of execve)? Then look again at the next event.
                let changed = exe != entry.executableBeforeExec?.bytes || exe == entry.execPath
                settled = changed || entry.refreshes >= 4
                if !settled, let path = entry.execPath { snapshot.executable = path; snapshot.name = Self.commName(path) }
            } else {
                // A zombie has no exe link any more: the program it exec'd is the best name.
                snapshot.executable = entry.execPath
            }
            let before = entry.subject
            entry.subject = makeSubject(pid: pid, snapshot)
            if entry.subject.uid == nil {
                // Gone between its stat and its status: an exec keeps the ids (bar set-id programs).
                entry.subject.uid = before.uid; entry.subject.euid = before.euid
                entry.subject.gid = before.gid; entry.subject.user = before.user
            }
        } else if let path = entry.execPath {
            entry.subject.executable = ByteString(path)
            entry.subject.name = ByteString(Self.commName(path))
        }
        if settled {
            entry.stale = false
            entry.execPath = nil
        }
        entries[pid] = entry
        return entry.subject
    }

    static func isDynamicLoader(_ path: [UInt8]) -> Bool {
        let base = path.split(separator: 0x2F).last.map(Array.init) ?? path
        return base.starts(with: Array("ld-".utf8)) && base.firstRange(of: Array(".so".utf8)) != nil
    }

    /// What the kernel puts in comm after an exec: the file's base name, at most 15 bytes.
    static func commName(_ path: [UInt8]) -> [UInt8] {
        let base = path.split(separator: 0x2F).last.map(Array.init) ?? path
        return Array(base.prefix(15))
    }

    private func makeSubject(pid: Int32, _ s: ProcSnapshot) -> ProcessSubject {
        ProcessSubject(pid: pid, ppid: s.ppid, name: ByteString(s.name), executable: s.executable.map(ByteString.init),
                       uid: s.uid, euid: s.euid, gid: s.gid, user: s.uid.flatMap { users.userName(for: $0) })
    }

    /// Over capacity (a fork bomb, or pidfds unavailable): forget entries without a pidfd first.
    private func evictUntracked() {
        let untracked = entries.filter { $0.value.pidfd < 0 }.map(\.key)
        for pid in untracked { entries.removeValue(forKey: pid) }
        if entries.count >= capacity {
            for (_, entry) in entries where entry.pidfd >= 0 { _ = Sys.close(entry.pidfd) }
            entries.removeAll(keepingCapacity: true)
        }
    }
}
#endif
