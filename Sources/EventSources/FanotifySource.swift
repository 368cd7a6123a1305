#if os(Linux)
import Glibc
import CShims
import FileWatchCore

/// How the fanotify source is set up. The defaults are what the benchmarks found cheapest.
public struct FanotifyOptions: Sendable {
    /// Which groups report what.
    public enum Layout: String, Sendable, CaseIterable {
        /// One group reporting directory handle + name (FAN_REPORT_DFID_NAME) for every event; paths come
        /// from a directory-handle cache (no per-event system call). Every event is named as it was
        /// when it happened, in the order it happened; each event costs the writing process a parent
        /// lookup and a name copy in the kernel. Used when `hybrid` cannot be (before Linux 5.17).
        case fid
        /// A FID group for create/delete/rename/attrib and an fd group for open/read/write/close/exec.
        case split
        /// One fd group: paths from the event descriptors; create, delete and rename are not reported.
        case fd
        /// Open/read/write/close/exec from a group reporting each file's own handle (FAN_REPORT_FID)
        /// through mount marks (every mount of the watched filesystems, in every mount namespace), and
        /// create/delete/rename/attrib (and exec again) from a FAN_REPORT_DFID_NAME group that also
        /// reports each entry's own handle (FAN_REPORT_TARGET_FID, Linux 5.17) through filesystem
        /// marks; a content event is named by looking its handle up in what the FID group reported.
        /// Why: a name-reporting group's filesystem mark makes the kernel take the parent and name of
        /// every event on that filesystem, for every group marking it there; events through mount
        /// marks skip that. (Descriptors instead of handles would cost the writing process a little
        /// less, but they pin deleted files until read, which made create/delete churn on ext4 2-3×
        /// slower.) The default.
        case hybrid
    }

    public var layout: Layout = .hybrid
    /// Which kinds to ask the kernel for (nil: every kind this source reports).
    public var kinds: Set<EventKind>?
    /// FAN_UNLIMITED_QUEUE (default). When false the kernel's bounded queue (fs.fanotify.max_queued_events)
    /// is used and overflows are reported.
    public var unlimitedQueue = true
    /// Bytes per read(2) of a group.
    public var readBufferSize = 256 * 1024
    /// After a wake-up that found events, wait this long before reading again so that events arrive in
    /// larger batches: fewer system calls, and the kernel merges repeated events of one process on one
    /// file that are still queued (each kind is then reported once). 0: read at once. Default 5 ms
    /// (measured: monitor CPU on `workload rw` falls from about fatrace's to a fifth of it).
    public var batchDelayMicroseconds = 5_000
    /// Files whose events are never reported (ignore marks): the output and log files. Regular files this
    /// process has open for writing when the source starts are added automatically.
    public var ignoredPaths: [String] = []
    /// Watch only the filesystems holding these paths (nil: every real filesystem).
    public var paths: [String]?

    public init() {}

    /// The kinds this source can report.
    public static let reportableKinds: Set<EventKind> = [.open, .read, .write, .close, .exec, .attrib, .create, .delete, .rename]
}

/// Live file events from Linux fanotify: every real filesystem (one filesystem mark per superblock),
/// every event named, every process identified at event time.
public final class FanotifySource: EventSource {
    public var kind: SourceKind { .fanotify }
    public let options: FanotifyOptions

    /// Content of written files for detection (see `contentReader`); created on first use.
    private var lentReader: LentDescriptorContentReader?

    /// Queue overflows seen (each one means the kernel dropped events).
    public private(set) var overflowCount: UInt64 = 0
    /// Events read from the kernel (before expansion into kinds).
    public private(set) var kernelEventCount: UInt64 = 0
    /// One-line remarks about fallbacks and unwatched filesystems, also delivered as `.info` notices.
    public private(set) var remarks: [String] = []
    /// The filesystems being watched (mount points).
    public private(set) var watchedMountPoints: [String] = []

    private var groups: [FanotifyGroup] = []
    private var fidGroup: FanotifyGroup?
    private var fdGroup: FanotifyGroup?
    private var closeWriteGroup: FanotifyGroup?
    /// `hybrid`: the group reporting the files' own handles, for content events (mount marks).
    private var objectGroup: FanotifyGroup?
    /// `hybrid`: names of files by handle, learned from the FID group's directory-entry events.
    private let objectNames = ObjectNameTable()
    /// `hybrid`: the identity before an exec that the FID group reported in this drain, for the object
    /// group's events of that process queued before its copy of the exec.
    private var identityBeforeExec: [Int32: ProcessSubject] = [:]
    /// `hybrid`: mounts marked in the object group (mount ids).
    private var markedMounts: Set<Int> = []
    private var watchedDevices: Set<String> = []
    private var objectMask: FanotifyMask = []
    /// Reads the FID group during an object-group read (set by `run`).
    private var drainNames: (() -> Void)?
    private var epollFD: Int32 = -1
    private var processes: ProcessTable!
    private let directories = DirectoryPathCache()
    private let ownPID = getpid()
    private var prepared = false
    private var renameSupported = true
    /// MOVED_FROM waiting for its MOVED_TO (kernels before 5.17 have no FAN_RENAME).
    private var pendingMove: (pid: Int32, path: [UInt8], isDirectory: Bool, mask: UInt64, time: Int64)?

