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
    public var alerts: [Alert]
    /// The source cut a path of this event short (Endpoint Security's `path_truncated`): `path` or
    /// `destinationPath` is a prefix of the real name.
    public var pathTruncated: Bool
}

extension Event {
    /// In an extension, through the memberwise initializer: an initializer in the type's body
    /// builds the value in memory and copies it out (Swift 6.3, -O: an outlined copy and destroy
    /// of the whole Event per call; callgrind, 100k-event audit log: 54 M Ir). `alerts` and
    /// `pathTruncated` have no initial values so that the memberwise one has other labels.
    public init(time: Int64, kind: EventKind, result: EventResult = .success, process: ProcessSubject,
                path: ByteString? = nil, destinationPath: ByteString? = nil, isDirectory: Bool = false,
                openFlags: OpenFlags = [], closeAfterWrite: Bool? = nil, source: SourceKind,
                detail: SourceDetail = .none) {
        self.init(time: time, kind: kind, result: result, process: process, path: path, destinationPath: destinationPath,
                  isDirectory: isDirectory, openFlags: openFlags, closeAfterWrite: closeAfterWrite, source: source,
                  detail: detail, alerts: [], pathTruncated: false)
    }
}
