// `--read /var/audit/current --follow` (a BSM trail) and `--read /var/log/audit/audit.log --follow`
// (a Linux auditd log): tail a growing file like `tail -F`, and follow the switch when the daemon
// rotates — BSM auditd closes the trail, renames it to its final name and points `current` at a new
// file; Linux auditd renames audit.log → audit.log.1 (.1 → .2, …) and opens a new audit.log. Either
// way the open descriptor of the old file is read to its end before the new file is read from its
// start, so nothing is lost or read twice. A file truncated or rewritten in place (same file,
// shorter than what was read, or other bytes where the last ones read were) is read again from its
// start, said in a notice. What each format does at these moments: FollowedDecoder.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import FileWatchCore
import SystemPackage

public final class TrailFollowSource: EventSource {
    /// `.trail`, or `.auditLog` for an auditd log.
    public var kind: SourceKind { (recognizedFormat ?? format) == .linuxAudit ? .auditLog : .trail }
    /// The path to follow: a BSM trail (usually the `current` symlink) or an auditd log.
    public let path: String
    /// `.bsm`, `.linuxAudit`, or `.auto` (recognized from the first bytes).
    public let format: InputFormat
    private var recognizedFormat: InputFormat?
    public var chunkSize = 256 * 1024
    /// How often the end of the trail is polled for growth and rotation.
    public var pollMilliseconds: Int32 = 200
    public let mapper: BSMEventMapper
    /// Files read so far (the first, then one per rotation).
    public private(set) var filesRead = 0

    public init(path: String, format: InputFormat = .auto, mapper: BSMEventMapper = TrailSource.defaultMapper(source: .trail)) {
        self.path = path
        self.format = format
        self.mapper = mapper
    }

    /// Whether input in `format` can be followed.
    public static func follows(_ format: InputFormat) -> Bool {
        [.auto, .bsm, .linuxAudit].contains(format)
    }

    struct FileIdentity: Equatable { var device: UInt64; var inode: UInt64 }