    public init(options: FanotifyOptions = FanotifyOptions()) {
        self.options = options
    }

    deinit {
        if epollFD >= 0 { _ = Sys.close(epollFD) }
    }

    // MARK: Setup

    /// Fails early, with one clear sentence, when fanotify cannot be used at all (not root, no
    /// fanotify in the kernel): a probe group is created and closed again.
    public static func checkAvailable() throws {
        switch Sys.fanotifyInit(flags: FanotifyInitFlags([.cloexec, .classNotif]).rawValue, eventFlags: UInt32(O_RDONLY)) {
        case .success(let fd): _ = Sys.close(fd)
        case .failure(.notPermitted): throw FanotifyError.notPermitted
        case .failure(.noFunction): throw FanotifyError.unsupported
        case .failure(let errno): throw FanotifyError.syscall(LinuxSyscallError("fanotify_init", errno))
        }
    }

    /// Creates the groups and marks every watched filesystem. `run` calls it when needed; call it
    /// yourself to start queueing events before the loop runs.
    public func prepare() throws {
        if prepared { return }
        raiseDescriptorLimit()
        epollFD = try Sys.epollCreate().get("epoll_create1")
        // Descriptor budget: a quarter for pidfds, a quarter for the event descriptors of one fd-mode read.
        processes = ProcessTable(epollFD: epollFD, capacity: max(256, min(16384, descriptorLimit / 4)))
        do {
            processes.feed = try ProcessEventFeed()
        } catch {
            remark("process events unavailable (\(error)): processes that exit before their first event is read get no uid or user")
        }

        let kinds = options.kinds ?? FanotifyOptions.reportableKinds
        var wanted: FanotifyMask = []
        if kinds.contains(.open) { wanted.insert(.open) }
        if kinds.contains(.read) { wanted.insert(.access) }
        if kinds.contains(.write) { wanted.insert(.modify) }
        if kinds.contains(.close) { wanted.formUnion(.close) }
        if kinds.contains(.exec) { wanted.insert(.openExec) }
        if kinds.contains(.attrib) { wanted.insert(.attrib) }
        if kinds.contains(.create) { wanted.insert(.create) }
        if kinds.contains(.delete) { wanted.insert(.delete) }
        if kinds.contains(.rename) { wanted.insert(.rename) }
        if lentReader != nil { wanted.insert(.closeWrite) }

        var baseFlags: FanotifyInitFlags = [.cloexec, .nonblock, .classNotif]
        if options.unlimitedQueue { baseFlags.insert(.unlimitedQueue) }

        var layout = options.layout
        if layout == .hybrid {
            do {
                fidGroup = try FanotifyGroup(reporting: .fid, flags: baseFlags.union(.reportDFIDNameTarget))
                objectGroup = try FanotifyGroup(reporting: .object, flags: baseFlags.union(.reportFID))
            } catch {
                fidGroup = nil; objectGroup = nil
                try Self.throwUnlessUnsupportedFlag(error)
                layout = .fid
                remark("fanotify: this kernel cannot report an entry's own handle (FAN_REPORT_TARGET_FID needs Linux 5.17): using the fid layout")
            }
        }
        if layout != .fd && fidGroup == nil {
            do {
                fidGroup = try FanotifyGroup(reporting: .fid, flags: baseFlags.union(.reportDFIDName))
            } catch {
                try Self.throwUnlessUnsupportedFlag(error)
                layout = .fd
                remark("fanotify: this kernel cannot report file names (FAN_REPORT_DFID_NAME needs Linux 5.9): create, delete and rename are not reported")
            }
        }
        var fidMask: FanotifyMask = []
        var fdMask: FanotifyMask = []
        switch layout {
        case .fid: fidMask = wanted
        case .split:
            fidMask = wanted.intersection([.create, .delete, .rename, .attrib])
            fdMask = wanted.intersection(.content)
        case .fd:
            fdMask = wanted.intersection(.content)
        case .hybrid:
            fidMask = wanted.intersection([.create, .delete, .rename, .attrib, .openExec])
            objectMask = wanted.intersection(.content)
        }
        if lentReader != nil {
            fidMask.remove(.closeWrite); fdMask.remove(.closeWrite); objectMask.remove(.closeWrite)
        }
        // Opens and reads of directories too (ls), as the fid layout reports them.
        if objectMask.isEmpty { objectGroup = nil } else { objectMask.insert(.onDir) }
        if !fidMask.isEmpty { fidMask.insert(.onDir) } else { fidGroup = nil }
        if !fdMask.isEmpty || layout == .fd {
            do {
                fdGroup = try FanotifyGroup(reporting: .fd, flags: baseFlags)
            } catch {
                switch error.errno {
                case .notPermitted: throw FanotifyError.notPermitted
                case .noFunction: throw FanotifyError.unsupported
                default: throw FanotifyError.syscall(error)
                }
            }
        }
        if lentReader != nil {
            closeWriteGroup = try FanotifyGroup(reporting: .fd, flags: baseFlags)
        }

        try markFilesystems(fidMask: fidMask, fdMask: fdMask)
        fidGroup?.mask = fidMask
        fdGroup?.mask = fdMask
        closeWriteGroup?.mask = .closeWrite
        if let objectGroup {
            objectGroup.mask = objectMask
            markMounts()
        }
        // The FID group first: the object group's events are named from what it reported.
        groups = [fidGroup, objectGroup, fdGroup, closeWriteGroup].compactMap { $0 }
        for (index, group) in groups.enumerated() {
            try Sys.epollAdd(epollFD, group.fd, data: UInt64(index)).get("epoll_ctl")
        }
        ignoreOwnFiles()
        prepared = true
    }

