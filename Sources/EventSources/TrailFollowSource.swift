// `--read /var/audit/current --follow`: tail a growing trail like `tail -F`, and follow the trail
// switch when auditd rotates (it closes the trail, renames it to its final name and points
// `current` at a new file): the old file is read to its end before the new one is opened.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import FileWatchCore
import SystemPackage

public final class TrailFollowSource: EventSource {
    public let kind: SourceKind = .trail
    /// The path to follow, usually the `current` symlink.
    public let path: String
    public var chunkSize = 256 * 1024
    /// How often the end of the trail is polled for growth and rotation.
    public var pollMilliseconds: Int32 = 200
    public let mapper: BSMEventMapper
    /// Trail files read so far (the first, then one per rotation).
    public private(set) var filesRead = 0

    public init(path: String, mapper: BSMEventMapper = TrailSource.defaultMapper(source: .trail)) {
        self.path = path
        self.mapper = mapper
    }

    private struct FileIdentity: Equatable { var device: UInt64; var inode: UInt64 }

    private func identity(of fd: FileDescriptor) -> FileIdentity? {
        var st = stat()
        guard fstat(fd.rawValue, &st) == 0 else { return nil }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// What `path` points at now (nil while it is missing, e.g. mid-rotation).
    private func identityOfPath() -> FileIdentity? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    private func openTrail() throws -> FileDescriptor {
        do {
            return try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec], retryOnInterrupt: true)
        } catch let e as Errno {
            throw SystemCallError("open", e, object: path)
        }
    }

    private func sleep(_ stop: StopToken) {
        guard !stop.isStopped else { return }
        var t = timespec(tv_sec: 0, tv_nsec: Int(pollMilliseconds) * 1_000_000)
        nanosleep(&t, nil)
    }

    /// Reads `fd` to its current end; returns false when the stop token was set.
    private func readToEnd(_ fd: FileDescriptor, _ decoder: inout BSMStreamDecoder, _ buffer: inout [UInt8],
                           _ receiver: EventReceiver, _ stop: StopToken) throws -> Bool {
        while !stop.isStopped {
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch let e as Errno {
                throw SystemCallError("read", e, object: path)
            }
            if n == 0 { return true }
            buffer.withUnsafeBytes { decoder.push(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: receiver, stop: stop) }
        }
        return false
    }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        var fd = try openTrail()
        defer { try? fd.close() }
        filesRead = 1
        var current = identity(of: fd)
        var decoder = BSMStreamDecoder(name: path, mapper: mapper)
        var buffer = [UInt8](repeating: 0, count: chunkSize)

        while !stop.isStopped {
            guard try readToEnd(fd, &decoder, &buffer, receiver, stop) else { break }
            // At the end of what is written so far: has the trail been rotated?
            let now = identityOfPath()
            if let now, now != current {
                guard let next = try? openTrail() else { sleep(stop); continue }
                // Whatever the old file got before it was closed is read to its end; anything
                // left in the decoder then is a record cut short.
                _ = try readToEnd(fd, &decoder, &buffer, receiver, stop)
                decoder.finish(into: receiver)
                try? fd.close()
                fd = next
                current = identity(of: fd)
                filesRead += 1
                decoder = BSMStreamDecoder(name: path, mapper: mapper)
                receiver.notice(.info("\(path): trail rotated, following the new trail"))
                continue
            }
            receiver.sourceIdle()
            sleep(stop)
        }
        decoder.finish(into: receiver)
    }
}
