// `--read /var/audit/current --follow`: tail a growing trail like `tail -F`, and follow the trail
// switch when auditd rotates (it closes the trail, renames it to its final name and points
// `current` at a new file): the old file is read to its end before the new one is opened.
// A trail truncated or rewritten in place (same file, shorter than what was read, or other bytes
// where the last ones read were) is read again from its start, said in a notice.

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

    /// Where reading is in the current file: bytes read, and the last (up to 64) of them.
    private struct Position {
        var offset: Int64 = 0
        var tail: [UInt8] = []
        static let tailSize = 64

        mutating func advance(_ bytes: UnsafeRawBufferPointer) {
            offset += Int64(bytes.count)
            if bytes.count >= Self.tailSize {
                tail = Array(bytes[(bytes.count - Self.tailSize)...])
            } else {
                tail = Array((tail + Array(bytes)).suffix(Self.tailSize))
            }
        }
    }

    private enum ReadEnd { case end, stopped, rewritten }

    /// Reads `fd` to its current end. Each chunk is taken only when the bytes before it are still
    /// the ones read last (checked after the read, so a rewrite that came before it is seen).
    private func readToEnd(_ fd: FileDescriptor, _ decoder: inout BSMStreamDecoder, _ buffer: inout [UInt8],
                           _ position: inout Position, _ receiver: EventReceiver, _ stop: StopToken) throws -> ReadEnd {
        while !stop.isStopped {
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch let e as Errno {
                throw SystemCallError("read", e, object: path)
            }
            if n == 0 { return .end }
            if tailChanged(fd, position) { return .rewritten }
            buffer.withUnsafeBytes {
                let chunk = UnsafeRawBufferPointer(rebasing: $0[0..<n])
                position.advance(chunk)
                decoder.push(chunk, into: receiver, stop: stop)
            }
        }
        return .stopped
    }

    /// Whether other bytes now stand where the last ones read were.
    private func tailChanged(_ fd: FileDescriptor, _ position: Position) -> Bool {
        guard !position.tail.isEmpty else { return false }
        var now = [UInt8](repeating: 0, count: position.tail.count)
        let at = position.offset - Int64(position.tail.count)
        guard case .success(let n) = now.withUnsafeMutableBytes({ Sys.pread(fd.rawValue, into: $0, at: at) }) else { return false }
        return n != now.count || now != position.tail
    }

    /// Whether the file no longer holds what was read from it: shorter than the read position
    /// (truncated), or other bytes where the last ones read were (rewritten in place).
    private func rewritten(_ fd: FileDescriptor, _ position: Position) -> Bool {
        guard case .success(let st) = Sys.fstat(fd.rawValue) else { return false }
        return Int64(st.st_size) < position.offset || tailChanged(fd, position)
    }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        var fd = try openTrail()
        defer { try? fd.close() }
        filesRead = 1
        var current = identity(of: fd)
        var decoder = BSMStreamDecoder(name: path, mapper: mapper)
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var position = Position()
        var rewrittenWhileReading = false

        while !stop.isStopped {
            // Before reading on: does the file still hold what was read (it may have been
            // truncated and written again, even longer than before, while we waited)?
            if rewritten(fd, position) || rewrittenWhileReading {
                rewrittenWhileReading = false
                // What was read is gone; start again (a record left half-read belonged to the old
                // content and is dropped with it).
                _ = lseek(fd.rawValue, 0, SEEK_SET)
                receiver.notice(.info("\(path): trail truncated or rewritten after \(position.offset) bytes were read; reading it again from the start"))
                decoder = BSMStreamDecoder(name: path, mapper: mapper)
                position = Position()
            }
            switch try readToEnd(fd, &decoder, &buffer, &position, receiver, stop) {
            case .stopped: break
            case .rewritten: rewrittenWhileReading = true; continue
            case .end: break
            }
            if stop.isStopped { break }
            // At the end of what is written so far: has the trail been rotated?
            let now = identityOfPath()
            if let now, now != current {
                guard let next = try? openTrail() else { sleep(stop); continue }
                // Whatever the old file got before it was closed is read to its end; anything
                // left in the decoder then is a record cut short.
                _ = try readToEnd(fd, &decoder, &buffer, &position, receiver, stop)  // (a rewrite of a rotated file: nothing more to take)
                decoder.finish(into: receiver)
                try? fd.close()
                fd = next
                current = identity(of: fd)
                filesRead += 1
                decoder = BSMStreamDecoder(name: path, mapper: mapper)
                position = Position()
                receiver.notice(.info("\(path): trail rotated, following the new trail"))
                continue
            }
            receiver.sourceIdle()
            sleep(stop)
        }
        // Stopped: a damaged stretch being skipped is said; a record still being written is not damage.
        decoder.stopped(into: receiver)
    }
}
