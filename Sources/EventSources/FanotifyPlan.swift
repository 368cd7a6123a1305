#if os(Linux)
import FileWatchCore

/// What this kernel's fanotify can do, as `fanotify_init` answers.
struct FanotifyCapabilities: Equatable, Sendable {
    /// FAN_REPORT_DFID_NAME (Linux 5.9): a directory handle and the entry's name with every event.
    var reportsNames = true
    /// FAN_REPORT_TARGET_FID and FAN_RENAME (Linux 5.17): the entry's own handle with create, delete and
    /// rename, and one rename event with both names.
    var reportsTargets = true

    /// Asks the kernel (a probe group per flag set, closed at once).
    static func probe() throws(FanotifyError) -> FanotifyCapabilities {
        let base = FanotifyInitFlags([.cloexec, .nonblock, .classNotif])
        func accepts(_ flags: FanotifyInitFlags) throws(FanotifyError) -> Bool {
            switch Sys.fanotifyInit(flags: base.union(flags).rawValue, eventFlags: 0) {
            case .success(let fd): _ = Sys.close(fd); return true
            case .failure(.invalidArgument): return false
            case .failure(.notPermitted): throw .notPermitted
            case .failure(.noFunction): throw .unsupported
            case .failure(let errno): throw .syscall(SystemCallError("fanotify_init", errno))
            }
        }
        let targets = try accepts(.reportDFIDNameTarget)
        let names = try targets ? true : accepts(.reportDFIDName)
        return FanotifyCapabilities(reportsNames: names, reportsTargets: targets)
    }
}

/// The groups, flags and masks the fanotify source uses, decided from its options and the kernel's
/// capabilities alone (no system calls), with one line for every fallback.
///
/// One group reports every event with its directory handle and the entry's name as they were at that
/// moment (FAN_REPORT_DFID_NAME), plus the entry's own handle (FAN_REPORT_TARGET_FID): one queue, so
/// every event is translated in the order it happened. What attribution needs is always asked for,
/// whatever is shown: exec events (which program a process runs from which event on) on every
/// filesystem, and directory create/delete/rename on the watched ones (where each directory was).
struct FanotifyPlan: Equatable, Sendable {
    enum Role: Equatable, Sendable {
        /// The events.
        case events
        /// Descriptors of written-and-closed files for the content check (reports nothing itself).
        case closeWriteDescriptors
    }

    struct Group: Equatable, Sendable {
        var role: Role
        var reporting: FanotifyReporting
        var flags: FanotifyInitFlags
        /// On the watched filesystems.
        var mask: FanotifyMask
        /// On every other filesystem (for attribution: execs).
        var outsideMask: FanotifyMask
    }

    var groups: [Group]
    /// The kinds delivered.
    var shownKinds: Set<EventKind>
    /// One line per fallback (delivered as notices).
    var remarks: [String]
    /// Renames come as MOVED_FROM/MOVED_TO pairs (no FAN_RENAME).
    var pairsMoves: Bool

    /// The kinds a names group can report.
    static let namedKinds: Set<EventKind> = [.open, .read, .write, .close, .exec, .attrib, .create, .link, .delete, .rename]
    /// The kinds a descriptors group can report.
    static let descriptorKinds: Set<EventKind> = [.open, .read, .write, .close, .exec]

