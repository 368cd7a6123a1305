// Reading the first bytes of a written file for the ransomware heuristic.
//   - Live fanotify: through the event's own descriptor (the file as it was at close, even if it is deleted or
//     renamed right after) — the source lends the descriptor while it delivers the event.
//   - Trails and the auditpipe: the path is opened after the close (no symbolic link in any component,
//     non-blocking, regular files only): a replay reads the files as they are NOW, not as they were recorded.

import FileWatchCore
import SystemPackage
#if os(Linux)
import CShims
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Content reads on top of the host layer's `Sys` calls (Result<_, Errno>, EINTR retried there); `readPrefix`
/// names the failing call.
enum ContentIO {
    /// Opens a file named in a recording (or by a source without descriptors) to read its content,
    /// without side effects and without being led elsewhere: no symbolic link is followed in ANY
    /// component (a replayed path `/tmp/x/y` with `x` → `/etc` must not read `/etc/y`), only a
    /// regular file is opened at all (checked with fstatat before the open, so a device or FIFO
    /// is never opened, and again with fstat after it), never blocking, never becoming a
    /// controlling terminal, not surviving exec, and (Linux) leaving atime alone when allowed.
    ///
    /// The parent directory is reached with openat2(RESOLVE_NO_SYMLINKS) on Linux, or else one
    /// component at a time with O_NOFOLLOW|O_DIRECTORY (macOS, FreeBSD, Linux before 5.6).
    static func openForContent(_ path: ByteString) -> Result<Int32, Errno> {
        let bytes = path.bytes
        guard !bytes.isEmpty, !bytes.contains(0) else { return .failure(.invalidArgument) }
        let slash = bytes.lastIndex(of: UInt8(ascii: "/"))
        let name = Array(bytes[(slash.map { $0 + 1 } ?? 0)...])
        guard !name.isEmpty else { return .failure(.isDirectory) }
        let directory: [UInt8] = slash.map { $0 == 0 ? [UInt8(ascii: "/")] : Array(bytes[..<$0]) } ?? [UInt8(ascii: ".")]
        let parent: Int32
        switch openDirectoryNoSymlinks(directory) {
        case .success(let fd): parent = fd
        case .failure(let e): return .failure(e)
        }
        defer { _ = Sys.close(parent) }
        let cname = name.map { CChar(bitPattern: $0) } + [0]
        // Regular files only, looked at before opening (a device's open can have effects of its own).
        var st = stat()
        if case .failure(let e) = nothingOrErrno({ cname.withUnsafeBufferPointer { fstatat(parent, $0.baseAddress!, &st, AT_SYMLINK_NOFOLLOW) } }) {
            return .failure(e)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            return .failure((st.st_mode & S_IFMT) == S_IFLNK ? .tooManySymbolicLinkLevels : .invalidArgument)
        }
        var flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY
        #if os(Linux)
        flags |= linuxNoAtime
        #endif
        let attempt = { (f: Int32) in cname.withUnsafeBufferPointer { Sys.open($0.baseAddress!, f, dirfd: parent) } }
        var result = attempt(flags)
        #if os(Linux)
        // O_NOATIME needs ownership of the file or CAP_FOWNER: without it, read like anyone else.
        if case .failure(.notPermitted) = result { result = attempt(flags & ~linuxNoAtime) }
        #endif
        return result
    }

    /// A directory reached without following a symbolic link anywhere on the way (O_DIRECTORY;
    /// on Linux O_PATH, which needs no read permission).
    /// `openat2: false` walks even where openat2 exists (tests: the path macOS and FreeBSD take).
    static func openDirectoryNoSymlinks(_ path: [UInt8], openat2: Bool = true) -> Result<Int32, Errno> {
        #if os(Linux)
        let directoryFlags = linuxPath | O_DIRECTORY | O_CLOEXEC
        if openat2 {
            let cpath = path.map { CChar(bitPattern: $0) } + [0]
            let whole = valueOrErrno { cpath.withUnsafeBufferPointer { fw_openat_no_symlinks(AT_FDCWD, $0.baseAddress!, directoryFlags) } }
            switch whole {
            case .failure(.noFunction), .failure(.notPermitted): break  // no openat2 here: walk instead
            default: return whole
            }
        }
        #else
        let directoryFlags = O_RDONLY | O_DIRECTORY
        #endif
        // One component at a time, each opened with O_NOFOLLOW relative to the one before.
        let start: [CChar] = path.first == UInt8(ascii: "/") ? [CChar(UInt8(ascii: "/")), 0] : [CChar(UInt8(ascii: ".")), 0]
        var current: Int32
        switch start.withUnsafeBufferPointer({ Sys.open($0.baseAddress!, directoryFlags) }) {
        case .success(let fd): current = fd
        case .failure(let e): return .failure(e)
        }
        for component in path.split(separator: UInt8(ascii: "/")) where component != [UInt8(ascii: ".")] {
            let c = component.map { CChar(bitPattern: $0) } + [0]
            let next = c.withUnsafeBufferPointer { Sys.open($0.baseAddress!, directoryFlags | O_NOFOLLOW, dirfd: current) }
            _ = Sys.close(current)
            switch next {
            case .success(let fd): current = fd
            // O_NOFOLLOW|O_DIRECTORY at a symbolic link: ELOOP (Linux) or ENOTDIR (some BSDs).
            case .failure(let e): return .failure(e)
            }
        }
        return .success(current)
    }

