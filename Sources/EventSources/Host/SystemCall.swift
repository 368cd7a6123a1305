// System calls, swift-system style, in three layers:
//   1. the raw call (Glibc / Darwin / CShims): -1 and `errno` on failure;
//   2. `Result<_, Errno>`, with EINTR retried in exactly one place: `valueOrErrno` below
//      (the portable calls are in `Sys` here, the Linux-only ones in LinuxSyscalls.swift);
//   3. throwing APIs that turn an `Errno` into a `SystemCallError` naming the call and the object
//      it was applied to (`result.get("open", object: path)`).
// Every hand-written loop that retries EINTR should be one of these instead.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// A failed system call: which call, on what, the errno, and (rarely) what that means here.
///
/// `description`: `open /var/log/x: Permission denied`, or with a note
/// `open /tmp/out: Too many levels of symbolic links (a symbolic link; refusing to follow it)`.
public struct SystemCallError: Error, Equatable, Hashable, CustomStringConvertible, Sendable {
    /// The call's name (`open`, `ioctl(AUDITPIPE_GET_DROPS)`, `socket(NETLINK_CONNECTOR)`).
    public var call: String
    public var errno: Errno
    /// What the call was applied to (a path, a mount point, "fanotify group"), when that helps the reader.
    public var object: String?
    /// What the failure means in this place, when the errno text alone would mislead.
    public var note: String?

    public init(_ call: String, _ errno: Errno, object: String? = nil, note: String? = nil) {
        self.call = call; self.errno = errno; self.object = object; self.note = note
    }

    public var description: String {
        var s = call
        if let object { s += " " + object }
        s += ": " + errno.description
        if let note { s += " (" + note + ")" }
        return s
    }
}

/// The name the fanotify files use (same type): kept so those files compile unchanged while they
/// are rewritten. New code says `SystemCallError`.
public typealias LinuxSyscallError = SystemCallError

extension Result where Failure == Errno {
    /// Layer 3: the value, or a `SystemCallError` naming the call and its object.
    @inline(__always)
    public func get(_ call: String, object: String? = nil) throws(SystemCallError) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let errno): throw SystemCallError(call, errno, object: object)
        }
    }
}

/// The current thread's errno as an `Errno`.
@inline(__always)
func currentErrno() -> Errno {
    #if canImport(Glibc)
    Errno(rawValue: Glibc.errno)
    #elseif canImport(Musl)
    Errno(rawValue: Musl.errno)
    #else
    Errno(rawValue: Darwin.errno)
    #endif
}

/// THE EINTR retry loop (layer 2): runs `body` until it returns something other than -1, or fails
/// with something other than EINTR (or with EINTR itself when `retryOnInterrupt` is false: a call
/// that must return to let its caller look at a stop request).
@inline(__always)
public func valueOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ body: () -> I) -> Result<I, Errno> {
    while true {
        let value = body()
        if value != -1 { return .success(value) }
        let errno = currentErrno()
        if retryOnInterrupt && errno == .interrupted { continue }
        return .failure(errno)
    }
}

/// `valueOrErrno` for calls whose only result is success.
@inline(__always)
public func nothingOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ body: () -> I) -> Result<Void, Errno> {
    valueOrErrno(retryOnInterrupt: retryOnInterrupt, body).map { _ in () }
}

/// Layer 2: the portable system calls, as `Result<_, Errno>` (Linux-only ones: LinuxSyscalls.swift).
enum Sys {
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        valueOrErrno { systemRead(fd, buffer.baseAddress, buffer.count) }
    }

    static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Result<Int, Errno> {
        valueOrErrno { systemWrite(fd, buffer.baseAddress, buffer.count) }
    }

    static func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> Result<Int, Errno> {
        valueOrErrno { systemPread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    /// openat(2), always close-on-exec.
    static func open(_ path: UnsafePointer<CChar>, _ flags: Int32, dirfd: Int32 = AT_FDCWD) -> Result<Int32, Errno> {
        valueOrErrno { openat(dirfd, path, flags | O_CLOEXEC) }
    }

    /// close(2) is never retried: on Linux the descriptor is gone even when it reports EINTR.
    static func close(_ fd: Int32) -> Result<Void, Errno> {
        nothingOrErrno(retryOnInterrupt: false) { systemClose(fd) }
    }

    static func fstat(_ fd: Int32) -> Result<stat, Errno> {
        var st = stat()
        return nothingOrErrno { systemFstat(fd, &st) }.map { st }
    }

    /// Whether `fd` is a regular file (then reads never block and need no polling).
    static func isRegularFile(_ fd: Int32) -> Result<Bool, Errno> {
        fstat(fd).map { ($0.st_mode & S_IFMT) == S_IFREG }
    }

    /// Waits up to `timeoutMS` for `fd` to become readable (or hung up): true when it is. EINTR
    /// (a signal came) is answered "not yet" so the caller can look at its stop request.
    static func pollReadable(_ fd: Int32, timeoutMS: Int32) -> Result<Bool, Errno> {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        switch valueOrErrno(retryOnInterrupt: false, { poll(&p, 1, timeoutMS) }) {
        case .success(let n): return .success(n > 0)
        case .failure(.interrupted): return .success(false)
        case .failure(let e): return .failure(e)
        }
    }

    static func kill(_ pid: Int32, _ signal: Int32) -> Result<Void, Errno> {
        nothingOrErrno { systemKill(pid, signal) }
    }

    /// waitpid(2): the raw wait status.
    static func waitpid(_ pid: Int32) -> Result<Int32, Errno> {
        var status: Int32 = 0
        return valueOrErrno { systemWaitpid(pid, &status, 0) }.map { _ in status }
    }
}

// The C library's functions under names that do not clash with `Sys`'s own.
@inline(__always) private func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { read(fd, p, n) }
@inline(__always) private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int) -> Int { write(fd, p, n) }
@inline(__always) private func systemPread(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int, _ o: off_t) -> Int { pread(fd, p, n, o) }
@inline(__always) private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
@inline(__always) private func systemFstat(_ fd: Int32, _ st: UnsafeMutablePointer<stat>) -> Int32 { fstat(fd, st) }
@inline(__always) private func systemKill(_ pid: Int32, _ sig: Int32) -> Int32 { kill(pid_t(pid), sig) }
@inline(__always) private func systemWaitpid(_ pid: Int32, _ status: UnsafeMutablePointer<Int32>, _ options: Int32) -> Int32 {
    Int32(waitpid(pid_t(pid), status, options))
}
