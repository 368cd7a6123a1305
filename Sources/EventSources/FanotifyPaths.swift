#if os(Linux)
import Glibc
import CShims

/// Turns directory file handles (FID mode) into paths, with a cache: resolving a handle costs an
/// `open_by_handle_at` and a `readlink` of `/proc/self/fd/N`; a cache hit costs one hash lookup.
///
/// A directory's handle is stable while the directory exists, but its path changes when it or a parent
/// is renamed: `invalidateAll()` is called for every directory rename. Handles carry a generation
/// number, so a handle is never reused for another directory.
final class DirectoryPathCache {
    private struct Entry {
        var key: [UInt8]
        var path: [UInt8]
    }

    private var entries: [UInt64: Entry] = [:]
    /// fsid → an open descriptor on that filesystem's mount (for `open_by_handle_at`).
    private var mountFDs: [UInt64: Int32] = [:]
    private var anyMountFDs: [Int32] = []
    let capacity: Int
    private(set) var hits = 0
    private(set) var misses = 0

    init(capacity: Int = 65536) { self.capacity = capacity }

    deinit {
        for fd in anyMountFDs { _ = Sys.close(fd) }
    }

    /// Remembers an open directory on a watched filesystem; takes ownership of `fd`.
    func addMount(fd: Int32, fsid: UInt64) {
        if mountFDs[fsid] == nil { mountFDs[fsid] = fd }
        anyMountFDs.append(fd)
    }

    func invalidateAll() { entries.removeAll(keepingCapacity: true) }

    /// The directory's path bytes (no trailing slash except for "/"), or nil if it cannot be resolved
    /// (the directory is gone, or its filesystem is not one we opened).
    func directoryPath(_ record: FanotifyFIDRecord, in buffer: UnsafeRawBufferPointer) -> [UInt8]? {
        let key = UnsafeRawBufferPointer(rebasing: buffer[record.keyOffset ..< record.keyOffset + record.keyLength])
        let hash = Self.hash(key)
        if let entry = entries[hash], entry.key.withUnsafeBytes({ $0.elementsEqual(key) }) {
            hits += 1
            return entry.path
        }
        misses += 1
        guard let path = resolve(record, in: buffer) else { return nil }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[hash] = Entry(key: Array(key), path: path)
        return path
    }

    private func resolve(_ record: FanotifyFIDRecord, in buffer: UnsafeRawBufferPointer) -> [UInt8]? {
        resolveHandle(record, in: buffer)
    }

    /// Any object's path from its handle, not cached: `open_by_handle_at` (O_PATH) on the mount of its
    /// filesystem and a readlink of the descriptor. nil when the object is gone.
    func resolveHandle(_ record: FanotifyFIDRecord, in buffer: UnsafeRawBufferPointer) -> [UInt8]? {
        let handle = UnsafeRawBufferPointer(rebasing: buffer[record.handleOffset ..< record.handleOffset + record.handleLength])
        let candidates: [Int32] = mountFDs[record.fsid].map { [$0] } ?? anyMountFDs
        for mountFD in candidates {
            guard case .success(let fd) = Sys.openByHandle(mountFD: mountFD, type: record.handleType, handle: handle,
                                                           flags: fw_o_path()) else { continue }
            defer { _ = Sys.close(fd) }
            guard var path = withProcSelfFDPath(fd, { readLinkBytes($0) }) else { continue }
            let deleted = Array(" (deleted)".utf8)
            if path.count > deleted.count, path.suffix(deleted.count).elementsEqual(deleted) {
                path.removeLast(deleted.count)
            }
            return path
        }
        return nil
    }

    /// FNV-1a, 64 bit.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }
}

/// `directory + "/" + name` (name "." or empty: the directory itself).
@inline(__always)
func joinPath(_ directory: [UInt8], name: UnsafeRawBufferPointer) -> [UInt8] {
    if name.isEmpty || (name.count == 1 && name[0] == 0x2E) { return directory }
    var out: [UInt8] = []
    out.reserveCapacity(directory.count + 1 + name.count)
    out.append(contentsOf: directory)
    if directory.last != 0x2F { out.append(0x2F) }
    out.append(contentsOf: name)
    return out
}
#endif
