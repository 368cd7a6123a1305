// The one event model between every source (BSM trail, auditpipe, fanotify) and every output.

/// Raw bytes of a file or process name. Paths on Linux and BSD are byte strings, not Unicode:
/// keep them exact and decide how to show them at the output.
public struct ByteString: Hashable, Sendable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init<S: Sequence>(_ bytes: S) where S.Element == UInt8 { self.bytes = Array(bytes) }
    public init(_ string: String) { self.bytes = Array(string.utf8) }
    public init(stringLiteral value: String) { self.bytes = Array(value.utf8) }

    public var isEmpty: Bool { bytes.isEmpty }
    /// Lossy text (invalid UTF-8 becomes U+FFFD). For display and logs, never for identity.
    public var description: String { String(decoding: bytes, as: UTF8.self) }
    /// The exact string when the bytes are valid UTF-8.
    public var utf8String: String? { String(validating: bytes, as: UTF8.self) }

    /// Byte order (unsigned), a shorter prefix first: `lexicographicallyPrecedes`, eight bytes at a
    /// time (the report sorts and groups by names; the element-wise loops were measured hot).
    public static func < (a: ByteString, b: ByteString) -> Bool {
        a.bytes.withUnsafeBytes { x in
            b.bytes.withUnsafeBytes { y in
                let n = min(x.count, y.count)
                var i = 0
                while i &+ 8 <= n {
                    // Big-endian: the first byte is the most significant, as in byte order.
                    let u = UInt64(bigEndian: x.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let v = UInt64(bigEndian: y.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    if u != v { return u < v }
                    i &+= 8
                }
                while i < n {
                    if x[i] != y[i] { return x[i] < y[i] }
                    i &+= 1
                }
                return x.count < y.count
            }
        }
    }
    /// The same bytes, compared eight at a time; one storage shared is equal at once (subjects
    /// handed out again by a source's memo, compared by the JSON sink's).
    public static func == (a: ByteString, b: ByteString) -> Bool {
        a.bytes.count == b.bytes.count && a.bytes.withUnsafeBytes { x in
            b.bytes.withUnsafeBytes { y in x.baseAddress == y.baseAddress || memoryEqual(x, y) }
        }
    }
    /// Hashes the bytes in one block (the synthesized version feeds the hasher byte by byte).
    public func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
}

/// What happened to the file. BSM and fanotify events both map onto these.
public enum EventKind: String, CaseIterable, Sendable, Codable {
    case open, read, write, close, create, delete, rename, link, attrib, stat, exec, exit, other

    /// The kinds shown without `-a/--all` (the original tool's "basic file events").
    public static let basic: Set<EventKind> = [.open, .read, .write, .close, .create, .delete, .rename, .link, .attrib, .exec]
}

/// Success or failure of the underlying operation.
public enum EventResult: Hashable, Sendable {
    case success
    /// `errno` is the host's errno number when known.
    case failure(errno: Int32?)

    public var succeeded: Bool { if case .success = self { return true } else { return false } }
}

/// Where the event came from.
public enum SourceKind: String, Sendable, Codable {
    case trail, auditpipe, fanotify
    /// Apple's Endpoint Security through `eslogger` (live or replayed JSON Lines).
    case eslogger
    /// The Linux kernel audit netlink socket (live).
    case audit
    /// auditd's log files (replay).
    case auditLog = "audit_log"
}

/// Source-specific detail kept for the curious (and for JSON output).
public enum SourceDetail: Hashable, Sendable {
    case none
    /// BSM event number and its short name from the event catalog (e.g. `AUE_OPEN_R`), and the modifier.
    case bsm(event: UInt16, name: String?, modifier: UInt16)
    /// The fanotify event mask as the kernel reported it.
    case fanotify(mask: UInt64)
    /// An Endpoint Security message as eslogger printed it (EndpointSecurityDetail.swift).
    case endpointSecurity(EndpointSecurityDetail)
    /// The Linux audit records' type, syscall, serial and rule key.
    case linuxAudit(LinuxAuditDetail)
}

/// Who did it.
public struct ProcessSubject: Hashable, Sendable {
    public var pid: Int32
    public var ppid: Int32?
    /// Short command name (comm / basename of the executable).
    public var name: ByteString
    /// Full executable path, when known (for a script run by its `#!` line: the script).
    public var executable: ByteString?
    /// The `#!` interpreter running `executable`, when it is a script and the source saw its exec.
    public var interpreter: ByteString?
    /// Command line (exec records / /proc cmdline), when known.
    public var arguments: [ByteString]?
    public var uid: UInt32?
    public var euid: UInt32?
    /// Audit user id (the login user; BSM only).
    public var auid: UInt32?
    public var gid: UInt32?
    /// User name of `uid` when it resolves.
    public var user: String?
    /// Apple code-signing identity (BSM `identity` token), when present.
    public var signingID: String?
    public var teamID: String?
    public var cdhash: [UInt8]?
    /// When the process started (µs since the epoch), when the source knows it. The ransomware heuristic uses it
    /// to tell files a process created from files that existed before it.
    public var startTime: Int64?
    /// Apple's pid generation (audit token `pidversion`): with the pid it names one process, even after
    /// the pid is reused. Endpoint Security only.
    public var pidVersion: UInt32?
    /// The parent at fork time, when the source tells it apart from the current parent (Endpoint Security).
    public var originalPPID: Int32?

    public init(pid: Int32, ppid: Int32? = nil, name: ByteString = "", executable: ByteString? = nil,
                arguments: [ByteString]? = nil, uid: UInt32? = nil, euid: UInt32? = nil, auid: UInt32? = nil,
                gid: UInt32? = nil, user: String? = nil, signingID: String? = nil, teamID: String? = nil,
                cdhash: [UInt8]? = nil, startTime: Int64? = nil) {
        self.pid = pid; self.ppid = ppid; self.name = name; self.executable = executable
        self.arguments = arguments; self.uid = uid; self.euid = euid; self.auid = auid; self.gid = gid
        self.user = user; self.signingID = signingID; self.teamID = teamID; self.cdhash = cdhash
        self.startTime = startTime
    }
}

/// Open-mode detail for `open` events, when the source knows it.
public struct OpenFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let read = OpenFlags(rawValue: 1 << 0)
    public static let write = OpenFlags(rawValue: 1 << 1)
    public static let create = OpenFlags(rawValue: 1 << 2)
    public static let truncate = OpenFlags(rawValue: 1 << 3)
}

