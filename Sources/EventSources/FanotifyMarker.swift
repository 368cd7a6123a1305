#if os(Linux)
import Glibc
import CShims
import SystemPackage

/// The groups of a `FanotifyPlan` and their marks: a filesystem mark per watched filesystem (the plan's
/// mask; the attribution mask on the others), ignore marks on our own output files, and once a second
/// the filesystems mounted since. Remarks made after the start (a filesystem that cannot be watched)
/// wait in `takeRemarks()` for the loop to deliver them.
final class FanotifyMarker {
    let plan: FanotifyPlan
    /// One per planned group, in the plan's order.
    private(set) var groups: [FanotifyGroup] = []
    /// Created when a filesystem cannot report file handles: its open/read/write/close/exec by descriptor.
    private(set) var descriptorFallback: FanotifyGroup?
    private(set) var watchedMountPoints: [String] = []
    /// Devices (major:minor) marked, and how (in scope or only for attribution).
    private var marked: [String: Bool] = [:]
    private var remarks: [String] = []
    /// What was set up, for the debug log (`takeSetupLog`).
    private var setupLog: [String] = []
    private let scope: [String]?
    private let ignoredPaths: [String]
    /// A watched filesystem's mount point (when it can be named by handles): the caller opens it.
    private let onFilesystem: (String) -> Void
    private var filesystemMarks = true

    init(plan: FanotifyPlan, scope: [String]?, ignoredPaths: [String], onFilesystem: @escaping (String) -> Void) {
        self.plan = plan
        self.scope = scope
        self.ignoredPaths = ignoredPaths
        self.onFilesystem = onFilesystem
    }

    /// Creates the groups and marks the filesystems mounted now; throws when nothing could be watched.
    func setUp() throws {
        for group in plan.groups {
            do {
                groups.append(try FanotifyGroup(reporting: group.reporting, flags: group.flags))
            } catch {
                switch error.errno {
                case .notPermitted: throw FanotifyError.notPermitted
                case .noFunction: throw FanotifyError.unsupported
                default: throw FanotifyError.syscall(error)
                }
            }
            groups[groups.count - 1].mask = group.mask
        }
        try markNewFilesystems()
        if watchedMountPoints.isEmpty { throw FanotifyError.noWatchableFilesystem }
        ignoreOwnFiles()
    }

    /// Marks filesystems mounted since the last call (called about once a second).
    func rescan() {
        try? markNewFilesystems()
    }

    /// Lines for the debug log: each mark made (filesystem, device, group, mask) and each fallback.
    func takeSetupLog() -> [String] {
        defer { setupLog.removeAll() }
        return setupLog
    }

    func takeRemarks() -> [String] {
        defer { remarks.removeAll() }
        return remarks
    }

    /// The devices holding the paths of the scope (the longest mount point that prefixes each); nil: all.
    private func scopeDevices(_ mounts: [LinuxMount]) -> Set<String>? {
        guard let scope else { return nil }
        var devices: Set<String> = []
        for path in scope {
            let best = mounts.filter { path == $0.mountPoint || path.hasPrefix($0.mountPoint == "/" ? "/" : $0.mountPoint + "/") }
                .max { $0.mountPoint.utf8.count < $1.mountPoint.utf8.count }
            if let best { devices.insert(best.device) }
        }
        return devices
    }

    private func markNewFilesystems() throws {
        let mounts = LinuxMount.watchable(try LinuxMount.current())
        let devices = scopeDevices(mounts)
        for mount in mounts where marked[mount.device] == nil {
            let watched = devices?.contains(mount.device) ?? true
            marked[mount.device] = watched
            for (index, group) in plan.groups.enumerated() {
                let mask = watched ? group.mask : group.outsideMask
                if mask.isEmpty { continue }
                let made = mark(groups[index], mask: mask, mount: mount, role: group.role)
                setupLog.append("fanotify: \(made ? "marked" : "did not mark") \(mount.mountPoint) (\(mount.fsType), device \(mount.device)) in group \(index) (\(group.role)) with \(filesystemMarks ? "a filesystem" : "a mount") mark, mask 0x\(String(mask.rawValue, radix: 16))\(watched ? "" : " (outside the scope: execs only)")")
                if made, watched, group.role == .events {
                    watchedMountPoints.append(mount.mountPoint)
                    if group.reporting == .fid { onFilesystem(mount.mountPoint) }
                }
            }
        }
    }

    /// A filesystem (or, before Linux 4.20, mount) mark; a filesystem that cannot encode file handles is
    /// watched through the descriptor fallback instead. Returns whether the mark was made in `group`.
    private func mark(_ group: FanotifyGroup, mask: FanotifyMask, mount: LinuxMount, role: FanotifyPlan.Role) -> Bool {
        do {
            try group.mark([.add, filesystemMarks ? .filesystem : .mount], mask: mask, path: mount.mountPoint)
            return true
        } catch {
            if error.errno == .invalidArgument && filesystemMarks && group.reporting == .fd {
                filesystemMarks = false
                remarks.append("fanotify: this kernel has no filesystem marks (Linux 4.20): watching mounts, so other mounts of a filesystem are missed")
                return mark(group, mask: mask, mount: mount, role: role)
            }
            if group.reporting == .fid && role == .events, Self.noHandles.contains(error.errno) {
                let content = mask.intersection(FanotifyMask.content.union(.onDir))
                if !content.isEmpty, fallbackMark(mask: content, mount: mount) {
                    remarks.append("fanotify: \(mount.mountPoint) (\(mount.fsType)) cannot report file handles: only open/read/write/close/exec are reported there, with each path as it is when the event is read")
                    watchedMountPoints.append(mount.mountPoint)
                    return false
                }
            }
            if mask != [.openExec] {
                remarks.append("fanotify: cannot watch \(mount.mountPoint) (\(mount.fsType)): \(error.errno)")
            }
            return false
        }
    }

    /// What fanotify_mark says for a filesystem that cannot encode file handles (no export operations,
    /// a zero fsid, a subvolume with an fsid of its own).
    private static let noHandles: Set<Errno> = [.notSupported, .improperLink, .operationNotSupportedByDevice, .invalidArgument]

    private func fallbackMark(mask: FanotifyMask, mount: LinuxMount) -> Bool {
        if descriptorFallback == nil {
            var flags: FanotifyInitFlags = [.cloexec, .nonblock, .classNotif]
            if plan.groups.first?.flags.contains(.unlimitedQueue) == true { flags.insert(.unlimitedQueue) }
            descriptorFallback = try? FanotifyGroup(reporting: .fd, flags: flags)
            descriptorFallback?.mask = mask
        }
        guard let group = descriptorFallback else { return false }
        do {
            try group.mark([.add, filesystemMarks ? .filesystem : .mount], mask: mask, path: mount.mountPoint)
            return true
        } catch {
            return false
        }
    }

    /// Ignore marks on our own output and log files: their events never reach us, so writing the
    /// output never feeds back into it. Regular files we hold open for writing (a redirected standard
    /// output) are ours too.
    private func ignoreOwnFiles() {
        var paths = ignoredPaths
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
            for group in groups + [descriptorFallback].compactMap({ $0 }) {
                let mask = everything.intersection(group.mask)
                if mask.isEmpty { continue }
                try? group.mark([.add, .ignoredMask, .ignoredSurviveModify], mask: mask, path: path)
            }
        }
    }
}
#endif
