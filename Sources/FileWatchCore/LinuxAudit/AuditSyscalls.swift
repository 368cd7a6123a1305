// Syscall numbers → names per audit arch (`arch=c000003e`), from the generated kernel tables, and
// names → what filewatcher calls the event.

public enum AuditArch: UInt32, Sendable {
    /// AUDIT_ARCH_X86_64 (EM_X86_64 | 64-bit | little-endian).
    case x86_64 = 0xC000_003E
    /// AUDIT_ARCH_I386 (EM_386 | little-endian).
    case i386 = 0x4000_0003
    /// AUDIT_ARCH_AARCH64 (EM_AARCH64 | 64-bit | little-endian).
    case aarch64 = 0xC000_00B7

    public var name: String {
        switch self {
        case .x86_64: "x86_64"
        case .i386: "i386"
        case .aarch64: "aarch64"
        }
    }

    /// The syscall's name on this arch, nil when the table has none.
    public func syscallName(_ number: Int64) -> StaticString? {
        let table: [StaticString?]
        switch self {
        case .x86_64: table = LinuxAuditTables.x86_64
        case .i386: table = LinuxAuditTables.i386
        case .aarch64: table = LinuxAuditTables.aarch64
        }
        guard number >= 0, number < table.count else { return nil }
        return table[Int(number)]
    }

    /// Where a syscall number lives, by name (for audit rules: `-S openat` → the number per arch).
    public func syscallNumber(_ name: String) -> Int? {
        let table: [StaticString?]
        switch self {
        case .x86_64: table = LinuxAuditTables.x86_64
        case .i386: table = LinuxAuditTables.i386
        case .aarch64: table = LinuxAuditTables.aarch64
        }
        return table.firstIndex { $0.map { "\($0)" == name } ?? false }
    }
}

/// What a syscall does to files, by its name (the same on every arch).
public enum AuditSyscallClass: Sendable, Equatable {
    /// open, openat, openat2, open_by_handle_at: flags from the argument at `flagsArgument`
    /// (nil: not in an argument, e.g. openat2's struct).
    case open(flagsArgument: Int?)
    case creat
    case delete(directory: Bool)
    case rename
    case link(symbolic: Bool)
    case mkdir
    case mknod
    case attrib
    case truncate
    case exec
    case exit
    case read, write, close, stat
    case other

    /// `at`: the syscall takes a directory descriptor in `a0` for its (first) relative name.
    public static func classify(_ name: String) -> (AuditSyscallClass, dirfdArgument: Int?) {
        switch name {
        case "open": (.open(flagsArgument: 1), nil)
        case "openat": (.open(flagsArgument: 2), 0)
        case "openat2": (.open(flagsArgument: nil), 0)
        case "open_by_handle_at": (.open(flagsArgument: 2), nil)
        case "creat": (.creat, nil)
        case "unlink": (.delete(directory: false), nil)
        case "unlinkat": (.delete(directory: false), 0)
        case "rmdir": (.delete(directory: true), nil)
        case "rename": (.rename, nil)
        case "renameat", "renameat2": (.rename, 0)
        case "link", "symlink": (.link(symbolic: name == "symlink"), nil)
        case "linkat": (.link(symbolic: false), 0)
        case "symlinkat": (.link(symbolic: true), 1)
        case "mkdir": (.mkdir, nil)
        case "mkdirat": (.mkdir, 0)
        case "mknod": (.mknod, nil)
        case "mknodat": (.mknod, 0)
        case "chmod", "fchmod", "chown", "fchown", "lchown", "chown32", "fchown32", "lchown32",
             "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
             "utime", "utimes", "utimensat_time64":
            (.attrib, nil)
        case "fchmodat", "fchmodat2", "fchownat", "futimesat", "utimensat", "setxattrat", "removexattrat":
            (.attrib, 0)
        case "truncate", "truncate64", "ftruncate", "ftruncate64": (.truncate, nil)
        case "execve": (.exec, nil)
        case "execveat": (.exec, 0)
        case "exit_group", "exit": (.exit, nil)
        case "read", "pread64", "readv", "preadv", "preadv2": (.read, nil)
        case "write", "pwrite64", "writev", "pwritev", "pwritev2": (.write, nil)
        case "close": (.close, nil)
        case "stat", "lstat", "fstat", "newfstatat", "statx", "access", "faccessat", "faccessat2",
             "readlink", "readlinkat", "stat64", "lstat64", "fstat64", "fstatat64":
            (.stat, nil)
        default: (.other, nil)
        }
    }
}
