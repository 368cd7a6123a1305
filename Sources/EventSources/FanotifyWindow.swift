#if os(Linux)
import Glibc

/// The events of one window: everything read from the group before any of it is translated (and what is
/// read again after handles were resolved), in queue order. Translation looks ahead in it: a directory
/// renamed later in the window had its old path at the events before the rename; a process that execs
/// later in it was the image before the exec.
final class FanotifyWindow {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var count = 0
    private(set) var events: [FanotifyRawEvent] = []
    /// Damaged bytes skipped (a notice each).
    private(set) var damage: [String] = []

    init(capacity: Int = 1 << 20) {
        self.capacity = capacity
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
    }

    deinit { storage.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }
    var isEmpty: Bool { events.isEmpty }

    func reset() {
        count = 0
        events.removeAll(keepingCapacity: true)
        damage.removeAll(keepingCapacity: true)
    }

    /// Reads once from `fd` (non-blocking) into the window; returns the bytes read (0: nothing queued).
    func read(from fd: Int32, size: Int) throws(SystemCallError) -> Int {
        reserve(count + size)
        let target = UnsafeMutableRawBufferPointer(start: storage + count, count: size)
        switch Sys.read(fd, into: target) {
        case .success(let n):
            append(n)
            return n
        case .failure(.wouldBlock):
            return 0
        case .failure(let errno):
            throw SystemCallError("read", errno, object: "fanotify group")
        }
    }

    /// Adds `n` bytes already written at the end (a read, or a recorded buffer in tests).
    func append(_ n: Int) {
        let start = count
        count += n
        var iterator = FanotifyEventIterator(bytes, offset: start)
        while true {
            do {
                guard let event = try iterator.next() else { break }
                events.append(event)
            } catch {
                damage.append(error.description)
                count = iterator.offset  // drop the damaged rest of this read
                break
            }
        }
    }

    /// Appends bytes (tests: recorded kernel reads).
    func append(bytes: UnsafeRawBufferPointer) {
        reserve(count + bytes.count)
        if let base = bytes.baseAddress { (storage + count).copyMemory(from: base, byteCount: bytes.count) }
        append(bytes.count)
    }

    private func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        grown.copyMemory(from: storage, byteCount: count)
        storage.deallocate()
        storage = grown
        capacity = newCapacity
    }

    /// Back to the usual size after a large window.
    func shrink(to size: Int) {
        guard capacity > size * 4, count == 0 else { return }
        storage.deallocate()
        storage = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        capacity = size
    }

    /// The key bytes of a handle record (fsid + handle header + handle).
    func key(_ record: FanotifyFIDRecord) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[record.keyOffset ..< record.keyOffset + record.keyLength])
    }

    func name(_ record: FanotifyFIDRecord) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[record.nameOffset ..< record.nameOffset + record.nameLength])
    }
}

/// What a window tells ahead of translation: where each directory was first moved or removed in it,
/// which directories it creates, and where each process execs.
struct WindowFacts {
    /// Directory key hash → index of its first rename or rmdir in the window (its place before it: that
    /// event's old directory record and name).
    private(set) var firstMove: [UInt64: Int] = [:]
    /// Directory key hash → index of its mkdir in the window.
    private(set) var created: [UInt64: Int] = [:]
    /// pid → indices of its exec events (FAN_OPEN_EXEC), ascending.
    private(set) var execs: [Int32: [Int]] = [:]
    private(set) var scanned = 0

    mutating func reset() {
        firstMove.removeAll(keepingCapacity: true)
        created.removeAll(keepingCapacity: true)
        execs.removeAll(keepingCapacity: true)
        scanned = 0
    }

    /// Looks at the events not yet scanned.
    mutating func scan(_ window: FanotifyWindow) {
        let events = window.events
        while scanned < events.count {
            let index = scanned
            let event = events[index]
            scanned += 1
            let mask = event.mask
            if mask.contains(.openExec) { execs[event.pid, default: []].append(index) }
            guard mask.contains(.onDir), let object = event.object else { continue }
            let hash = DirectoryTree.hash(window.key(object))
            if mask.contains(.create), created[hash] == nil { created[hash] = index }
            if mask.contains(.rename) || mask.contains(.delete), firstMove[hash] == nil, created[hash] == nil {
                firstMove[hash] = index
            }
        }
    }

    /// The first exec of `pid` after event `index` in the window.
    func nextExec(of pid: Int32, after index: Int) -> Int? {
        guard let list = execs[pid] else { return nil }
        return list.first { $0 > index }
    }
}
#endif
