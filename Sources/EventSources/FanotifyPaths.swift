#if os(Linux)
import Glibc
import CShims

/// A directory as it is now, from its handle up to the nearest directory the caller already knows:
/// `links[0]` is the directory itself, each link's parent is the next one's key, the last link's parent
/// is `top`.
struct ResolvedChain: Equatable {
    var links: [(key: [UInt8], name: [UInt8])]
    var top: [UInt8]

    static func == (a: ResolvedChain, b: ResolvedChain) -> Bool {
        a.top == b.top && a.links.count == b.links.count
            && zip(a.links, b.links).allSatisfy { $0.key == $1.key && $0.name == $1.name }
    }
}

/// Resolving a directory handle the queue has not explained: what the filesystem says now.
protocol DirectoryResolving: AnyObject {
    /// nil when the directory is gone, or its filesystem is not one of ours.
    func resolve(_ key: [UInt8], isKnown: ([UInt8]) -> Bool) -> ResolvedChain?
}

/// Resolves directory handles through the mounts of the watched filesystems: `open_by_handle_at`
/// (O_PATH) on the mount's descriptor, `readlink` of `/proc/self/fd/N` for the names, then `..` step by
/// step, each parent's own handle from `name_to_handle_at`, until a directory already known. A rename
/// racing the walk is noticed (the path read again differs) and the walk is retried.
final class HandleResolver: DirectoryResolving {
    private struct Mount {
        var fd: Int32
        var path: [UInt8]
    }

    private var mounts: [UInt64: Mount] = [:]
    private(set) var resolutions = 0

    deinit {
        for mount in mounts.values { _ = Sys.close(mount.fd) }
    }

    /// Opens the mount point of a watched filesystem; returns its key (fsid + handle), the top of that
    /// filesystem's directories. nil when the filesystem cannot encode handles.
    func addMount(_ path: String) -> [UInt8]? {
        guard case .success(let fd) = path.withCString({ Sys.open($0, O_RDONLY | O_DIRECTORY) }) else { return nil }
        guard case .success(let fsid) = Sys.fsid(fd), let key = Self.key(of: fd, fsid: fsid) else {
            _ = Sys.close(fd)
            return nil
        }
        if mounts[fsid] == nil {
            mounts[fsid] = Mount(fd: fd, path: Array(path.utf8))
        } else {
            _ = Sys.close(fd)
        }
        return key
    }

