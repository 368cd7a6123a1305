#if os(Linux)
import Glibc
import CShims
import SystemPackage

// The Linux-only system calls, as `Result<_, Errno>` (layer 2 of Host/SystemCall.swift, which
// holds the error type, the one EINTR retry loop and the portable calls).

/// Layer 2: the Linux-only system calls, as `Result<_, Errno>`.
extension Sys {
    static func fanotifyInit(flags: UInt32, eventFlags: UInt32) -> Result<Int32, Errno> {
        valueOrErrno { fw_fanotify_init(flags, eventFlags) }
    }

    static func fanotifyMark(_ fd: Int32, flags: UInt32, mask: UInt64, dirfd: Int32 = AT_FDCWD,
                             path: UnsafePointer<CChar>?) -> Result<Void, Errno> {
        nothingOrErrno { fw_fanotify_mark(fd, flags, mask, dirfd, path) }
    }

    static func readlink(_ path: UnsafePointer<CChar>, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        valueOrErrno { Glibc.readlink(path, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count) }
    }

    static func openByHandle(mountFD: Int32, type: Int32, handle: UnsafeRawBufferPointer, flags: Int32) -> Result<Int32, Errno> {
        valueOrErrno { fw_open_by_handle_at(mountFD, type, handle.baseAddress, UInt32(handle.count), flags | O_CLOEXEC) }
    }

    static func pidfdOpen(_ pid: Int32) -> Result<Int32, Errno> {
        valueOrErrno { fw_pidfd_open(pid, 0) }
    }

    static func epollCreate() -> Result<Int32, Errno> {
        valueOrErrno { fw_epoll_create() }
    }

    static func epollAdd(_ epfd: Int32, _ fd: Int32, data: UInt64) -> Result<Void, Errno> {
        nothingOrErrno { fw_epoll_add(epfd, fd, data) }
    }

    /// Waits for readiness; fills `datas` with the user data of ready descriptors.
    static func epollWait(_ epfd: Int32, into datas: UnsafeMutableBufferPointer<UInt64>, timeoutMS: Int32) -> Result<Int, Errno> {
        // EINTR here means "a signal came": report no events so the caller can check its stop token.
        switch valueOrErrno(retryOnInterrupt: false, { fw_epoll_wait(epfd, datas.baseAddress, Int32(datas.count), timeoutMS) }) {
        case .success(let n): return .success(Int(n))
        case .failure(.interrupted): return .success(0)
        case .failure(let e): return .failure(e)
        }
    }

    static func fsid(_ fd: Int32) -> Result<UInt64, Errno> {
        var fsid: UInt64 = 0
        return nothingOrErrno { fw_fsid(fd, &fsid) }.map { fsid }
    }
}

/// Reads a symbolic link (e.g. `/proc/self/fd/N`, `/proc/PID/exe`) into bytes; nil when it fails.
func readLinkBytes(_ path: UnsafePointer<CChar>) -> [UInt8]? {
    withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 1) { buffer in
        // n == the buffer's size: the link was cut (readlink does not say so otherwise).
        guard case .success(let n) = Sys.readlink(path, into: buffer), n > 0, n < buffer.count else { return nil }
        return Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }
}

/// `/proc/self/fd/<fd>` as a C string, built without allocating, passed to `body`.
@inline(__always)
func withProcSelfFDPath<R>(_ fd: Int32, _ body: (UnsafePointer<CChar>) -> R) -> R {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
        let prefix = "/proc/self/fd/"
        var i = 0
        for byte in prefix.utf8 { buffer[i] = CChar(bitPattern: byte); i += 1 }
        i += writeDecimal(Int(fd), into: UnsafeMutableBufferPointer(rebasing: buffer[i...]))
        buffer[i] = 0
        return body(buffer.baseAddress!)
    }
}

/// `/proc/<pid>/<leaf>` as a C string, built without allocating.
@inline(__always)
func withProcPIDPath<R>(_ pid: Int32, _ leaf: StaticString, _ body: (UnsafePointer<CChar>) -> R) -> R {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
        var i = 0
        for byte in "/proc/".utf8 { buffer[i] = CChar(bitPattern: byte); i += 1 }
        i += writeDecimal(Int(pid), into: UnsafeMutableBufferPointer(rebasing: buffer[i...]))
        buffer[i] = 0x2F; i += 1
        leaf.withUTF8Buffer { for byte in $0 { buffer[i] = CChar(bitPattern: byte); i += 1 } }
        buffer[i] = 0
        return body(buffer.baseAddress!)
    }
}

/// Writes the decimal digits of a non-negative `value`; returns how many.
@inline(__always)
private func writeDecimal(_ value: Int, into buffer: UnsafeMutableBufferPointer<CChar>) -> Int {
    var v = max(value, 0)
    var digits = 0
    var tmp = v
    repeat { digits += 1; tmp /= 10 } while tmp > 0
    var j = digits - 1
    repeat { buffer[j] = CChar(48 + v % 10); v /= 10; j -= 1 } while v > 0
    return digits
}

/// Reads a small file (under /proc) whole into `buffer`; returns the byte count or nil.
func readSmallFile(_ path: UnsafePointer<CChar>, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
    guard case .success(let fd) = Sys.open(path, O_RDONLY) else { return nil }
    defer { _ = Sys.close(fd) }
    var total = 0
    while total < buffer.count {
        guard case .success(let n) = Sys.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...])), n > 0 else { break }
        total += n
    }
    return total
}

/// CLOCK_MONOTONIC in seconds.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Microseconds since the Unix epoch (CLOCK_REALTIME).
@inline(__always)
func realtimeMicroseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}
#endif