    private func identity(of fd: FileDescriptor) -> FileIdentity? {
        var st = stat()
        guard fstat(fd.rawValue, &st) == 0 else { return nil }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// What `name` (by default the followed path) points at now (nil while it is missing, e.g. mid-rotation).
    func identity(atPath name: String? = nil) -> FileIdentity? {
        var st = stat()
        guard stat(name ?? path, &st) == 0 else { return nil }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    private func openTrail(_ name: String? = nil) throws -> FileDescriptor {
        do {
            return try FileDescriptor.open(FilePath(name ?? path), .readOnly, options: [.closeOnExec], retryOnInterrupt: true)
        } catch let e as Errno {
            throw SystemCallError("open", e, object: name ?? path)
        }
    }

    /// Highest rotated auditd log number looked for (auditd's num_logs is at most 999).
    static let maxRotatedLogs = 999

    /// The file that came after `old` once it was rotated away, opened, and its name; nil when it
    /// cannot be told yet (mid-rotation: try again). A BSM trail's successor is what `path` (the
    /// `current` link) points at. An auditd log renamed to `path.N` is followed by `path.N-1` (by
    /// `path` for N = 1): when auditd rotated more than once since the last look, the logs in
    /// between are read too, oldest first. An old log found under no `path.N` (deleted, or renamed
    /// otherwise, e.g. by logrotate's dateext) is followed by `path`, said in a notice.
    func successor(of old: FileIdentity, auditLog: Bool, _ receiver: EventReceiver) -> (FileDescriptor, String)? {
        guard auditLog else { return trailSuccessor(of: old, receiver) }
        var missing = 0
        for n in 1...Self.maxRotatedLogs where missing < 3 {
            guard let id = identity(atPath: "\(path).\(n)") else { missing += 1; continue }
            missing = 0
            guard id == old else { continue }
            // The next one down that can be opened: a rotated log we may not read (auditd makes
            // them read-only for their owner) is said as a loss and passed over.
            for k in stride(from: n - 1, through: 0, by: -1) {
                let name = k == 0 ? path : "\(path).\(k)"
                let fd: FileDescriptor
                do {
                    fd = try openTrail(name)
                } catch let e as SystemCallError where e.errno != .noSuchFileOrDirectory && k > 0 {
                    receiver.notice(.lost(count: nil, reason: "\(name) (rotated meanwhile) cannot be read: \(e); its records are not read"))
                    continue
                } catch {
                    return nil  // mid-rotation: look again
                }
                // Still where it was found: no rename came between the look and the open (auditd
                // renames the highest first, so the file opened is the one that came next).
                if identity(atPath: "\(path).\(n)") == old { return (fd, name) }
                try? fd.close()
                return nil
            }
            return nil
        }
        guard let fd = try? openTrail() else { return nil }
        receiver.notice(.info("\(path): the rotated log is under no name \(path).N any more; following the new log (logs rotated in between, if any, are not read)"))
        return (fd, path)
    }

    /// A BSM trail's successor: the trail named after it in its directory (auditd names trails
    /// `START.END`, the open one `START.not_terminated`, so name order is time order), which is what
    /// `current` points at unless auditd rotated more than once since the last look — then the
    /// trails in between are read too, oldest first. An old trail found under no name in the
    /// directory (deleted or moved away) is followed by what `current` points at, said in a notice.
    func trailSuccessor(of old: FileIdentity, _ receiver: EventReceiver) -> (FileDescriptor, String)? {
        let directory = FilePath(path).removingLastComponent()
        let dir = directory.isEmpty ? "." : directory.string
        let entries = (try? directoryEntries(dir)) ?? []
        let trails = entries.filter(Self.isTrailName).sorted()
        if let i = trails.firstIndex(where: { identity(atPath: dir + "/" + $0) == old }), i + 1 < trails.count {
            let name = dir + "/" + trails[i + 1]
            guard let fd = try? openTrail(name) else { return nil }  // renamed meanwhile (terminated): look again
            if identity(of: fd) == identity(atPath: path) { return (fd, path) }
            return (fd, name)
        }
        guard let fd = try? openTrail() else { return nil }
        if !entries.contains(where: { identity(atPath: dir + "/" + $0) == old }) {
            receiver.notice(.info("\(path): the rotated trail is under no name in \(dir) any more; following the new trail (trails rotated in between, if any, are not read)"))
        }
        return (fd, path)
    }

    /// `YYYYMMDDhhmmss.` followed by an end time, `not_terminated` or `crash_recovery`.
    static func isTrailName(_ name: String) -> Bool {
        let u = Array(name.utf8)
        return u.count > 15 && u[14] == UInt8(ascii: ".") && u[0..<14].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
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
    private func readToEnd(_ fd: FileDescriptor, _ decoder: inout FollowedDecoder, _ buffer: inout [UInt8],
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
            try buffer.withUnsafeBytes {
                let chunk = UnsafeRawBufferPointer(rebasing: $0[0..<n])
                position.advance(chunk)
                try decoder.push(chunk, into: receiver, stop: stop)
                if recognizedFormat == nil, decoder.format != .auto { recognizedFormat = decoder.format }
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
        var decoder = FollowedDecoder(format: format, name: path, mapper: mapper)
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
                receiver.notice(.info("\(path): \(decoder.noun) truncated or rewritten after \(position.offset) bytes were read; reading it again from the start"))
                decoder.restart()
                position = Position()
            }
            switch try readToEnd(fd, &decoder, &buffer, &position, receiver, stop) {
            case .stopped: break
            case .rewritten: rewrittenWhileReading = true; continue
            case .end: break
            }
            if stop.isStopped { break }
            // At the end of what is written so far: has the trail been rotated?
            let now = identity()
            if let now, now != current {
                guard let old = current, let (next, name) = successor(of: old, auditLog: decoder.format == .linuxAudit, receiver) else {
                    sleep(stop); continue
                }
                // Whatever the old file got before it was closed is read to its end through the
                // descriptor still open on it (its name is another now).
                _ = try readToEnd(fd, &decoder, &buffer, &position, receiver, stop)  // (a rewrite of a rotated file: nothing more to take)
                try decoder.endOfFile(into: receiver)
                try? fd.close()
                fd = next
                current = identity(of: fd)
                filesRead += 1
                position = Position()
                receiver.notice(.info(name == path ? "\(path): \(decoder.noun) rotated, following the new \(decoder.noun)"
                                                   : "\(path): \(decoder.noun) rotated more than once meanwhile; reading \(name), then the \(decoder.noun)s after it"))
                continue
            }
            decoder.idle(into: receiver)
            receiver.sourceIdle()
            sleep(stop)
        }
        // Stopped: a damaged stretch being skipped is said; a record still being written is not damage.
        decoder.stopped(into: receiver)
    }
}
