// Host services for the watch pipeline: output files (opened without following symlinks, mode
// 0600), user names (getpwuid_r/getpwnam_r, cached), the local UTC offset (localtime_r),
// strerror text, terminal detection, and SIGINT/SIGTERM → StopToken.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import FileWatchCore
import SystemPackage

// MARK: - Output files

/// Writes bytes to a file descriptor: every byte or an error (EINTR and short writes retried).
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
    public static func open(path: String, append: Bool) throws -> FileDescriptorWriter {
        var options: FileDescriptor.OpenOptions = [.create, .noFollow, .closeOnExec]
        options.insert(append ? .append : .truncate)
        do {
            let fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: options,
                                             permissions: [.ownerReadWrite], retryOnInterrupt: true)
            // An existing regular file keeps its mode on open: tighten it to 0600 as well (audit
            // data). Devices and FIFOs (/dev/null, a pipe) are left alone.
            var st = stat()
            if fstat(fd.rawValue, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_mode & 0o077 != 0 {
                _ = fchmod(fd.rawValue, 0o600)
            }
            return FileDescriptorWriter(fd: fd, name: path, ownsDescriptor: true)
        } catch let e as Errno {
            throw SystemCallError("open", e, detail: e == .tooManySymbolicLinkLevels
                ? "\(path) is a symbolic link; refusing to follow it" : path)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            _ = try fd.writeAll(bytes)
        } catch let e as Errno {
            throw SystemCallError("write", e, detail: name)
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
    t.withUTF8 { buf in
        _ = try? FileDescriptor.standardError.writeAll(UnsafeRawBufferPointer(buf))
    }
}

/// `true` when standard output is a terminal.
public func standardOutputIsTerminal() -> Bool { isatty(STDOUT_FILENO) == 1 }

// MARK: - Users

/// uid → user name through getpwuid_r, cached (misses too). One per pipeline thread.
public final class PasswdUserNames: UserNameResolver {
    private var cache: [UInt32: String?] = [:]
    private var last: (uid: UInt32, name: String?)?
    public init() {}

    public func userName(for uid: UInt32) -> String? {
        if let last, last.uid == uid { return last.name }
        if let hit = cache[uid] { last = (uid, hit); return hit }
        let name = Self.lookupUID(uid)
        if cache.count > 4096 { cache.removeAll(keepingCapacity: true) }
        cache[uid] = .some(name)
        last = (uid, name)
        return name
    }

    static func lookupUID(_ uid: UInt32) -> String? {
        var pw = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        var size = 4096
        while size <= 1 << 20 {
            var buf = [CChar](repeating: 0, count: size)
            let rc = buf.withUnsafeMutableBufferPointer { getpwuid_r(uid_t(uid), &pw, $0.baseAddress!, $0.count, &result) }
            if rc == ERANGE { size *= 4; continue }
            guard rc == 0, result != nil, let p = pw.pw_name else { return nil }
            return String(cString: p)
        }
        return nil
    }

    /// The uid of user `name`, or nil when there is no such user.
    public static func uid(ofUser name: String) -> UInt32? {
        var pw = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        var size = 4096
        while size <= 1 << 20 {
            var buf = [CChar](repeating: 0, count: size)
            let rc = buf.withUnsafeMutableBufferPointer { getpwnam_r(name, &pw, $0.baseAddress!, $0.count, &result) }
            if rc == ERANGE { size *= 4; continue }
            guard rc == 0, result != nil else { return nil }
            return UInt32(pw.pw_uid)
        }
        return nil
    }

    /// The name of `uid` (uncached), for resolving `--user UID`.
    public static func name(ofUID uid: UInt32) -> String? { lookupUID(uid) }
}

// MARK: - Paths

/// `--under DIR` as the kernel reports paths: absolute (relative to the working directory) and
/// with symbolic links resolved when DIR exists here (realpath); otherwise only made absolute.
public func canonicalDirectory(_ dir: String) -> String {
    if let resolved = realpath(dir, nil) {
        defer { free(resolved) }
        return String(cString: resolved)
    }
    if dir.hasPrefix("/") { return dir }
    guard let cwd = getcwd(nil, 0) else { return dir }
    defer { free(cwd) }
    return String(cString: cwd) + "/" + dir
}

// MARK: - Time and errors

/// The local time zone (TZ or /etc/localtime) through localtime_r.
public final class LocalTimeZone: UTCOffsetProvider {
    public init() { tzset() }
    public func utcOffset(atEpochSeconds seconds: Int64) -> Int {
        var t = time_t(seconds)
        var tmv = tm()
        guard localtime_r(&t, &tmv) != nil else { return 0 }
        return Int(tmv.tm_gmtoff)
    }
}

/// strerror text of a host errno, nil for unknown numbers.
public func errnoDescription(_ code: Int32) -> String? {
    guard code > 0, let p = strerror(code) else { return nil }
    let s = String(cString: p)
    return s.hasPrefix("Unknown error") ? nil : s
}

// MARK: - Signals

/// SIGINT / SIGTERM (and SIGHUP) → `StopToken.stop()`; a second signal exits at once (status 130).
/// SIGPIPE is ignored so a closed output pipe is reported as a write error (EPIPE) instead.
public final class SignalStopper: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "filewatcher.signals")

    public init(stop: StopToken, signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
        signal(SIGPIPE, SIG_IGN)
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if stop.isStopped { _exit(130) }
                stop.stop()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default dispositions.
    public func cancel() {
        for s in sources { s.cancel() }
        sources.removeAll()
    }
}

/// Stops `stop` after `seconds` (`--seconds`).
public func stopAfter(seconds: Double, _ stop: StopToken) {
    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { stop.stop() }
}
