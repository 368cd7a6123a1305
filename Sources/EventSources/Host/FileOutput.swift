// Output files and standard streams: opened without following symlinks (mode 0600), written
// whole (short writes and EINTR retried), errors naming the file.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FileWatchCore
import SystemPackage

/// Writes bytes to a file descriptor: every byte or a `SystemCallError` naming the file.
public final class FileDescriptorWriter: ByteWriter {
    public let fd: FileDescriptor
    public let name: String
    private let ownsDescriptor: Bool

    public init(fd: FileDescriptor, name: String, ownsDescriptor: Bool) {
        self.fd = fd; self.name = name; self.ownsDescriptor = ownsDescriptor
    }

    public static func standardOutput() -> FileDescriptorWriter {
        FileDescriptorWriter(fd: .standardOutput, name: "standard output", ownsDescriptor: false)
    }

    public static func standardError() -> FileDescriptorWriter {
        FileDescriptorWriter(fd: .standardError, name: "standard error", ownsDescriptor: false)
    }

    /// Opens `path` for writing without following a symbolic link in its last component
    /// (O_NOFOLLOW), creating it with mode 0600 (an existing regular file is set to 0600 too);
    /// `append` keeps existing content (logs), otherwise the file is truncated (captures).
    /// Close-on-exec.
    public static func open(path: String, append: Bool) throws(SystemCallError) -> FileDescriptorWriter {
        var options: FileDescriptor.OpenOptions = [.create, .noFollow, .closeOnExec]
        options.insert(append ? .append : .truncate)
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: options,
                                         permissions: [.ownerReadWrite], retryOnInterrupt: true)
        } catch {
            let e = error as? Errno ?? .ioError
            throw SystemCallError("open", e, object: path,
                                  note: e == .tooManySymbolicLinkLevels ? "a symbolic link; refusing to follow it" : nil)
        }
        // An existing regular file keeps its mode on open: tighten it to 0600 as well (audit
        // data). Devices and FIFOs (/dev/null, a pipe) are left alone.
        if case .success(let st) = Sys.fstat(fd.rawValue), (st.st_mode & S_IFMT) == S_IFREG, st.st_mode & 0o077 != 0 {
            _ = fchmod(fd.rawValue, 0o600)
        }
        return FileDescriptorWriter(fd: fd, name: path, ownsDescriptor: true)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try writeAll(bytes)
    }

    /// Writes every byte (the typed-throws form of `write`).
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            offset += try Sys.write(fd.rawValue, UnsafeRawBufferPointer(rebasing: bytes[offset...])).get("write", object: name)
        }
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