/// One file-access event.
public struct Event: Hashable, Sendable {
    /// Microseconds since the Unix epoch.
    public var time: Int64
    public var kind: EventKind
    public var result: EventResult
    public var process: ProcessSubject
    /// The file (for rename/link: the source).
    public var path: ByteString?
    /// The destination of a rename or link.
    public var destinationPath: ByteString?
    /// True when the object is a directory (mkdir/rmdir, directory opens) — when known.
    public var isDirectory: Bool
    public var openFlags: OpenFlags
    /// For `close`: whether the file had been opened for writing (fanotify CLOSE_WRITE), when known.
    public var closeAfterWrite: Bool?
    public var source: SourceKind
    public var detail: SourceDetail
    /// Alerts this event raised (filled in by the detection stage; sinks show them with the event). Usually empty.
    public var alerts: [Alert] = []
    /// The source cut a path of this event short (Endpoint Security's `path_truncated`): `path` or
    /// `destinationPath` is a prefix of the real name.
    public var pathTruncated = false

    public init(time: Int64, kind: EventKind, result: EventResult = .success, process: ProcessSubject,
                path: ByteString? = nil, destinationPath: ByteString? = nil, isDirectory: Bool = false,
                openFlags: OpenFlags = [], closeAfterWrite: Bool? = nil, source: SourceKind,
                detail: SourceDetail = .none) {
        self.time = time; self.kind = kind; self.result = result; self.process = process; self.path = path
        self.destinationPath = destinationPath; self.isDirectory = isDirectory; self.openFlags = openFlags
        self.closeAfterWrite = closeAfterWrite; self.source = source; self.detail = detail
    }
}