    private func remark(_ text: String) { remarks.append(text) }

    /// A failed fanotify_init: returns for EINVAL (a flag this kernel does not know: the caller falls
    /// back), throws the one-sentence error for everything else.
    private static func throwUnlessUnsupportedFlag(_ error: LinuxSyscallError) throws(FanotifyError) {
        switch error.errno {
        case .notPermitted: throw .notPermitted
        case .noFunction: throw .unsupported
        case .invalidArgument: return
        default: throw .syscall(error)
        }
    }

    private func markFilesystems(fidMask: FanotifyMask, fdMask: FanotifyMask) throws {
        var mounts = LinuxMount.watchable(try LinuxMount.current())
        if let paths = options.paths {
            // Keep the mounts holding the requested paths: the longest mount point that prefixes each.
            let all = mounts
            mounts = []
            for path in paths {
                let best = all.filter { path == $0.mountPoint || path.hasPrefix($0.mountPoint == "/" ? "/" : $0.mountPoint + "/") }
                    .max { $0.mountPoint.utf8.count < $1.mountPoint.utf8.count }
                if let best, !mounts.contains(best) { mounts.append(best) }
            }
        }
        var useFilesystemMarks = true
        for mount in mounts {
            var watched = false
            if let group = fidGroup, !fidMask.isEmpty {
                var mask = fidMask
                while true {
                    do {
                        try group.mark([.add, .filesystem], mask: mask, path: mount.mountPoint)
                        watched = true
                        break
                    } catch {
                        if error.errno == .invalidArgument && mask.contains(.rename) && renameSupported {
                            // Before Linux 5.17: no FAN_RENAME; pair MOVED_FROM with MOVED_TO instead.
                            renameSupported = false
                            remark("fanotify: this kernel has no FAN_RENAME (Linux 5.17): renames are rebuilt from MOVED_FROM/MOVED_TO pairs")
                            mask.remove(.rename); mask.formUnion([.movedFrom, .movedTo])
                            continue
                        }
                        if !renameSupported && mask.contains(.rename) { mask.remove(.rename); mask.formUnion([.movedFrom, .movedTo]); continue }
                        if error.errno == .invalidArgument {
                            remark("fanotify: this kernel has no filesystem marks (Linux 4.20): create, delete and rename are not reported; watching mounts")
                        } else {
                            remark("fanotify: \(mount.mountPoint) (\(mount.fsType)) cannot report file handles (\(error.errno)): only open/read/write/close/exec are reported there")
                        }
                        break
                    }
                }
                if !renameSupported { fidGroup?.mask = mask }
            }
            // hybrid: the object group's mount marks cover the filesystems the FID group could mark.
            if watched { watchedDevices.insert(mount.device) }
            if !watched || !fdMask.isEmpty {
                let mask = watched ? fdMask : FanotifyMask.content.intersection(fidMask.union(fdMask).union(objectMask))
                if !mask.isEmpty {
                    if fdGroup == nil { fdGroup = try FanotifyGroup(reporting: .fd, flags: fidGroup?.initFlags.subtracting(.reportDFIDName) ?? [.cloexec, .nonblock, .classNotif]) }
                    if try markFD(fdGroup!, mask: mask, mount: mount, filesystem: &useFilesystemMarks) { watched = true }
                }
            }
            if let group = closeWriteGroup {
                _ = try markFD(group, mask: .closeWrite, mount: mount, filesystem: &useFilesystemMarks)
            }
            if watched {
                watchedMountPoints.append(mount.mountPoint)
                let fd = mount.mountPoint.withCString { Sys.open($0, O_RDONLY | O_DIRECTORY) }
                if case .success(let mountFD) = fd {
                    if case .success(let fsid) = Sys.fsid(mountFD) {
                        directories.addMount(fd: mountFD, fsid: fsid)
                    } else {
                        _ = Sys.close(mountFD)
                    }
                }
            }
        }
        if watchedMountPoints.isEmpty { throw FanotifyError.noWatchableFilesystem }
    }

