#if os(Linux)
import Glibc
import CShims

/// fanotify event mask bits (the `mask` of `fanotify_mark(2)` and of each event).
public struct FanotifyMask: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let access = FanotifyMask(rawValue: UInt64(FAN_ACCESS))
    public static let modify = FanotifyMask(rawValue: UInt64(FAN_MODIFY))
    public static let attrib = FanotifyMask(rawValue: UInt64(FAN_ATTRIB))
    public static let closeWrite = FanotifyMask(rawValue: UInt64(FAN_CLOSE_WRITE))
    public static let closeNoWrite = FanotifyMask(rawValue: UInt64(FAN_CLOSE_NOWRITE))
    public static let open = FanotifyMask(rawValue: UInt64(FAN_OPEN))
    public static let movedFrom = FanotifyMask(rawValue: UInt64(FAN_MOVED_FROM))
    public static let movedTo = FanotifyMask(rawValue: UInt64(FAN_MOVED_TO))
    public static let create = FanotifyMask(rawValue: UInt64(FAN_CREATE))
    public static let delete = FanotifyMask(rawValue: UInt64(FAN_DELETE))
    public static let deleteSelf = FanotifyMask(rawValue: UInt64(FAN_DELETE_SELF))
    public static let moveSelf = FanotifyMask(rawValue: UInt64(FAN_MOVE_SELF))
    public static let openExec = FanotifyMask(rawValue: UInt64(FAN_OPEN_EXEC))
    public static let queueOverflow = FanotifyMask(rawValue: UInt64(FAN_Q_OVERFLOW))
    public static let rename = FanotifyMask(rawValue: UInt64(FAN_RENAME))
    public static let onDir = FanotifyMask(rawValue: UInt64(FAN_ONDIR))
    public static let eventOnChild = FanotifyMask(rawValue: UInt64(FAN_EVENT_ON_CHILD))

    public static let close: FanotifyMask = [.closeWrite, .closeNoWrite]
    /// Events about the content of an open file: reported with an fd in fd mode.
    public static let content: FanotifyMask = [.open, .openExec, .access, .modify, .closeWrite, .closeNoWrite]
    /// Directory-entry events: need a group that reports file handles (FID mode).
    public static let directoryEntry: FanotifyMask = [.create, .delete, .movedFrom, .movedTo, .rename]

    /// Short names of the set bits, for logs and the debug output ("OPEN|MODIFY|ONDIR").
    public var names: String {
        let table: [(FanotifyMask, String)] = [
            (.access, "ACCESS"), (.modify, "MODIFY"), (.attrib, "ATTRIB"), (.closeWrite, "CLOSE_WRITE"),
            (.closeNoWrite, "CLOSE_NOWRITE"), (.open, "OPEN"), (.movedFrom, "MOVED_FROM"), (.movedTo, "MOVED_TO"),
            (.create, "CREATE"), (.delete, "DELETE"), (.deleteSelf, "DELETE_SELF"), (.moveSelf, "MOVE_SELF"),
            (.openExec, "OPEN_EXEC"), (.queueOverflow, "Q_OVERFLOW"), (.rename, "RENAME"), (.onDir, "ONDIR"),
        ]
        return table.filter { contains($0.0) }.map(\.1).joined(separator: "|")
    }
}

/// `fanotify_init(2)` flags.
public struct FanotifyInitFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let cloexec = FanotifyInitFlags(rawValue: UInt32(FAN_CLOEXEC))
    public static let nonblock = FanotifyInitFlags(rawValue: UInt32(FAN_NONBLOCK))
    public static let classNotif = FanotifyInitFlags(rawValue: UInt32(FAN_CLASS_NOTIF))
    public static let unlimitedQueue = FanotifyInitFlags(rawValue: UInt32(FAN_UNLIMITED_QUEUE))
    public static let unlimitedMarks = FanotifyInitFlags(rawValue: UInt32(FAN_UNLIMITED_MARKS))
    public static let reportFID = FanotifyInitFlags(rawValue: UInt32(FAN_REPORT_FID))
    public static let reportDirFID = FanotifyInitFlags(rawValue: UInt32(FAN_REPORT_DIR_FID))
    public static let reportName = FanotifyInitFlags(rawValue: UInt32(FAN_REPORT_NAME))
    /// With FAN_REPORT_DFID_NAME and FAN_REPORT_FID: directory-entry events also carry the handle of
    /// the entry's object (Linux 5.17).
    public static let reportTargetFID = FanotifyInitFlags(rawValue: UInt32(FAN_REPORT_TARGET_FID))
    /// Parent directory handle + entry name for every event (Linux 5.9).
    public static let reportDFIDName: FanotifyInitFlags = [.reportDirFID, .reportName]
    /// Directory handle + name, and the object's own handle, also for directory-entry events (Linux 5.17).
    public static let reportDFIDNameTarget: FanotifyInitFlags = [.reportDirFID, .reportName, .reportFID, .reportTargetFID]
}

/// `fanotify_mark(2)` flags.
public struct FanotifyMarkFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let add = FanotifyMarkFlags(rawValue: UInt32(FAN_MARK_ADD))
    public static let remove = FanotifyMarkFlags(rawValue: UInt32(FAN_MARK_REMOVE))
    public static let dontFollow = FanotifyMarkFlags(rawValue: UInt32(FAN_MARK_DONT_FOLLOW))
    public static let onlyDir = FanotifyMarkFlags(rawValue: UInt32(FAN_MARK_ONLYDIR))
    public static let ignoredMask = FanotifyMarkFlags(rawValue: UInt32(FAN_MARK_IGNORED_MASK))
    public static let ignoredSurviveModify = FanotifyMarkFlags(rawValue: UInt32(FAN_MARK_IGNORED_SURV_MODIFY))
    public static let flush = FanotifyMarkFlags(rawValue: UInt32(FAN_MARK_FLUSH))
    /// Mark the mount containing the path.
    public static let mount = FanotifyMarkFlags(rawValue: UInt32(FAN_MARK_MOUNT))
    /// Mark the whole filesystem (superblock) containing the path (Linux 4.20).
    public static let filesystem = FanotifyMarkFlags(rawValue: UInt32(FAN_MARK_FILESYSTEM))
}

/// How a group reports the object of an event.
public enum FanotifyReporting: String, Sendable, CaseIterable {
    /// An open file descriptor per event; paths through `/proc/self/fd`. No directory-entry events.
    case fd
    /// Parent directory handle + entry name per event (FAN_REPORT_DFID_NAME, with the entry's own handle
    /// when the kernel has FAN_REPORT_TARGET_FID); paths from `DirectoryTree`.
    case fid
}
#endif