    func resolve(_ key: [UInt8], isKnown: ([UInt8]) -> Bool) -> ResolvedChain? {
        guard key.count >= 16 else { return nil }
        let fsid = key.withUnsafeBytes { UInt64($0.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            | UInt64($0.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) << 32 }
        guard let mount = mounts[fsid] else { return nil }
        resolutions += 1
        let type = key.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 12, as: Int32.self) }
        let opened = key.withUnsafeBytes { raw in
            Sys.openByHandle(mountFD: mount.fd, type: type, handle: UnsafeRawBufferPointer(rebasing: raw[16...]),
                             flags: fw_o_path_directory())
        }
        guard case .success(let fd) = opened else { return nil }
        defer { _ = Sys.close(fd) }
        for _ in 0..<3 {
            guard let path = withProcSelfFDPath(fd, { readLinkBytes($0) }) else {
                // Longer than PATH_MAX (readlink cannot give it): name each directory from its parent.
                return deepWalk(from: fd, key: key, fsid: fsid, isKnown: isKnown)
            }
            guard !Self.isDeleted(path), var names = Self.components(path, below: mount.path) else { return nil }
            if let chain = walk(from: fd, key: key, fsid: fsid, names: &names, isKnown: isKnown),
               withProcSelfFDPath(fd, { readLinkBytes($0) }) == path {
                return chain
            }
        }
        return nil
    }

    /// Up from `fd` (the directory `key`, named by the last of `names`) until a known directory.
    private func walk(from fd: Int32, key: [UInt8], fsid: UInt64, names: inout [[UInt8]],
                      isKnown: ([UInt8]) -> Bool) -> ResolvedChain? {
        var links: [(key: [UInt8], name: [UInt8])] = []
        var current = fd
        var currentKey = key
        defer { if current != fd { _ = Sys.close(current) } }
        while let name = names.popLast() {
            guard case .success(let parent) = "..".withCString({ Sys.open($0, fw_o_path_directory(), dirfd: current) }) else {
                return nil
            }
            if current != fd { _ = Sys.close(current) }
            current = parent
            guard let parentKey = Self.key(of: parent, fsid: fsid) else { return nil }
            links.append((currentKey, name))
            currentKey = parentKey
            if isKnown(parentKey) { return ResolvedChain(links: links, top: parentKey) }
        }
        return nil  // reached the mount point without meeting a directory we know: not ours
    }

    /// Up from `fd` one `..` at a time, each directory's name found in its parent by inode number, until a
    /// known directory: for a directory whose path is longer than PATH_MAX, which `readlink` cannot give.
    private func deepWalk(from fd: Int32, key: [UInt8], fsid: UInt64, isKnown: ([UInt8]) -> Bool) -> ResolvedChain? {
        var links: [(key: [UInt8], name: [UInt8])] = []
        var current = fd
        var currentKey = key
        defer { if current != fd { _ = Sys.close(current) } }
        for _ in 0..<Self.maxDepth {
            guard case .success(let info) = Sys.fstat(current),
                  case .success(let parent) = "..".withCString({ Sys.open($0, fw_o_path_directory(), dirfd: current) }) else {
                return nil
            }
            let name = Self.entryName(in: parent, inode: UInt64(info.st_ino))
            if current != fd { _ = Sys.close(current) }
            current = parent
            guard let name, let parentKey = Self.key(of: parent, fsid: fsid), parentKey != currentKey else { return nil }
            links.append((currentKey, name))
            currentKey = parentKey
            if isKnown(parentKey) { return ResolvedChain(links: links, top: parentKey) }
        }
        return nil
    }

    /// Directory levels `deepWalk` climbs at most (a path of 4,096 one-byte names and their slashes: 8 KiB).
    static let maxDepth = 4096

    /// The name under which `directory` (an O_PATH descriptor) lists the entry with inode number `inode`.
    static func entryName(in directory: Int32, inode: UInt64) -> [UInt8]? {
        guard case .success(let fd) = ".".withCString({ Sys.open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC, dirfd: directory) })
        else { return nil }
        guard let stream = fdopendir(fd) else { _ = Sys.close(fd); return nil }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            guard UInt64(entry.pointee.d_ino) == inode else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != [0x2E] && name != [0x2E, 0x2E] { return name }
        }
        return nil
    }

    /// fsid + handle_bytes + handle_type + f_handle of an open descriptor (`FanotifyFIDRecord`'s key layout).
    static func key(of fd: Int32, fsid: UInt64) -> [UInt8]? {
        withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { handle -> [UInt8]? in
            var length: UInt32 = 0
            var type: Int32 = 0
            let result = valueOrErrno {
                "".withCString { fw_name_to_handle_at(fd, $0, fw_at_empty_path(), handle.baseAddress, 128, &length, &type) }
            }
            guard case .success = result else { return nil }
            var key: [UInt8] = []
            key.reserveCapacity(16 + Int(length))
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: fsid).littleEndian) { key += $0 }
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: fsid >> 32).littleEndian) { key += $0 }
            withUnsafeBytes(of: length.littleEndian) { key += $0 }
            withUnsafeBytes(of: type.littleEndian) { key += $0 }
            key += UnsafeRawBufferPointer(rebasing: handle[0..<Int(length)])
            return key
        }
    }

    static func isDeleted(_ path: [UInt8]) -> Bool {
        let suffix = Array(" (deleted)".utf8)
        return path.count > suffix.count && path.suffix(suffix.count).elementsEqual(suffix)
    }

    /// The names from `mountPath` down to `path` ("/m", "/m/a/b" → ["a", "b"]); nil when not below it.
    static func components(_ path: [UInt8], below mountPath: [UInt8]) -> [[UInt8]]? {
        if path == mountPath { return [] }
        let prefix = mountPath == [0x2F] ? mountPath : mountPath + [0x2F]
        guard path.count > prefix.count, path.starts(with: prefix) else { return nil }
        return path[prefix.count...].split(separator: 0x2F, omittingEmptySubsequences: true).map(Array.init)
    }
}
#endif
