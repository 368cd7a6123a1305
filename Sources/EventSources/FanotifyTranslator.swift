#if os(Linux)
import FileWatchCore

/// Kernel records + names + processes → events, in queue order: each event with the path its object
/// had when it happened (`FanotifyNaming`) and the process image that made the call (`ProcessModel`).
///
/// A merged kernel event (one process's repeated events on one file, merged while they waited in the
/// queue) becomes one event per kind, in the order they can have happened: create, open or exec, read,
/// write, attrib, close, rename, delete. When that process execs later in the window, the kernel may
/// have merged kinds from both sides of the exec: create and open are the old image's (a shell setting
/// up `cmd > file`), the rest the new program's.
final class FanotifyTranslator {
    let naming: FanotifyNaming
    let processes: ProcessModel
    /// The kinds delivered (others are asked of the kernel only for attribution, e.g. exec).
    var shownKinds: Set<EventKind>
    let ownPID: Int32
    /// Descriptors of written-and-closed files for the content check (`--ransomware`, `--rules`).
    var lender: CloseWriteLender?
    /// Delivered events without a path (a directory that could not be placed; counted, reported).
    private(set) var withoutPath: UInt64 = 0
    private(set) var overflows: UInt64 = 0
    /// MOVED_FROM waiting for its MOVED_TO (kernels before 5.17 have no FAN_RENAME).
    /// Objects whose link count changed (nameless attrib) and were not created since: see `translate`.
    private var linkCountChanged = RecentKeys(limit: 4096)
    /// Files created (pid + handle key) whose open has not come yet: that open made them.
    private var createdUnopened = RecentKeys(limit: 4096)
    private var pendingMove: (pid: Int32, path: [UInt8]?, subject: ProcessSubject, isDirectory: Bool, mask: UInt64, time: Int64)?

    init(naming: FanotifyNaming, processes: ProcessModel, shownKinds: Set<EventKind>, ownPID: Int32) {
        self.naming = naming
        self.processes = processes
        self.shownKinds = shownKinds
        self.ownPID = ownPID
    }

    /// The bits that become event kinds (a mask with several of them is a merged event).
    static let kindBits: FanotifyMask = [.create, .open, .access, .modify, .attrib, .closeWrite, .closeNoWrite,
                                         .rename, .movedFrom, .movedTo, .delete]
    /// Bits only the process's new image can cause after an exec (they end the exec under way).
    static let activityBits: FanotifyMask = [.open, .create, .modify, .attrib, .delete, .rename, .movedFrom, .movedTo, .closeWrite]

    /// Translates the window's events from `start` (all of them by default) and delivers them.
    func translate(_ window: FanotifyWindow, _ facts: WindowFacts, from start: Int = 0, time: Int64,
                   into receiver: EventReceiver) {
        let events = window.events
        var index = start
        while index < events.count {
            translate(events[index], at: index, window, facts, time: time, into: receiver)
            index += 1
        }
    }

    @inline(__always)
    private func translate(_ raw: FanotifyRawEvent, at index: Int, _ window: FanotifyWindow, _ facts: WindowFacts,
                           time: Int64, into receiver: EventReceiver) {
        let mask = raw.mask
        if mask.contains(.queueOverflow) {
            overflows &+= 1
            receiver.notice(.lost(count: nil, reason: "fanotify queue overflow: the kernel dropped events (overflow #\(overflows))"))
            return
        }
        if raw.pid == ownPID { return }
        // Without a directory record: a link count change (unlink, link, rename over a file), which the
        // unlink or rename that caused it reports with names. link(2) queues it before the create of the
        // new name: a create of an object whose link count changed is a hard link.
        guard let record = raw.directory else {
            if mask.contains(.attrib), let object = raw.object { linkCountChanged.note(window.key(object)) }
            return
        }
        let isDirectory = mask.contains(.onDir)
        let path = naming.path(record, window, facts)
        let destination = raw.newDirectory.flatMap { naming.path($0, window, facts) }

        let pid = raw.pid
        var subject = processes.subject(pid: pid, at: index, facts)
        let isExec = mask.contains(.openExec)
        if isExec {
            processes.exec(pid: pid, path: path, name: Array(window.name(record)))
            subject = processes.subject(pid: pid, at: index, facts)
        } else if !mask.isDisjoint(with: Self.activityBits) {
            processes.activity(pid: pid)
        }
        var later: ProcessSubject?
        if !isExec, mask.intersection(Self.kindBits).rawValue.nonzeroBitCount > 1,
           let exec = nextProgramExec(of: pid, after: index, window, facts), let execRecord = window.events[exec].directory {
            later = processes.imageAfterExec(of: subject, path: naming.path(execRecord, window, facts),
                                             name: Array(window.name(execRecord)))
        }

        func emit(_ kind: EventKind, closeAfterWrite: Bool? = nil, path eventPath: [UInt8]? = path,
                  destination: [UInt8]? = nil, flags: @autoclosure () -> OpenFlags = []) {
            guard shownKinds.contains(kind) else { return }
            if eventPath == nil { withoutPath &+= 1 }
            let event = Event(time: time, kind: kind, process: subject, path: eventPath.map(ByteString.init),
                              destinationPath: destination.map(ByteString.init), isDirectory: isDirectory, openFlags: flags(),
                              closeAfterWrite: closeAfterWrite, source: .fanotify, detail: .fanotify(mask: mask.rawValue))
            if closeAfterWrite == true, let lender, let object = raw.object {
                lender.deliver(event, key: window.key(object), pid: pid, to: receiver)
            } else {
                receiver.receive(event)
            }
        }

        if mask.contains(.create) {
            let isLink = !isDirectory && raw.object.map { linkCountChanged.take(window.key($0)) } ?? false
            emit(isLink ? .link : .create)
            if !isLink, !isDirectory, !mask.contains(.open), let object = raw.object {
                createdUnopened.note(Self.processKey(pid, window.key(object)))
            }
        }
        if isExec { emit(.exec) } else if mask.contains(.open) { emit(.open, flags: openFlags(at: index, raw, window)) }
        if let later { subject = later }
        if mask.contains(.access) { emit(.read) }
        if mask.contains(.modify) { emit(.write) }
        if mask.contains(.attrib) { emit(.attrib) }
        if mask.contains(.closeWrite) { emit(.close, closeAfterWrite: true) }
        else if mask.contains(.closeNoWrite) { emit(.close, closeAfterWrite: false) }
        if mask.contains(.rename) { emit(.rename, destination: destination) }
        if mask.contains(.movedFrom) {
            flushPendingMove(receiver)
            pendingMove = (pid, path, subject, isDirectory, mask.rawValue, time)
        }
        if mask.contains(.movedTo) {
            if let move = pendingMove, move.pid == pid {
                pendingMove = nil
                emit(.rename, path: move.path, destination: path)
            } else {
                emit(.rename, path: nil, destination: path)
            }
        }
        if mask.contains(.delete) { emit(.delete) }
        naming.apply(raw, window)
    }