    /// `hybrid`: a mount mark in the object group on every mount of a watched filesystem, in this mount
    /// namespace and in every other one a process is in (reached through /proc/PID/root), once each.
    /// Called at start and about once a second after, for new mounts and new mount namespaces (a
    /// service started with its own): content events through a mount not yet marked are missed.
    private func markMounts() {
        guard let group = objectGroup else { return }
        // The mounts marked now, as the kernel lists them (a mount's mark goes with the mount, and
        // mount ids are reused).
        markedMounts = Self.markedMountIDs(group)
        var namespaces: Set<UInt64> = []
        if let own = try? LinuxMount.current() { markMounts(own, root: "", group: group, own: true) }
        if let ns = Self.mountNamespace("self") { namespaces.insert(ns) }
        guard let dir = opendir("/proc") else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            // One process per namespace: its mount table, read again each time (mounts come and go).
            guard let first = name.utf8.first, (0x31...0x39).contains(first),
                  let ns = Self.mountNamespace(name), namespaces.insert(ns).inserted,
                  let text = try? readWholeFile("/proc/\(name)/mountinfo") else { continue }
            markMounts(LinuxMount.parse(mountinfo: String(decoding: text, as: UTF8.self)),
                       root: "/proc/\(name)/root", group: group, own: false)
        }
    }

    private func markMounts(_ mounts: [LinuxMount], root: String, group: FanotifyGroup, own: Bool) {
        for mount in mounts where mount.holdsUserFiles && watchedDevices.contains(mount.device)
            && !markedMounts.contains(mount.mountID) {
            let path = root + mount.mountPoint
            if refusedMounts.contains(path) { continue }
            markedMounts.insert(mount.mountID)
            do {
                try group.mark([.add, .mount], mask: objectMask, path: path)
            } catch {
                refusedMounts.insert(path)
                if own { remark("fanotify: cannot watch open/read/write/close on \(mount.mountPoint) (\(mount.fsType)): \(error.errno)") }
            }
        }
    }
    /// Mount paths whose mark was refused: not tried again.
    private var refusedMounts: Set<String> = []

    /// The mount ids of a group's mount marks, from /proc/self/fdinfo/FD
    /// (`fanotify mnt_id:HEX mflags:HEX mask:HEX ignored_mask:HEX`, one line per mount mark).
    static func markedMountIDs(_ group: FanotifyGroup) -> Set<Int> {
        guard let bytes = try? readWholeFile("/proc/self/fdinfo/\(group.fd)") else { return [] }
        return markedMountIDs(fdinfo: String(decoding: bytes, as: UTF8.self))
    }

    static func markedMountIDs(fdinfo: String) -> Set<Int> {
        var ids: Set<Int> = []
        for line in fdinfo.split(separator: "\n") where line.hasPrefix("fanotify mnt_id:") {
            let value = line.dropFirst("fanotify mnt_id:".count).prefix { $0 != " " }
            if let id = Int(value, radix: 16) { ids.insert(id) }
        }
        return ids
    }

    /// The inode number of /proc/PID/ns/mnt: the mount namespace's identity.
    private static func mountNamespace(_ pid: String) -> UInt64? {
        var st = stat()
        guard stat("/proc/\(pid)/ns/mnt", &st) == 0 else { return nil }
        return UInt64(st.st_ino)
    }

    /// Marks a mount in an fd-mode group: filesystem mark, else mount mark (kernels before 4.20).
    private func markFD(_ group: FanotifyGroup, mask: FanotifyMask, mount: LinuxMount, filesystem: inout Bool) throws -> Bool {
        if filesystem {
            do {
                try group.mark([.add, .filesystem], mask: mask, path: mount.mountPoint)
                return true
            } catch {
                if error.errno == .notPermitted { throw FanotifyError.notPermitted }
                if error.errno != .invalidArgument {
                    remark("fanotify: cannot watch \(mount.mountPoint) (\(mount.fsType)): \(error.errno)")
                    return false
                }
                filesystem = false
                remark("fanotify: this kernel has no filesystem marks (Linux 4.20): watching mounts, so bind mounts and other mounts of a filesystem are missed")
            }
        }
        do {
            try group.mark([.add, .mount], mask: mask, path: mount.mountPoint)
            return true
        } catch {
            remark("fanotify: cannot watch \(mount.mountPoint) (\(mount.fsType)): \(error.errno)")
            return false
        }
    }

    /// Ignore marks on our own output and log files: their events never reach us, so writing the
    /// output never feeds back into it.
    private func ignoreOwnFiles() {
        var paths = options.ignoredPaths
        if let dir = opendir("/proc/self/fd") {
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard let fd = Int32(name), fd != dirfd(dir) else { continue }
                let flags = fcntl(fd, F_GETFL)
                var st = stat()
                guard flags >= 0, flags & O_ACCMODE != O_RDONLY, fstat(fd, &st) == 0,
                      (st.st_mode & S_IFMT) == S_IFREG else { continue }
                paths.append("/proc/self/fd/\(fd)")
            }
        }
        let everything: FanotifyMask = [.content, .attrib]
        for path in paths {
            for group in groups {
                try? group.mark([.add, .ignoredMask, .ignoredSurviveModify], mask: everything.intersection(group.mask), path: path)
            }
        }
    }

    /// fd-mode reads create one descriptor per event: allow as many as the hard limit permits, and
    /// keep each fd-mode read small enough to fit.
    private func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
        }
        _ = getrlimit(RLIMIT_NOFILE_VALUE, &limit)
        descriptorLimit = Int(clamping: limit.rlim_cur)
    }
    private var descriptorLimit = 1024

    // MARK: The loop

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        try prepare()
        for text in remarks { receiver.notice(.info(text)) }

        let size = max(options.readBufferSize, 8192)
        // An fd-mode read opens a descriptor per event (24 bytes each): stay well under the limit.
        let fdModeSize = max(4096, min(size, (descriptorLimit / 4) * FanotifyEventIterator.metadataLength))
        // One buffer per group: the FID group may be read again while an object-group read is handled.
        let buffers = groups.map { group in
            UnsafeMutableRawBufferPointer.allocate(byteCount: group.reporting == .fd ? fdModeSize : size, alignment: 8)
        }
        defer { for buffer in buffers { buffer.deallocate() } }
        var ready = [UInt64](repeating: 0, count: 64)
        if objectGroup != nil, let fidGroup, let index = groups.firstIndex(where: { $0 === fidGroup }) {
            drainNames = { [unowned self] in
                do { _ = try self.drain(fidGroup, buffers[index], receiver: receiver, stop: stop) } catch {
                    receiver.notice(.lost(count: nil, reason: "\(error)"))
                }
            }
        }
        defer { drainNames = nil }
        var lastRescan = monotonicSeconds()

        while !stop.isStopped {
            let n = try ready.withUnsafeMutableBufferPointer { Sys.epollWait(epollFD, into: $0, timeoutMS: 200) }
                .get("epoll_wait")
            if objectGroup != nil, monotonicSeconds() - lastRescan >= 1 {
                // New mounts and mount namespaces (a service started with its own) get their mount marks.
                markMounts()
                lastRescan = monotonicSeconds()
            }
            if n == 0 {
                drainProcessEvents(receiver)  // keep the socket from overflowing while no file events come
                processes.feed?.endDrain()
                receiver.sourceIdle()  // idle: pending output reaches its file
                continue
            }
            var groupReady = false
            for i in 0..<n {
                let tag = ready[i]
                if tag & ProcessTable.pidfdTag != 0 {
                    processes.noteExited(pid: Int32(bitPattern: UInt32(truncatingIfNeeded: tag)))
                } else {
                    groupReady = true
                }
            }
            // Births first: a process gone before its events are read is known from its fork.
            drainProcessEvents(receiver)
            // Drain every group (also on a pidfd wake-up: the exited process's last events come first).
            var total = 0
            for (index, group) in groups.enumerated() {
                total += try drain(group, buffers[index], receiver: receiver, stop: stop)
            }
            flushPendingMove(receiver)
            deliverHeld(receiver)
            objectNames.endDrain()
            identityBeforeExec.removeAll(keepingCapacity: true)
            processes.dropExited()
            processes.feed?.endDrain()
            if groupReady && total > 0 && options.batchDelayMicroseconds > 0 && !stop.isStopped {
                usleep(UInt32(options.batchDelayMicroseconds))
            }
        }
    }

    /// Reads the kernel's process events; says so when the kernel dropped some (its socket overflowed):
    /// processes gone before their first event may then lack uid and user.
    private func drainProcessEvents(_ receiver: EventReceiver) {
        guard let feed = processes.feed else { return }
        feed.drain()
        if feed.overflows > reportedFeedOverflows {
            reportedFeedOverflows = feed.overflows
            receiver.notice(.info("process events lost (the kernel's proc-connector socket overflowed, \(feed.overflows) time(s)): some processes that exited before their first event was read get no uid or user"))
        }
    }
    private var reportedFeedOverflows = 0

    /// Reads and handles a group's queued events until it is empty; returns the bytes read.
    private func drain(_ group: FanotifyGroup, _ buffer: UnsafeMutableRawBufferPointer, receiver: EventReceiver,
                       stop: StopToken) throws -> Int {
        var total = 0
        while true {
            let got: Int
            switch Sys.read(group.fd, into: buffer) {
            case .success(let n): got = n
            case .failure(.wouldBlock): got = 0
            case .failure(let errno) where errno == .tooManyOpenFiles || errno == .tooManyOpenFilesInSystem:
                // fd mode: no descriptor left for an event; the kernel dropped it. Say so, go on.
                overflowCount &+= 1
                receiver.notice(.lost(count: nil, reason: "fanotify: out of file descriptors for event descriptors (\(errno))"))
                got = 0
            case .failure(let errno):
                throw LinuxSyscallError("read", errno, object: "fanotify group")
            }
            if got == 0 { break }
            total += got
            if group === objectGroup { namesDrainedDuringRead = false }
            try process(UnsafeRawBufferPointer(rebasing: buffer[0..<got]), group: group, receiver: receiver)
            // Under endless load a drain does not end: deliver what is held every so often.
            if heldNames.count + heldContent.count > 4096 { deliverHeld(receiver) }
            if got < buffer.count - 4096 { break }  // the queue was emptied by this read
            if stop.isStopped { break }              // under endless load, still stop when asked
        }
        return total
    }
    /// The FID group was read again during the current object-group read (at most once per read).
    private var namesDrainedDuringRead = false

    private func process(_ bytes: UnsafeRawBufferPointer, group: FanotifyGroup, receiver: EventReceiver) throws {
        processes.beginRead()
        let time = realtimeMicroseconds()
        var events = FanotifyEventIterator(bytes)
        while true {
            let raw: FanotifyRawEvent?
            do {
                raw = try events.next()
            } catch {
                // Never leak descriptors of the events we cannot parse.
                if group.reporting == .fd { closeRemainingDescriptors(bytes, from: events.offset) }
                receiver.notice(.lost(count: nil, reason: error.description))
                return
            }
            guard let raw else { return }
            kernelEventCount &+= 1
            handle(raw, group: group, buffer: bytes, next: events.offset, time: time, receiver: receiver)
            if raw.fd >= 0 { _ = Sys.close(raw.fd) }
        }
    }

    private func closeRemainingDescriptors(_ bytes: UnsafeRawBufferPointer, from offset: Int) {
        var at = offset
        let header = FanotifyEventIterator.metadataLength
        while at + header <= bytes.count {
            let length = Int(bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            let fd = bytes.loadUnaligned(fromByteOffset: at + 16, as: Int32.self)
            if fd >= 0 { _ = Sys.close(fd) }
            if length < header { break }
            at += length
        }
    }

    @inline(__always)
    private func handle(_ raw: FanotifyRawEvent, group: FanotifyGroup, buffer: UnsafeRawBufferPointer,
                        next: Int, time: Int64, receiver: EventReceiver) {
        let mask = raw.mask
        if mask.contains(.queueOverflow) {
            overflowCount &+= 1
            receiver.notice(.lost(count: nil, reason: "fanotify queue overflow: the kernel dropped events (overflow #\(overflowCount))"))
            return
        }
        if raw.pid == ownPID { return }
        let isDirectory = mask.contains(.onDir)

        objectKey = nil
        let holdsEvents = objectGroup != nil && group === fidGroup
        if holdsEvents && raw.directory == nil && mask.isSubset(of: [.attrib, .onDir]) {
            // A link count change of a file being deleted (no parent left to name it by): the fid
            // layout's group cannot report these at all; its delete is reported.
            return
        }
        let path = self.path(of: raw, group: group, buffer: buffer)
        let isExec = mask.contains(.openExec)
        let isObjectGroup = group === objectGroup
        if holdsEvents, let object = raw.object {
            objectKey = DirectoryPathCache.hash(UnsafeRawBufferPointer(rebasing: buffer[object.keyOffset ..< object.keyOffset + object.keyLength]))
        }
        if group === fidGroup && objectGroup != nil, let object = raw.object {
            // hybrid: what the object group's events of this file will be named.
            if mask.contains(.create) || isExec || mask.contains(.attrib), let directory = raw.directory {
                objectNames.learn(object: object, directory: directory, in: buffer)
            }
            if mask.contains(.rename) {
                objectNames.renamed(object: object, from: raw.directory, to: raw.newDirectory, in: buffer)
            }
            if mask.contains(.delete) { objectNames.deleted(object: object, directory: raw.directory, in: buffer) }
        }

        var subject: ProcessSubject
        /// Who did the kinds of a merged event that come after its open (see below).
        var laterSubject: ProcessSubject?
        if isObjectGroup, !isExec, let before = identityBeforeExec[raw.pid],
           Self.execFollows(pid: raw.pid, in: buffer, from: next) != nil {
            // hybrid: the FID group already reported this process's exec, but this event was queued
            // before the object group's copy of it: the image before the exec did it.
            subject = before
        } else if !isExec && !processes.knows(raw.pid), let execAt = Self.execFollows(pid: raw.pid, in: buffer, from: next) {
            // First seen here, and it execs later in this read: /proc already shows the new program,
            // but this event came from the image before it (a fork of its parent). When the kernel has
            // merged several events into this one, some may have happened after the exec: the create
            // and open (a shell setting up `cmd > file`) are the old image's, the rest the new one's.
            var execPath: [UInt8]?
            var at = FanotifyEventIterator(buffer, offset: execAt)
            if let execEvent = try? at.next() { execPath = self.path(of: execEvent, group: group, buffer: buffer) }
            let identities = processes.subjectBeforeExec(pid: raw.pid, execPath: execPath)
            subject = identities.before
            if mask.intersection(Self.kindBits).rawValue.nonzeroBitCount > 1 { laterSubject = identities.now }
        } else {
            subject = processes.subject(pid: raw.pid, forExec: isExec)
        }

        func emit(_ kind: EventKind, closeAfterWrite: Bool? = nil, destination: [UInt8]? = nil, path eventPath: [UInt8]? = path) {
            let event = Event(time: time, kind: kind, process: subject, path: eventPath.map(ByteString.init),
                              destinationPath: destination.map(ByteString.init), isDirectory: isDirectory,
                              closeAfterWrite: closeAfterWrite, source: .fanotify, detail: .fanotify(mask: mask.rawValue))
            if closeAfterWrite == true, raw.fd >= 0, group === closeWriteGroup, let reader = lentReader {
                // The event's own descriptor: the content as closed, even if renamed or deleted since.
                reader.lending(raw.fd) { receiver.receive(event) }
            } else if isObjectGroup {
                heldContent.append(HeldEvent(event: event, key: objectKey))
            } else if holdsEvents {
                heldNames.append(HeldEvent(event: event, key: objectKey))
            } else {
                receiver.receive(event)
            }
        }

        // A merged event carries several bits: report them in the order they can have happened.
        if mask.contains(.create) { emit(.create) }
        if isExec && isObjectGroup {
            // hybrid: the object group's copy of an exec orders this group's events around it; the
            // FID group reports the exec itself. Kinds merged into it come after the exec.
            if identityBeforeExec.removeValue(forKey: raw.pid) == nil { processes.noteExec(pid: raw.pid, path: path) }
            heldContent.append(HeldEvent(event: nil, key: objectKey, execPID: raw.pid))
            subject = processes.subject(pid: raw.pid)
        } else if isExec {
            if objectGroup != nil { identityBeforeExec[raw.pid] = subject }
            emit(.exec); processes.noteExec(pid: raw.pid, path: path)
        } else if mask.contains(.open) { emit(.open) }
        if let laterSubject { subject = laterSubject }
        if mask.contains(.access) { emit(.read) }
        if mask.contains(.modify) { emit(.write) }
        if mask.contains(.attrib) { emit(.attrib) }
        if mask.contains(.closeWrite) { emit(.close, closeAfterWrite: true) }
        else if mask.contains(.closeNoWrite) { emit(.close, closeAfterWrite: false) }
        if mask.contains(.rename) {
            let destination = raw.newDirectory.map { resolve($0, buffer) }
            emit(.rename, destination: destination)
            if isDirectory { directories.invalidateAll(); objectNames.directoryRenamed() }
        }
        if mask.contains(.movedFrom) {
            flushPendingMove(receiver)
            pendingMove = (raw.pid, path ?? [], isDirectory, mask.rawValue, time)
        }
        if mask.contains(.movedTo) {
            if let move = pendingMove, move.pid == raw.pid {
                pendingMove = nil
                emit(.rename, destination: path, path: move.path)
            } else {
                emit(.rename, destination: path, path: nil)
            }
            if isDirectory { directories.invalidateAll() }
        }
        if mask.contains(.delete) { emit(.delete) }
    }

    /// The bits that become event kinds (a mask with several of them is a merged event).
    static let kindBits: FanotifyMask = [.create, .open, .access, .modify, .attrib, .closeWrite, .closeNoWrite,
                                         .rename, .movedFrom, .movedTo, .delete]

    /// Does an exec event of `pid` follow in this read? (Headers only: event_len @0, mask @8, pid @20.)
    /// Returns the offset of that exec event.
    static func execFollows(pid: Int32, in buffer: UnsafeRawBufferPointer, from offset: Int) -> Int? {
        var at = offset
        let header = FanotifyEventIterator.metadataLength
        let exec = FanotifyMask.openExec.rawValue
        while at + header <= buffer.count {
            let length = Int(buffer.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            if buffer.loadUnaligned(fromByteOffset: at + 20, as: Int32.self) == pid,
               buffer.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self) & exec != 0 { return at }
            if length < header { return nil }
            at += length
        }
        return nil
    }

    /// A MOVED_FROM whose MOVED_TO never came (moved out of the watched filesystems): a rename with no destination.
    private func flushPendingMove(_ receiver: EventReceiver) {
        guard let move = pendingMove else { return }
        pendingMove = nil
        receiver.receive(Event(time: move.time, kind: .rename, process: processes.subject(pid: move.pid),
                               path: ByteString(move.path), isDirectory: move.isDirectory, source: .fanotify,
                               detail: .fanotify(mask: move.mask)))
        if move.isDirectory { directories.invalidateAll() }
    }

    /// The path of an event's object, however its group reports it.
    private func path(of raw: FanotifyRawEvent, group: FanotifyGroup, buffer: UnsafeRawBufferPointer) -> [UInt8]? {
        switch group.reporting {
        case .fd:
            return raw.fd >= 0 ? withProcSelfFDPath(raw.fd) { readLinkBytes($0) } : nil
        case .object:
            guard let record = raw.object else { return nil }
            return objectPath(record, in: buffer, isDirectory: raw.mask.contains(.onDir))
        case .fid:
            if let record = raw.directory { return resolve(record, buffer) }
            if let record = raw.object { return directories.directoryPath(record, in: buffer) }
            return nil
        }
    }

    /// `hybrid`: the path of a content event's file: the name the FID group reported for its handle,
    /// else the path read from the handle (remembered for the file's next events).
    private func objectPath(_ record: FanotifyFIDRecord, in buffer: UnsafeRawBufferPointer, isDirectory: Bool) -> [UInt8]? {
        let hash = DirectoryPathCache.hash(UnsafeRawBufferPointer(rebasing: buffer[record.keyOffset ..< record.keyOffset + record.keyLength]))
        objectKey = hash
        if let path = objectNames.path(of: record, hash: hash, in: buffer, directories: directories) { return path }
        // A directory the FID group has not named in this drain: the directory-handle cache.
        if isDirectory, let path = directories.directoryPath(record, in: buffer) { return path }
        if !namesDrainedDuringRead, let drainNames {
            // Not named yet: its create may be queued in the FID group since that was read.
            namesDrainedDuringRead = true
            drainNames()
            if let path = objectNames.path(of: record, hash: hash, in: buffer, directories: directories) { return path }
        }
        guard let path = directories.resolveHandle(record, in: buffer) else { return nil }
        objectNames.remember(path, for: record, in: buffer)
        return path
    }

    // MARK: Order of the two groups' events (hybrid)

    /// An event held until both groups have been read in this drain; `key` is the hash of its file's
    /// handle. An item without an event marks where the object group saw `execPID`'s exec.
    struct HeldEvent {
        var event: Event?
        var key: UInt64?
        var execPID: Int32? = nil
    }
    /// The handle hash of the event being handled (nil: none).
    private var objectKey: UInt64?
    private var heldNames: [HeldEvent] = []
    private var heldContent: [HeldEvent] = []

    /// hybrid: delivers the drain's events of both groups in one plausible order. The groups' queues
    /// are separate, so only each group's own order is known; both are kept, and the content events of
    /// a file are put before the FID group's rename or delete of it (they were named before it), and a
    /// process's content events that the object group saw before its exec before the exec.
    private func deliverHeld(_ receiver: EventReceiver) {
        if heldNames.isEmpty && heldContent.isEmpty { return }
        var lastOfKey: [UInt64: Int] = [:]
        var execAt: [Int32: Int] = [:]
        for (index, item) in heldContent.enumerated() {
            if let key = item.key { lastOfKey[key] = index }
            if let pid = item.execPID, execAt[pid] == nil { execAt[pid] = index }
        }
        var next = 0
        func deliverContent(through last: Int) {
            while next <= last {
                if let event = heldContent[next].event { receiver.receive(event) }
                next += 1
            }
        }
        for item in heldNames {
            if let event = item.event {
                switch event.kind {
                case .rename, .delete:
                    if let key = item.key, let last = lastOfKey[key] { deliverContent(through: last) }
                case .exec:
                    if let at = execAt[event.process.pid] { deliverContent(through: at) }
                default: break
                }
                receiver.receive(event)
            }
        }
        deliverContent(through: heldContent.count - 1)
        heldNames.removeAll(keepingCapacity: true)
        heldContent.removeAll(keepingCapacity: true)
    }

    /// Directory handle + entry name → full path. When the directory is already gone, the name alone.
    @inline(__always)
    private func resolve(_ record: FanotifyFIDRecord, _ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        let name = UnsafeRawBufferPointer(rebasing: buffer[record.nameOffset ..< record.nameOffset + record.nameLength])
        guard let directory = directories.directoryPath(record, in: buffer) else { return Array(name) }
        return joinPath(directory, name: name)
    }
}

extension FanotifySource: ContentProvidingSource {
    /// Reads the content of written-and-closed files for detection through the fanotify event's own
    /// descriptor (an extra fd-mode group for FAN_CLOSE_WRITE only, created when this is first asked
    /// for, before `run`): the file as it was closed, even if it is renamed or deleted right after.
    /// Other events fall back to opening the path.
    public var contentReader: ContentReader {
        if let lentReader { return lentReader }
        let reader = LentDescriptorContentReader()
        lentReader = reader
        return reader
    }
}

private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#endif