    /// - Parameters:
    ///   - kinds: the kinds to show (nil: every kind the kernel can give).
    ///   - closeWriteDescriptors: add the descriptor group for the content check.
    ///   - unlimitedQueue: FAN_UNLIMITED_QUEUE on every group.
    static func make(kinds: Set<EventKind>?, closeWriteDescriptors: Bool, unlimitedQueue: Bool,
                     capabilities: FanotifyCapabilities) -> FanotifyPlan {
        var base: FanotifyInitFlags = [.cloexec, .nonblock, .classNotif]
        if unlimitedQueue { base.insert(.unlimitedQueue) }
        var remarks: [String] = []
        var groups: [Group] = []
        var shown: Set<EventKind>
        var pairsMoves = false
        if capabilities.reportsNames {
            shown = (kinds ?? namedKinds).intersection(namedKinds)
            var mask = Self.mask(for: shown)
            // Attribution, whatever is shown: execs, and where every directory is.
            mask.formUnion([.openExec, .create, .delete, .onDir])
            // A hard link is a create preceded by its object's link count change (a nameless attrib).
            if shown.contains(.link) { mask.formUnion([.create, .attrib]) }
            // How a file was opened (read, write) shows in its close (fanotify gives no open flags).
            if shown.contains(.open) { mask.formUnion(.close) }
            var flags = base.union(.reportDFIDNameTarget)
            if capabilities.reportsTargets {
                mask.insert(.rename)
            } else {
                flags = base.union(.reportDFIDName)
                mask.remove(.rename)
                mask.formUnion([.movedFrom, .movedTo])
                pairsMoves = true
                remarks.append("fanotify: this kernel cannot report an entry's own handle or one rename event (Linux 5.17): renames are rebuilt from MOVED_FROM/MOVED_TO pairs, and events queued before a directory is renamed or removed may get its later path or only their name")
            }
            mask.remove(.queueOverflow)
            groups.append(Group(role: .events, reporting: .fid, flags: flags, mask: mask, outsideMask: [.openExec]))
        } else {
            shown = (kinds ?? descriptorKinds).intersection(descriptorKinds)
            var mask = Self.mask(for: shown)
            mask.insert(.openExec)
            remarks.append("fanotify: this kernel cannot report file names (FAN_REPORT_DFID_NAME needs Linux 5.9): create, delete, rename and attrib are not reported, and each path is the file's path when the event is read, not when it happened")
            groups.append(Group(role: .events, reporting: .fd, flags: base, mask: mask, outsideMask: [.openExec]))
        }
        if closeWriteDescriptors {
            groups.append(Group(role: .closeWriteDescriptors, reporting: .fd, flags: base, mask: .closeWrite, outsideMask: []))
        }
        return FanotifyPlan(groups: groups, shownKinds: shown, remarks: remarks, pairsMoves: pairsMoves)
    }

    /// The event bits that report `kinds`.
    static func mask(for kinds: Set<EventKind>) -> FanotifyMask {
        var mask: FanotifyMask = []
        if kinds.contains(.open) { mask.insert(.open) }
        if kinds.contains(.read) { mask.insert(.access) }
        if kinds.contains(.write) { mask.insert(.modify) }
        if kinds.contains(.close) { mask.formUnion(.close) }
        if kinds.contains(.exec) { mask.insert(.openExec) }
        if kinds.contains(.attrib) { mask.insert(.attrib) }
        if kinds.contains(.create) || kinds.contains(.link) { mask.insert(.create) }
        if kinds.contains(.delete) { mask.insert(.delete) }
        if kinds.contains(.rename) { mask.insert(.rename) }
        if !mask.isEmpty { mask.insert(.onDir) }
        return mask
    }

    /// What the live Linux source cannot give of what was asked for, in one sentence (nil: nothing).
    /// `failures`: only failed operations were asked for.
    static func unavailable(kinds: Set<EventKind>, failures: Bool) -> String? {
        let missing = kinds.subtracting(namedKinds)
        var parts: [String] = []
        if !missing.isEmpty {
            let names = EventKind.allCases.filter { missing.contains($0) }.map(\.rawValue).joined(separator: ", ")
            parts.append("no \(names) events (the kernel reports nothing for stat or exit)")
        }
        if failures { parts.append("no failed operations (it reports only what succeeded)") }
        guard !parts.isEmpty else { return nil }
        return "the live Linux source (fanotify) gives " + parts.joined(separator: " and ")
            + "; the kernel's audit (--source audit) reports those"
    }
}
#endif
