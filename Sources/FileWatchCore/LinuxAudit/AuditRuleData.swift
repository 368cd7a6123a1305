// Kernel audit rules as the netlink API takes them (AUDIT_ADD_RULE / AUDIT_DEL_RULE /
// AUDIT_LIST_RULES carry `struct audit_rule_data`), built and read without kernel headers.
//
// Byte layout (<linux/audit.h>, every field a u32 in the host's byte order — little-endian on every
// arch the live source runs on (x86_64, aarch64), so it is written little-endian; AUDIT_BITMASK_SIZE = 64,
// AUDIT_MAX_FIELDS = 64):
//
//   offset    0  flags        filter list (AUDIT_FILTER_EXIT = 4) | AUDIT_FILTER_PREPEND (0x10)
//             4  action       AUDIT_NEVER 0, AUDIT_ALWAYS 2
//             8  field_count
//            12  mask[64]     syscall bitmap: syscall n is bit n % 32 of mask[n / 32]
//           268  fields[64]   field ids (AUDIT_PID 0, AUDIT_ARCH 11, AUDIT_EXIT 103, AUDIT_FILTERKEY 210)
//           524  values[64]   values (for string fields: the string's length in buf)
//           780  fieldflags[64] operators (AUDIT_EQUAL 0x40000000, AUDIT_NOT_EQUAL 0x30000000)
//          1036  buflen
//          1040  buf[buflen]  the string values, one after the other

public struct AuditRuleData: Equatable, Sendable {
    public static let headerSize = 1040
    public static let filterExit: UInt32 = 0x04
    public static let filterPrepend: UInt32 = 0x10
    public static let actionNever: UInt32 = 0
    public static let actionAlways: UInt32 = 2
    public static let fieldPID: UInt32 = 0
    public static let fieldArch: UInt32 = 11
    public static let fieldExit: UInt32 = 103
    public static let fieldKey: UInt32 = 210
    public static let opEqual: UInt32 = 0x4000_0000

    public var flags: UInt32
    public var action: UInt32
    public var mask = [UInt32](repeating: 0, count: 64)
    public var fields: [(field: UInt32, op: UInt32, value: UInt32)] = []
    public var strings: [UInt8] = []

    public init(flags: UInt32, action: UInt32) { self.flags = flags; self.action = action }

    public static func == (a: AuditRuleData, b: AuditRuleData) -> Bool { a.bytes == b.bytes }

    public mutating func addSyscall(_ n: Int) {
        guard n >= 0, n < 64 * 32 else { return }
        mask[n / 32] |= 1 << UInt32(n % 32)
    }

    public mutating func allSyscalls() { mask = [UInt32](repeating: 0xFFFF_FFFF, count: 64) }

    public mutating func add(_ field: UInt32, _ value: UInt32, op: UInt32 = opEqual) {
        fields.append((field, op, value))
    }

    /// `-k KEY` (AUDIT_FILTERKEY: the value is the length, the bytes go to buf).
    public mutating func addKey(_ key: String) {
        let b = Array(key.utf8)
        fields.append((Self.fieldKey, Self.opEqual, UInt32(b.count)))
        strings += b
    }

    /// The rule's key (the first AUDIT_FILTERKEY string), when it has one.
    public var key: String? {
        var offset = 0
        for f in fields {
            // String-valued fields take `value` bytes of buf, in order.
            if Self.stringFields.contains(f.field) {
                let end = offset + Int(f.value)
                guard end <= strings.count else { return nil }
                if f.field == Self.fieldKey { return String(decoding: strings[offset..<end], as: UTF8.self) }
                offset = end
            }
        }
        return nil
    }

    /// Fields whose value is a string in buf (AUDIT_SUBJ_USER…AUDIT_SUBJ_CLR 13–17, AUDIT_WATCH 105,
    /// AUDIT_DIR 107, AUDIT_FILTERKEY 210, AUDIT_OBJ_USER…AUDIT_OBJ_LEV_HIGH 19–23, AUDIT_EXE 112).
    static let stringFields: Set<UInt32> = [13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 105, 107, 112, 210]

    /// The wire form.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.headerSize + strings.count)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(flags); u32(action); u32(UInt32(fields.count))
        for m in mask { u32(m) }
        for i in 0..<64 { u32(i < fields.count ? fields[i].field : 0) }
        for i in 0..<64 { u32(i < fields.count ? fields[i].value : 0) }
        for i in 0..<64 { u32(i < fields.count ? fields[i].op : 0) }
        u32(UInt32(strings.count))
        out += strings
        return out
    }

    /// Reads a rule (an AUDIT_LIST_RULES reply's payload); nil when it is shorter than it says.
    public init?(bytes b: [UInt8]) {
        guard b.count >= Self.headerSize else { return nil }
        func u32(_ at: Int) -> UInt32 {
            UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
        }
        flags = u32(0); action = u32(4)
        let count = Int(u32(8))
        guard count <= 64 else { return nil }
        mask = (0..<64).map { u32(12 + 4 * $0) }
        fields = (0..<count).map { (u32(268 + 4 * $0), u32(780 + 4 * $0), u32(524 + 4 * $0)) }
        let buflen = Int(u32(1036))
        guard b.count >= Self.headerSize + buflen else { return nil }
        strings = Array(b[Self.headerSize..<(Self.headerSize + buflen)])
    }

    // MARK: filewatcher's rules

    /// The key every rule filewatcher adds carries (and the only rules it ever removes).
    public static let ourKey = "filewatcher"

    /// The syscall families whose denials `--audit-rules failures` asks the kernel to report.
    public static let failureSyscalls = [
        "open", "openat", "openat2", "creat", "open_by_handle_at",
        "truncate", "truncate64", "ftruncate", "ftruncate64",
        "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2",
        "chmod", "fchmod", "fchmodat", "fchmodat2",
        "chown", "fchown", "lchown", "fchownat", "chown32", "fchown32", "lchown32",
        "execve", "execveat",
    ]

    /// `-a exit,always -F arch=ARCH -S <failure syscalls> -F exit=-ERRNO -k filewatcher`.
    public static func failures(arch: AuditArch, errno: Int32, key: String = ourKey) -> AuditRuleData {
        var r = AuditRuleData(flags: filterExit, action: actionAlways)
        for name in failureSyscalls { if let n = arch.syscallNumber(name) { r.addSyscall(n) } }
        r.add(fieldArch, arch.rawValue)
        r.add(fieldExit, UInt32(bitPattern: -errno))
        r.addKey(key)
        return r
    }

    /// `-A exit,never -F pid=PID -k filewatcher` (every syscall; first in the list): our own
    /// reads and writes never make records.
    public static func excludingProcess(_ pid: Int32, key: String = ourKey) -> AuditRuleData {
        var r = AuditRuleData(flags: filterExit | filterPrepend, action: actionNever)
        r.allSyscalls()
        r.add(fieldPID, UInt32(bitPattern: pid))
        r.addKey(key)
        return r
    }

    /// The arches whose syscalls a host of `native` arch can make (x86_64 also runs i386 code).
    public static func arches(native: AuditArch) -> [AuditArch] {
        native == .x86_64 ? [.x86_64, .i386] : [native]
    }
}
