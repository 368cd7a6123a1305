#if os(Linux)
import Glibc
import CShims

extension FanotifyFIDRecord {
    /// A record over stored key bytes (`keyOffset ..< keyOffset + keyLength` of an info record, copied):
    /// ```
    ///   0  s32 fsid[2]
    ///   8  u32 handle_bytes
    ///  12  s32 handle_type
    ///  16  u8  f_handle[handle_bytes]
    /// ```
    /// Returns nil when the bytes are too short to be a key.
    static func stored(_ key: UnsafeRawBufferPointer) -> FanotifyFIDRecord? {
        guard key.count >= 16 else { return nil }
        let low = key.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        let high = key.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        return FanotifyFIDRecord(infoType: UInt8(FAN_EVENT_INFO_TYPE_DFID), fsid: UInt64(low) | UInt64(high) << 32,
                                 handleType: key.loadUnaligned(fromByteOffset: 12, as: Int32.self),
                                 handleOffset: 16, handleLength: key.count - 16,
                                 keyOffset: 0, keyLength: key.count, nameOffset: key.count, nameLength: 0)
    }
}

/// Names of files by their own file handle, for the `hybrid` layout's descriptor group (open, read,
/// write, close, exec): the handle of an event's descriptor is looked up here.
///
/// The names come from the directory-entry events of the FID group (FAN_REPORT_DFID_NAME with
/// FAN_REPORT_TARGET_FID: a create, rename, delete, attrib or exec carries the entry's own handle,
/// its directory's handle and its name), so a file created, written, renamed and deleted between two
/// reads is named as it was written, not "(deleted)" under its last name. A file never seen there is
/// named by its descriptor (a readlink), once, and remembered.
///
/// The two groups have separate queues, so when a file is renamed or deleted in the same drain as
/// its content events, their order is unknown: content events then get the name the file had first
/// in that drain. Writing a temporary file and renaming it into place, the common case, comes out
/// exact; a file renamed and then opened within one drain (a few milliseconds) gets its old name.
final class ObjectNameTable {
    enum Name {
        /// Directory key bytes (see `FanotifyFIDRecord.stored`) and the entry name: follows directory renames.
        case entry(directory: [UInt8], name: [UInt8])
        /// A path read from the handle itself; dropped when any directory is renamed.
        case path([UInt8])
    }
    private struct Slot {
        var key: [UInt8]
        var name: Name
    }

    private var names: [UInt64: Slot] = [:]
    /// The name before the first rename or delete in this drain.
    private var firstInDrain: [UInt64: Slot] = [:]
    private var deletedInDrain: [UInt64] = []
    /// Files deleted in the previous drain, by the name they had first in it. The FID group is read
    /// before the object group (and again during it), so it can report a file's whole life before
    /// the object group has delivered that file's content events: they come in the next drain.
    private var goneLastDrain: [UInt64: Slot] = [:]
    let capacity: Int

    init(capacity: Int = 65536) { self.capacity = capacity }

    var count: Int { names.count }

    /// A create (or an attrib, or the destination of a rename): `object` is now `directory`/name.
    func learn(object: FanotifyFIDRecord, directory: FanotifyFIDRecord, in buffer: UnsafeRawBufferPointer) {
        let (hash, key) = Self.key(object, buffer)
        if names.count >= capacity { names.removeAll(keepingCapacity: true) }
        names[hash] = Slot(key: key, name: Self.entry(directory, buffer))
    }

    /// A rename of `object` from `old` to `new`.
    func renamed(object: FanotifyFIDRecord, from old: FanotifyFIDRecord?, to new: FanotifyFIDRecord?,
                 in buffer: UnsafeRawBufferPointer) {
        let (hash, key) = Self.key(object, buffer)
        rememberFirst(hash, key, old, buffer)
        if let new {
            if names.count >= capacity { names.removeAll(keepingCapacity: true) }
            names[hash] = Slot(key: key, name: Self.entry(new, buffer))
        } else {
            names.removeValue(forKey: hash)
        }
    }

