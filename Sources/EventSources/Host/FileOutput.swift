// Output files and standard streams: opened so that no other user can take them over
// (OutputFileOpening), written whole (short writes and EINTR retried), errors naming the file;
// a full disk drops whole batches (counted), never cuts a line; SIGHUP reopens (log rotation).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FileWatchCore
import Synchronization
import SystemPackage

/// Writes bytes to a file descriptor: every byte or a `SystemCallError` naming the file.
///
/// On a full filesystem (ENOSPC, EDQUOT, EFBIG) a batch is written whole or not at all: the part
/// of it that fit is cut off again, its events are counted as lost (`lostEvents`, `summaryLines`)
/// and the run goes on; `report` says when dropping starts and when writing works again.
public final class FileDescriptorWriter: ByteWriter, SessionReporting, @unchecked Sendable {
    public let fd: FileDescriptor
    public let name: String
    private let ownsDescriptor: Bool
    /// The path it was opened from (nil: a standard stream), for `reopen`.
    private let reopenPath: String?
    /// Told (once per stretch) when events start being dropped and when writing works again.
    public var report: ((String) -> Void)?
    private let dropped = Atomic<UInt64>(0)
    private var dropping: (errno: Errno, events: UInt64)?

    public init(fd: FileDescriptor, name: String, ownsDescriptor: Bool) {
        self.fd = fd; self.name = name; self.ownsDescriptor = ownsDescriptor; self.reopenPath = nil
    }

    private init(fd: FileDescriptor, path: String) {
        self.fd = fd; self.name = path; self.ownsDescriptor = true; self.reopenPath = path
    }

    public static func standardOutput() -> FileDescriptorWriter {
        FileDescriptorWriter(fd: .standardOutput, name: "standard output", ownsDescriptor: false)
    }

    public static func standardError() -> FileDescriptorWriter {
        FileDescriptorWriter(fd: .standardError, name: "standard error", ownsDescriptor: false)
    }

    /// Opens `path` for writing (see OutputFileOpening: a new file is created exclusively with mode
    /// 0600; an existing one must be ours or root's, a regular file, not group/other-writable, with
    /// one link; symbolic links are refused; a FIFO never blocks). `append` keeps existing
    /// content (logs, `--append`), otherwise the file is truncated (captures). Close-on-exec.
    public static func open(path: String, append: Bool) throws(SystemCallError) -> FileDescriptorWriter {
        FileDescriptorWriter(fd: try OutputFileOpening.open(path: path, append: append), path: path)
    }

    /// Whether this writer can be reopened (it was opened from a path).
    public var isReopenable: Bool { reopenPath != nil }

    /// Opens the path again (appending, by the same rules) and puts the new file in place of the
    /// old one under the same descriptor number (dup2): a write in progress finishes in the old
    /// file, the next goes to the new one. For log rotation (SIGHUP). A standard stream: nothing.
    public func reopen() throws(SystemCallError) {
        guard let reopenPath else { return }
        let fresh = try OutputFileOpening.open(path: reopenPath, append: true)
        defer { try? fresh.close() }
        _ = try valueOrErrno { dup2(fresh.rawValue, fd.rawValue) }.get("dup2", object: reopenPath)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try writeAll(bytes)
    }

    /// Writes a batch of `events` events whole, or drops and counts it when the filesystem is full.
    public func write(_ bytes: UnsafeRawBufferPointer, events: Int) throws {
        var offset = 0
        while offset < bytes.count {
            switch Sys.write(fd.rawValue, UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
            case .success(let n):
                offset += n
            case .failure(let e) where e == .noSpace || e == .diskQuotaExceeded || e == .fileTooLarge:
                cutOff(offset)
                drop(events: UInt64(max(events, 1)), errno: e)
                return
            case .failure(let e):
                throw SystemCallError("write", e, object: name)
            }
        }
        if let d = dropping {
            dropping = nil
            report?("filewatcher: \(name): writing again after \(d.events) event\(d.events == 1 ? "" : "s") not written (\(d.errno))")
        }
    }

    /// Removes the `written` bytes of a batch that fit before the filesystem filled up (so the
    /// file ends with a whole line or record) and moves the file position back over them.
    private func cutOff(_ written: Int) {
        guard written > 0 else { return }
        let position = lseek(fd.rawValue, 0, SEEK_CUR)  // after them (also with O_APPEND)
        guard position >= off_t(written) else { return }
        let start = position - off_t(written)
        _ = nothingOrErrno { ftruncate(fd.rawValue, start) }
        _ = lseek(fd.rawValue, start, SEEK_SET)
    }

    private func drop(events: UInt64, errno: Errno) {
        dropped.add(events, ordering: .relaxed)
        if var d = dropping {
            d.events += events
            dropping = d
        } else {
            dropping = (errno, events)
            report?("filewatcher: \(name): \(errno); events are dropped (whole lines) and counted until writing works again")
        }
    }

    /// Writes every byte (the typed-throws form of `write`).
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            offset += try Sys.write(fd.rawValue, UnsafeRawBufferPointer(rebasing: bytes[offset...])).get("write", object: name)
        }
    }

    /// Events not written because the filesystem was full.
    public var lostEvents: UInt64 { dropped.load(ordering: .relaxed) }

    public var summaryLines: [String] {
        let n = lostEvents
        return n == 0 ? [] : ["\(n) event\(n == 1 ? "" : "s") not written to \(name): the filesystem was full"]
    }

    /// Whether the descriptor is a terminal.
    public var isTerminal: Bool { isatty(fd.rawValue) == 1 }

    deinit {
        if ownsDescriptor { try? fd.close() }
    }
}

/// Writes a line to standard error at once (notices, summary). Errors are ignored: there is
/// nowhere left to report them.
public func writeToStandardError(_ text: String) {
    var t = text
    t.withUTF8 { try? FileDescriptorWriter.standardError().writeAll(UnsafeRawBufferPointer($0)) }
}

/// `true` when standard output is a terminal.
public func standardOutputIsTerminal() -> Bool { isatty(STDOUT_FILENO) == 1 }

/// Opens /dev/null on standard input, output and error where they are closed (started with
/// `>&-`), before anything else is opened: otherwise the next file opened (the debug log, an
/// output file) would get descriptor 1 or 2 and receive what is meant for the closed stream.
/// Returns the descriptors it filled.
@discardableResult
public func ensureStandardDescriptorsOpen() -> [Int32] {
    var filled: [Int32] = []
    for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && currentErrno() == .badFileDescriptor {
        let null = openat(AT_FDCWD, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)  // inherited: no O_CLOEXEC
        if null == fd {
            filled.append(fd)
        } else if null >= 0 {
            // A lower descriptor was closed too and took it: put it where it belongs.
            _ = dup2(null, fd)
            _ = close(null)
            filled.append(fd)
        }
    }
    return filled
}