    /// How the file of the open at `index` was used, as its process's later events on it in the window show
    /// (fanotify gives no open flags): read when it read it or closed it unwritten, write when it wrote it or
    /// closed it written, create when this open made it. Empty when the window ends before its close.
    func openFlags(at index: Int, _ raw: FanotifyRawEvent, _ window: FanotifyWindow) -> OpenFlags {
        var flags: OpenFlags = []
        func absorb(_ mask: FanotifyMask) -> Bool {
            if mask.contains(.access) { flags.insert(.read) }
            if mask.contains(.modify) || mask.contains(.closeWrite) { flags.insert(.write) }
            if mask.contains(.closeNoWrite), !flags.contains(.write) { flags.insert(.read) }
            return !mask.isDisjoint(with: .close)
        }
        if raw.mask.contains(.create) { flags.insert(.create) }
        if absorb(raw.mask) { return flags }
        guard let object = raw.object else { return flags }
        let key = window.key(object)
        let events = window.events
        func sameFile(_ other: FanotifyRawEvent) -> Bool {
            other.pid == raw.pid && other.object.map { window.key($0).elementsEqual(key) } == true
        }
        // Made by this open: its create came before it (perhaps in an earlier read).
        if createdUnopened.take(Self.processKey(raw.pid, key)) { flags.insert(.create) }
        var next = index + 1
        let end = min(events.count, index + 1 + Self.openLookahead)
        while next < end {
            let other = events[next]
            next += 1
            guard sameFile(other) else { continue }
            if other.mask.contains(.open) && !other.mask.contains(.access) && !other.mask.contains(.modify) { break }
            if absorb(other.mask) { break }
        }
        return flags
    }

    private static func processKey(_ pid: Int32, _ key: UnsafeRawBufferPointer) -> [UInt8] {
        withUnsafeBytes(of: pid) { Array($0) } + Array(key)
    }

    /// Events looked at after an open for its close.
    static let openLookahead = 512

    /// The next exec of a program (not the dynamic loader) by `pid` after event `index`.
    private func nextProgramExec(of pid: Int32, after index: Int, _ window: FanotifyWindow, _ facts: WindowFacts) -> Int? {
        guard let list = facts.execs[pid] else { return nil }
        for exec in list where exec > index {
            guard let record = window.events[exec].directory else { continue }
            if !ProcessModel.isDynamicLoader(Array(window.name(record))) { return exec }
        }
        return nil
    }

    /// A MOVED_FROM whose MOVED_TO never came (moved out of the watched filesystems): a rename without a destination.
    func flushPendingMove(_ receiver: EventReceiver) {
        guard let move = pendingMove else { return }
        pendingMove = nil
        guard shownKinds.contains(.rename) else { return }
        receiver.receive(Event(time: move.time, kind: .rename, process: move.subject, path: move.path.map(ByteString.init),
                               isDirectory: move.isDirectory, source: .fanotify, detail: .fanotify(mask: move.mask)))
    }
}

/// A bounded set of handle keys (forgotten in bulk when full).
struct RecentKeys {
    private var keys: Set<[UInt8]> = []
    let limit: Int
    init(limit: Int) { self.limit = limit }
    mutating func note(_ key: UnsafeRawBufferPointer) { note(Array(key)) }
    mutating func note(_ key: [UInt8]) {
        if keys.count >= limit { keys.removeAll(keepingCapacity: true) }
        keys.insert(key)
    }
    /// Whether `key` was noted; forgets it.
    mutating func take(_ key: UnsafeRawBufferPointer) -> Bool { keys.isEmpty ? false : take(Array(key)) }
    mutating func take(_ key: [UInt8]) -> Bool { keys.isEmpty ? false : keys.remove(key) != nil }
}
#endif