    /// A delete of `object`'s entry `directory`/name. Its name stays known until the drain ends.
    func deleted(object: FanotifyFIDRecord, directory: FanotifyFIDRecord?, in buffer: UnsafeRawBufferPointer) {
        let (hash, key) = Self.key(object, buffer)
        rememberFirst(hash, key, directory, buffer)
        deletedInDrain.append(hash)
    }

    /// A directory was renamed: paths read from handles may contain it.
    func directoryRenamed() {
        names = names.filter { if case .entry = $0.value.name { return true } else { return false } }
    }

    /// Both groups have been drained: files deleted in it are kept for one more drain, those deleted
    /// in the one before are forgotten, and the per-drain first names are reset.
    func endDrain() {
        goneLastDrain.removeAll(keepingCapacity: true)
        for hash in deletedInDrain {
            if let slot = firstInDrain[hash] ?? names[hash] { goneLastDrain[hash] = slot }
            names.removeValue(forKey: hash)
        }
        deletedInDrain.removeAll(keepingCapacity: true)
        firstInDrain.removeAll(keepingCapacity: true)
    }

    /// The path of the file with handle `object` from what the FID group reported (the name it had
    /// first in this drain), or a path remembered for it; nil when nothing is known.
    /// `hash`: `DirectoryPathCache.hash` of the record's key bytes, when the caller has it already.
    func path(of object: FanotifyFIDRecord, hash known: UInt64? = nil, in buffer: UnsafeRawBufferPointer,
              directories: DirectoryPathCache) -> [UInt8]? {
        let keyBytes = UnsafeRawBufferPointer(rebasing: buffer[object.keyOffset ..< object.keyOffset + object.keyLength])
        let hash = known ?? DirectoryPathCache.hash(keyBytes)
        guard let slot = firstInDrain[hash] ?? names[hash] ?? goneLastDrain[hash],
              slot.key.withUnsafeBytes({ $0.elementsEqual(keyBytes) }) else {
            return nil
        }
        switch slot.name {
        case .path(let path): return path
        case .entry(let directory, let name):
            let base: [UInt8]? = directory.withUnsafeBytes { raw in
                FanotifyFIDRecord.stored(raw).flatMap { directories.directoryPath($0, in: raw) }
            }
            return name.withUnsafeBytes { raw in base.map { joinPath($0, name: raw) } ?? name }
        }
    }

    /// Remembers a path read from the file itself (its descriptor), for the next events of that file.
    func remember(_ path: [UInt8], for object: FanotifyFIDRecord, in buffer: UnsafeRawBufferPointer) {
        let (hash, key) = Self.key(object, buffer)
        if names.count >= capacity { names.removeAll(keepingCapacity: true) }
        names[hash] = Slot(key: key, name: .path(path))
    }

    private func rememberFirst(_ hash: UInt64, _ key: [UInt8], _ record: FanotifyFIDRecord?, _ buffer: UnsafeRawBufferPointer) {
        guard firstInDrain[hash] == nil else { return }
        if let known = names[hash], known.key == key {
            firstInDrain[hash] = known
        } else if let record {
            firstInDrain[hash] = Slot(key: key, name: Self.entry(record, buffer))
        }
    }

    private static func key(_ record: FanotifyFIDRecord, _ buffer: UnsafeRawBufferPointer) -> (UInt64, [UInt8]) {
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[record.keyOffset ..< record.keyOffset + record.keyLength])
        return (DirectoryPathCache.hash(bytes), Array(bytes))
    }

    private static func entry(_ record: FanotifyFIDRecord, _ buffer: UnsafeRawBufferPointer) -> Name {
        .entry(directory: Array(buffer[record.keyOffset ..< record.keyOffset + record.keyLength]),
               name: Array(buffer[record.nameOffset ..< record.nameOffset + record.nameLength]))
    }
}
#endif
