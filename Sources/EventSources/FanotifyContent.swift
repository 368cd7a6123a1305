#if os(Linux)
import Glibc
import CShims
import FileWatchCore

/// Descriptors of written-and-closed files for the content check (`--ransomware`, `--rules`): an extra
/// descriptor-mode group reports FAN_CLOSE_WRITE with an open descriptor of the file as it was closed
/// (readable even when the file is renamed or deleted right after). It reports nothing itself: each
/// descriptor is matched to the close event of the main group (same process, same file handle) and lent
/// to the content reader while that event is delivered, so events keep the main group's names and order.
final class CloseWriteLender {
    let group: FanotifyGroup
    let reader: LentDescriptorContentReader
    private struct Held {
        var pid: Int32
        var key: [UInt8]
        var fd: Int32
        var age = 0
    }
    private var held: [UInt64: [Held]] = [:]
    private var count = 0
    private let buffer: UnsafeMutableRawBufferPointer

    init(group: FanotifyGroup, reader: LentDescriptorContentReader, bufferSize: Int) {
        self.group = group
        self.reader = reader
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 8)
    }

    deinit {
        for list in held.values { for item in list { _ = Sys.close(item.fd) } }
        buffer.deallocate()
    }

    /// Reads the group until it is empty (after the main group's window was read: every close in that
    /// window has its descriptor queued by then).
    func absorb() {
        while true {
            guard case .success(let n) = Sys.read(group.fd, into: buffer), n > 0 else { return }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            var iterator = FanotifyEventIterator(bytes)
            while let event = try? iterator.next() {
                guard event.fd >= 0 else { continue }
                guard case .success(let fsid) = Sys.fsid(event.fd), let key = HandleResolver.key(of: event.fd, fsid: fsid) else {
                    _ = Sys.close(event.fd)
                    continue
                }
                let hash = key.withUnsafeBytes { DirectoryTree.hash($0) }
                held[hash, default: []].append(Held(pid: event.pid, key: key, fd: event.fd))
                count += 1
            }
            if n < buffer.count - 4096 { return }
        }
    }

    /// Delivers `event` with the descriptor of its file lent to the content reader, when there is one.
    func deliver(_ event: Event, key: UnsafeRawBufferPointer, pid: Int32, to receiver: EventReceiver) {
        let hash = DirectoryTree.hash(key)
        guard var list = held[hash],
              let at = list.firstIndex(where: { $0.pid == pid && $0.key.withUnsafeBytes { $0.elementsEqual(key) } }) else {
            receiver.receive(event)
            return
        }
        let item = list.remove(at: at)
        held[hash] = list.isEmpty ? nil : list
        count -= 1
        reader.lending(item.fd) { receiver.receive(event) }
        _ = Sys.close(item.fd)
    }

    /// Descriptors whose close event never came within two windows (the event was of no interest): closed.
    func endWindow() {
        guard count > 0 else { return }
        for (hash, list) in held {
            var kept: [Held] = []
            for var item in list {
                item.age += 1
                if item.age > 2 { _ = Sys.close(item.fd); count -= 1 } else { kept.append(item) }
            }
            held[hash] = kept.isEmpty ? nil : kept
        }
    }
}

/// Events of a descriptor-mode group (a filesystem that cannot report file handles, or a kernel before
/// 5.9): open/read/write/close/exec, each path read from the event's descriptor (as the file is named
/// when the event is read).
enum FanotifyDescriptorEvents {
    /// Reads `group` until it is empty and delivers its events; false when nothing was queued.
    static func drain(_ group: FanotifyGroup, translator: FanotifyTranslator, processes: ProcessModel,
                      into receiver: EventReceiver) throws -> Bool {
        let size = max(4096, min(256 * 1024, descriptorBudget * FanotifyEventIterator.metadataLength))
        return try withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { buffer -> Bool in
            var any = false
            while true {
                let n: Int
                switch Sys.read(group.fd, into: buffer) {
                case .success(let got): n = got
                case .failure(.wouldBlock): n = 0
                case .failure(let errno) where errno == .tooManyOpenFiles || errno == .tooManyOpenFilesInSystem:
                    receiver.notice(.lost(count: nil, reason: "fanotify: out of file descriptors for event descriptors (\(errno))"))
                    n = 0
                case .failure(let errno): throw SystemCallError("read", errno, object: "fanotify group")
                }
                if n == 0 { return any }
                any = true
                let time = realtimeMicroseconds()
                var iterator = FanotifyEventIterator(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                while true {
                    let event: FanotifyRawEvent
                    do {
                        guard let next = try iterator.next() else { break }
                        event = next
                    } catch let error as FanotifyParseError {
                        receiver.notice(.lost(count: nil, reason: error.description))
                        break
                    } catch {
                        break
                    }
                    defer { if event.fd >= 0 { _ = Sys.close(event.fd) } }
                    translate(event, time: time, translator: translator, processes: processes, into: receiver)
                }
                if n < size - 4096 { return any }
            }
        }
    }

    /// Descriptors one read may open: a quarter of the limit.
    static var descriptorBudget: Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 256 }
        return max(64, Int(clamping: limit.rlim_cur) / 4)
    }

    /// Raises the soft descriptor limit to the hard one (event descriptors need many).
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
    }

    private static func translate(_ raw: FanotifyRawEvent, time: Int64, translator: FanotifyTranslator,
                                  processes: ProcessModel, into receiver: EventReceiver) {
        let mask = raw.mask
        if mask.contains(.queueOverflow) {
            receiver.notice(.lost(count: nil, reason: "fanotify queue overflow: the kernel dropped events"))
            return
        }
        guard raw.pid != translator.ownPID else { return }
        var path = raw.fd >= 0 ? withProcSelfFDPath(raw.fd) { readLinkBytes($0) } : nil
        if let p = path, HandleResolver.isDeleted(p) { path!.removeLast(" (deleted)".utf8.count) }
        let facts = WindowFacts()
        if mask.contains(.openExec) {
            _ = processes.subject(pid: raw.pid, at: 0, facts)
            let name = path.map { Array($0.split(separator: 0x2F).last ?? []) } ?? []
            processes.exec(pid: raw.pid, path: path, name: name)
        } else if !mask.isDisjoint(with: FanotifyTranslator.activityBits) {
            processes.activity(pid: raw.pid)
        }
        let subject = processes.subject(pid: raw.pid, at: 0, facts)
        func emit(_ kind: EventKind, closeAfterWrite: Bool? = nil) {
            guard translator.shownKinds.contains(kind) else { return }
            receiver.receive(Event(time: time, kind: kind, process: subject, path: path.map(ByteString.init),
                                   isDirectory: mask.contains(.onDir), closeAfterWrite: closeAfterWrite,
                                   source: .fanotify, detail: .fanotify(mask: mask.rawValue)))
        }
        if mask.contains(.openExec) { emit(.exec) } else if mask.contains(.open) { emit(.open) }
        if mask.contains(.access) { emit(.read) }
        if mask.contains(.modify) { emit(.write) }
        if mask.contains(.closeWrite) { emit(.close, closeAfterWrite: true) }
        else if mask.contains(.closeNoWrite) { emit(.close, closeAfterWrite: false) }
    }
}
#endif
