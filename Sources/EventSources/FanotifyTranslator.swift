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
        // unlink or rename that caused it reports with names.
        guard let record = raw.directory else { return }
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
                  destination: [UInt8]? = nil) {
            guard shownKinds.contains(kind) else { return }
            if eventPath == nil { withoutPath &+= 1 }
            let event = Event(time: time, kind: kind, process: subject, path: eventPath.map(ByteString.init),
                              destinationPath: destination.map(ByteString.init), isDirectory: isDirectory,
                              closeAfterWrite: closeAfterWrite, source: .fanotify, detail: .fanotify(mask: mask.rawValue))
            if closeAfterWrite == true, let lender, let object = raw.object {
                lender.deliver(event, key: window.key(object), pid: pid, to: receiver)
            } else {
                receiver.receive(event)
            }
        }

        if mask.contains(.create) { emit(.create) }
        if isExec { emit(.exec) } else if mask.contains(.open) { emit(.open) }
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
#endif
