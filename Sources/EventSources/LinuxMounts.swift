#if os(Linux)
import Glibc

/// One line of `/proc/self/mountinfo`.
public struct LinuxMount: Hashable, Sendable {
    public var mountID: Int
    /// `major:minor` of the filesystem: one superblock.
    public var device: String
    /// The directory of the filesystem that is mounted here ("/" for a whole filesystem).
    public var root: String
    public var mountPoint: String
    public var fsType: String

    /// Pseudo filesystems with no user files: never watched.
    public static let pseudoFilesystems: Set<String> = [
        "proc", "sysfs", "cgroup", "cgroup2", "devpts", "devtmpfs", "debugfs", "tracefs", "securityfs",
        "pstore", "bpf", "mqueue", "configfs", "fusectl", "hugetlbfs", "autofs", "binfmt_misc", "nsfs",
        "efivarfs", "selinuxfs", "rpc_pipefs", "nfsd", "ramfs_pseudo", "sockfs", "pipefs", "anon_inodefs",
    ]

    /// True for mounts that hold user data (not pseudo, not mounted inside /proc or /sys).
    public var holdsUserFiles: Bool {
        if Self.pseudoFilesystems.contains(fsType) { return false }
        for prefix in ["/proc", "/sys"] where mountPoint == prefix || mountPoint.hasPrefix(prefix + "/") { return false }
        return true
    }

    /// Parses mountinfo text. Lines that do not parse are skipped.
    /// Format: `id parent major:minor root mountpoint options [optional...] - fstype source superoptions`.
    public static func parse(mountinfo text: String) -> [LinuxMount] {
        var mounts: [LinuxMount] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 7, let id = Int(fields[0]),
                  let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, dash >= 6 else { continue }
            mounts.append(LinuxMount(mountID: id, device: String(fields[2]), root: unescape(fields[3]),
                                     mountPoint: unescape(fields[4]), fsType: String(fields[dash + 1])))
        }
        return mounts
    }

    /// One mount per superblock for the filesystems worth watching: the one that shows the whole
    /// filesystem (root "/") at the shortest mount point, so paths come out in their usual form.
    public static func watchable(_ mounts: [LinuxMount]) -> [LinuxMount] {
        var best: [String: LinuxMount] = [:]
        var order: [String] = []
        for mount in mounts where mount.holdsUserFiles {
            guard let current = best[mount.device] else { best[mount.device] = mount; order.append(mount.device); continue }
            let better = (mount.root == "/" && current.root != "/")
                || ((mount.root == "/") == (current.root == "/") && mount.mountPoint.utf8.count < current.mountPoint.utf8.count)
            if better { best[mount.device] = mount }
        }
        return order.compactMap { best[$0] }
    }

    /// mountinfo escapes space, tab, newline and backslash as `\ooo`.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var out: [UInt8] = []
        let bytes = Array(field.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x5C, i + 3 < bytes.count,
               let value = UInt8(String(decoding: bytes[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(value); i += 4
            } else {
                out.append(bytes[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The current mount table of this process's mount namespace.
    public static func current() throws(SystemCallError) -> [LinuxMount] {
        let text = try readWholeFile("/proc/self/mountinfo")
        return parse(mountinfo: String(decoding: text, as: UTF8.self))
    }
}

/// Reads a whole (pseudo) file; throws naming the path.
func readWholeFile(_ path: String) throws(SystemCallError) -> [UInt8] {
    let fd = try path.withCString { Sys.open($0, O_RDONLY) }.get("open", object: path)
    defer { _ = Sys.close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = try chunk.withUnsafeMutableBytes { Sys.read(fd, into: $0) }.get("read", object: path)
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}
#endif
