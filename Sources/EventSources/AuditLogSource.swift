// Replays an auditd log (a file, or standard input `-`) through the event pipeline. Lines, records,
// events and bad-line reports come from FileWatchCore.AuditLogDecoder; this file only reads.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FileWatchCore
import SystemPackage

public final class AuditLogSource: EventSource {
    public let kind: SourceKind = .auditLog
    /// The path given (`-` for standard input), for messages.
    public let name: String
    private let path: String?
    /// Bytes per read.
    public var chunkSize = 256 * 1024
    /// How long to wait for input on a pipe or terminal before checking the stop token again.
    public var pollMilliseconds: Int32 = 200

    /// - Parameter path: an auditd log file, or `-` for standard input.
    public init(path: String) {
        self.name = path == "-" ? "standard input" : path
        self.path = path == "-" ? nil : path
    }

    /// The mapper every auditd log replay uses: this host's errno numbers.
    public static func makeDecoder(name: String, source: SourceKind = .auditLog) -> AuditLogDecoder {
        AuditLogDecoder(name: name, mapper: AuditEventMapper(source: source, hostErrno: linuxErrnoToHost))
    }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        let fd: FileDescriptor
        let owned: Bool
        if let path {
            do {
                fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking],
                                             retryOnInterrupt: true)
            } catch let e as Errno {
                throw SystemCallError("open", e, object: path)
            }
            owned = true
        } else {
            fd = .standardInput
            owned = false
        }
        defer { if owned { try? fd.close() } }
        let isRegular = try Sys.isRegularFile(fd.rawValue).get("fstat", object: name)
        var decoder = Self.makeDecoder(name: name)
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while !stop.isStopped {
            if !isRegular {
                var idled = false
                var ready = false
                while !stop.isStopped {
                    if try Sys.pollReadable(fd.rawValue, timeoutMS: pollMilliseconds).get("poll", object: name) { ready = true; break }
                    if !idled { receiver.sourceIdle(); idled = true }
                }
                if !ready { break }
            }
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch Errno.wouldBlock {
                continue
            } catch let e as Errno {
                throw SystemCallError("read", e, object: name)
            }
            if n == 0 { break }
            chunk.withUnsafeBytes { decoder.push(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: receiver) }
        }
        // Stopped or at the end: what was read is delivered (a stop request cuts no event in half).
        decoder.finish(into: receiver)
    }
}

/// Linux errno → this host's errno: the same numbers on Linux; elsewhere by name where both have it.
public func linuxErrnoToHost(_ linux: Int32) -> Int32? {
    #if os(Linux)
    return linux
    #else
    return LinuxErrnoNames.host[linux]
    #endif
}

#if !os(Linux)
enum LinuxErrnoNames {
    /// Linux's numbers (asm-generic/errno-base.h, errno.h) for the names BSD and macOS share.
    static let host: [Int32: Int32] = [
        1: EPERM, 2: ENOENT, 3: ESRCH, 4: EINTR, 5: EIO, 6: ENXIO, 7: E2BIG, 8: ENOEXEC, 9: EBADF,
        10: ECHILD, 11: EAGAIN, 12: ENOMEM, 13: EACCES, 14: EFAULT, 16: EBUSY, 17: EEXIST, 18: EXDEV,
        19: ENODEV, 20: ENOTDIR, 21: EISDIR, 22: EINVAL, 23: ENFILE, 24: EMFILE, 25: ENOTTY, 26: ETXTBSY,
        27: EFBIG, 28: ENOSPC, 29: ESPIPE, 30: EROFS, 31: EMLINK, 32: EPIPE, 36: ENAMETOOLONG,
        38: ENOSYS, 39: ENOTEMPTY, 40: ELOOP, 95: EOPNOTSUPP, 110: ETIMEDOUT, 115: EINPROGRESS,
    ]
}
#endif