    /// The file's birth time (µs since the epoch), when its filesystem keeps one.
    static func birthTime(_ fd: Int32) -> Int64? {
        #if os(Linux)
        var seconds: Int64 = 0
        var nanoseconds: UInt32 = 0
        guard case .success = nothingOrErrno({ fw_birth_time(fd, &seconds, &nanoseconds) }) else { return nil }
        return seconds * 1_000_000 + Int64(nanoseconds / 1000)
        #elseif canImport(Darwin)
        guard case .success(let st) = Sys.fstat(fd) else { return nil }
        return Int64(st.st_birthtimespec.tv_sec) * 1_000_000 + Int64(st.st_birthtimespec.tv_nsec) / 1000
        #else
        return nil
        #endif
    }

    /// Fills `buffer` from offset 0 of a regular file (short only at end of file), and says when the file was born.
    static func readContent(fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<ContentRead, SystemCallError> {
        readPrefix(fd: fd, into: buffer).map { ContentRead(count: $0, birthTime: birthTime(fd)) }
    }

    /// Fills `buffer` from offset 0 of a regular file (short only at end of file).
    static func readPrefix(fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, SystemCallError> {
        switch Sys.isRegularFile(fd) {
        case .failure(let e): return .failure(SystemCallError("fstat", e))
        case .success(false): return .failure(SystemCallError("fstat", .invalidArgument, note: "not a regular file"))
        case .success(true): break
        }
        var total = 0
        while total < buffer.count {
            switch Sys.pread(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...]), at: Int64(total)) {
            case .failure(let e): return .failure(SystemCallError("pread", e))
            case .success(0): return .success(total)
            case .success(let n): total += n
            }
        }
        return .success(total)
    }
}

#if os(Linux)
/// O_NOATIME (needs _GNU_SOURCE in C, so not imported): 0o1000000 on every Linux architecture Swift supports.
private let linuxNoAtime: Int32 = 0o1000000
/// O_PATH (also _GNU_SOURCE only): 0o10000000 on every Linux architecture Swift supports.
private let linuxPath: Int32 = 0o10000000
#endif

/// Opens the event's path after the close and reads its beginning (trail replay/follow, auditpipe; also the
/// fallback for live sources that cannot lend a descriptor). Races a fast delete/rename: then the content is
/// simply unavailable (counted, never fatal).
public final class PathContentReader: ContentReader {
    public init() {}

    public func readPrefix(of event: Event, into buffer: UnsafeMutableRawBufferPointer) -> Result<ContentRead, ContentUnavailable> {
        guard let path = event.path, !path.isEmpty, !path.bytes.contains(0) else {
            return .failure(ContentUnavailable("no path"))
        }
        let fd: Int32
        switch ContentIO.openForContent(path) {
        case .success(let d): fd = d
        case .failure(let e): return .failure(ContentUnavailable("open: \(e)"))
        }
        defer { close(fd) }
        return ContentIO.readContent(fd: fd, into: buffer).mapError { ContentUnavailable($0.description) }
    }
}

/// Reads through a descriptor the live source lends for the event being delivered (fanotify's event fd, or one
/// from `open_by_handle_at` in FID mode), falling back to opening the path.
///
/// Two ways to lend:
///   - `reader.lending(fd) { receiver.receive(event) }` around one delivery;
///   - `reader.lend(fd, for: event)` just before `receiver.receive(event)` (fanotify's `contentInspector` hook);
///     the descriptor is then used only for that very event, and forgotten at the next lend.
/// The detection stage runs synchronously inside `receive`, so a lent descriptor is valid whenever `readPrefix`
/// runs for its event. The reader never closes a lent descriptor and never moves its file offset (pread).
public final class LentDescriptorContentReader: ContentReader {
    private var lentFD: Int32 = -1
    private var lentFor: Event?
    private let fallback: ContentReader?
    /// Reads made through a lent descriptor / through the fallback (for tests and the debug log).
    public private(set) var lentReads = 0
    public private(set) var fallbackReads = 0

    /// - Parameter fallback: used when no descriptor is lent (nil: content unavailable then).
    public init(fallback: ContentReader? = PathContentReader()) { self.fallback = fallback }

    /// Lends `fd` for the duration of `body` (one event's delivery).
    public func lending<R>(_ fd: Int32, _ body: () throws -> R) rethrows -> R {
        let previous = (lentFD, lentFor)
        lentFD = fd
        lentFor = nil
        defer { (lentFD, lentFor) = previous }
        return try body()
    }

    /// Lends `fd` for `event` only (until the next lend).
    public func lend(_ fd: Int32, for event: Event) {
        lentFD = fd
        lentFor = event
    }

    public func readPrefix(of event: Event, into buffer: UnsafeMutableRawBufferPointer) -> Result<ContentRead, ContentUnavailable> {
        if lentFD >= 0, lentFor.map({ Self.sameEvent($0, event) }) ?? true {
            lentReads += 1
            let fd = lentFD
            if lentFor != nil { lentFD = -1; lentFor = nil }  // one use: the source closes it after delivery
            return ContentIO.readContent(fd: fd, into: buffer).mapError { ContentUnavailable($0.description) }
        }
        guard let fallback else { return .failure(ContentUnavailable("no descriptor for this event")) }
        fallbackReads += 1
        return fallback.readPrefix(of: event, into: buffer)
    }

    /// The pipeline may enrich an event (user names) between the source and the detection stage: compare identity.
    static func sameEvent(_ a: Event, _ b: Event) -> Bool {
        a.time == b.time && a.kind == b.kind && a.process.pid == b.process.pid && a.path == b.path
    }
}
