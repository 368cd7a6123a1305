#if os(Linux)
import Glibc
import CShims
import FileWatchCore

/// How the fanotify source is set up. The defaults are what the benchmarks found cheapest.
public struct FanotifyOptions: Sendable {
    /// Which groups report what.
    public enum Layout: String, Sendable, CaseIterable {
        /// One group reporting directory handle + name (FAN_REPORT_DFID_NAME) for every event; paths come
        /// from a directory-handle cache (no per-event system call). The default.
        case fid
        /// A FID group for create/delete/rename/attrib and an fd group for open/read/write/close/exec.
        case split
        /// One fd group: paths from the event descriptors; create, delete and rename are not reported.
        case fd
    }

    public var layout: Layout = .fid
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
        if layout != .fd {
            do {
                fidGroup = try FanotifyGroup(reporting: .fid, flags: baseFlags.union(.reportDFIDName))
            } catch {
                switch error.errno {
                case .notPermitted: throw FanotifyError.notPermitted
                case .noFunction: throw FanotifyError.unsupported
                case .invalidArgument:
                    layout = .fd
                    remark("fanotify: this kernel cannot report file names (FAN_REPORT_DFID_NAME needs Linux 5.9): create, delete and rename are not reported")
                default: throw FanotifyError.syscall(error)
                }
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
        }
        if lentReader != nil {
            fidMask.remove(.closeWrite); fdMask.remove(.closeWrite)
        }
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
        groups = [fidGroup, fdGroup, closeWriteGroup].compactMap { $0 }
        for (index, group) in groups.enumerated() {
            try Sys.epollAdd(epollFD, group.fd, data: UInt64(index)).get("epoll_ctl")
        }
        ignoreOwnFiles()
        prepared = true
    }

    private func remark(_ text: String) { remarks.append(text) }

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
            if !watched || !fdMask.isEmpty {
                let mask = watched ? fdMask : FanotifyMask.content.intersection(fidMask.union(fdMask))
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
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        // An fd-mode read opens a descriptor per event (24 bytes each): stay well under the limit.
        let fdModeSize = max(4096, min(size, (descriptorLimit / 4) * FanotifyEventIterator.metadataLength))
        var ready = [UInt64](repeating: 0, count: 64)

        while !stop.isStopped {
            let n = try ready.withUnsafeMutableBufferPointer { Sys.epollWait(epollFD, into: $0, timeoutMS: 200) }
                .get("epoll_wait")
            if n == 0 { receiver.sourceIdle(); continue }  // idle: pending output reaches its file
            var groupReady = false
            for i in 0..<n {
                let tag = ready[i]
                if tag & ProcessTable.pidfdTag != 0 {
                    processes.noteExited(pid: Int32(bitPattern: UInt32(truncatingIfNeeded: tag)))
                } else {
                    groupReady = true
                }
            }
            // Drain every group (also on a pidfd wake-up: the exited process's last events come first).
            var total = 0
            for group in groups {
                let limit = group.reporting == .fd ? fdModeSize : size
                let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<limit])
                while true {
                    let got: Int
                    switch Sys.read(group.fd, into: slice) {
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
                    try process(UnsafeRawBufferPointer(rebasing: slice[0..<got]), group: group, receiver: receiver)
                    if got < limit - 4096 { break }  // the queue was emptied by this read
                    if stop.isStopped { break }       // under endless load, still stop when asked
                }
            }
            flushPendingMove(receiver)
            processes.dropExited()
            if groupReady && total > 0 && options.batchDelayMicroseconds > 0 && !stop.isStopped {
                usleep(UInt32(options.batchDelayMicroseconds))
            }
        }
    }

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

        // The object's path.
        var path: [UInt8]?
        if group.reporting == .fd {
            if raw.fd >= 0 { path = withProcSelfFDPath(raw.fd) { readLinkBytes($0) } }
        } else if let record = raw.directory {
            path = resolve(record, buffer)
        } else if let record = raw.object {
            path = directories.directoryPath(record, in: buffer)
        }

        let isExec = mask.contains(.openExec)
        var subject: ProcessSubject
        /// Who did the kinds of a merged event that come after its open (see below).
        var laterSubject: ProcessSubject?
        if !isExec && !processes.knows(raw.pid), let execAt = Self.execFollows(pid: raw.pid, in: buffer, from: next) {
            // First seen here, and it execs later in this read: /proc already shows the new program,
            // but this event came from the image before it (a fork of its parent). When the kernel has
            // merged several events into this one, some may have happened after the exec: the create
            // and open (a shell setting up `cmd > file`) are the old image's, the rest the new one's.
            var execPath: [UInt8]?
            var at = FanotifyEventIterator(buffer, offset: execAt)
            if let execEvent = try? at.next() {
                if group.reporting == .fd {
                    if execEvent.fd >= 0 { execPath = withProcSelfFDPath(execEvent.fd) { readLinkBytes($0) } }
                } else if let record = execEvent.directory {
                    execPath = resolve(record, buffer)
                }
            }
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
            } else {
                receiver.receive(event)
            }
        }

        // A merged event carries several bits: report them in the order they can have happened.
        if mask.contains(.create) { emit(.create) }
        if isExec { emit(.exec); processes.noteExec(pid: raw.pid, path: path) }
        else if mask.contains(.open) { emit(.open) }
        if let laterSubject { subject = laterSubject }
        if mask.contains(.access) { emit(.read) }
        if mask.contains(.modify) { emit(.write) }
        if mask.contains(.attrib) { emit(.attrib) }
        if mask.contains(.closeWrite) { emit(.close, closeAfterWrite: true) }
        else if mask.contains(.closeNoWrite) { emit(.close, closeAfterWrite: false) }
        if mask.contains(.rename) {
            let destination = raw.newDirectory.map { resolve($0, buffer) }
            emit(.rename, destination: destination)
            if isDirectory { directories.invalidateAll() }
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
