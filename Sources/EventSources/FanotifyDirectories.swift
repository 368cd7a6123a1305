#if os(Linux)
/// The directories of the watched filesystems as the kernel queue has shown them so far: each one by
/// its file handle, as (parent directory, name), up to a mount point. Kept in queue order (a mkdir adds
/// a directory, a rename moves it), so the path of a directory is the path it had at the event being
/// translated, not the path it has when the event is read. No system calls: directories not seen yet
/// are added by `FanotifyNaming` (from the queue, or resolved and rewound).
///
/// Identity: a handle names one directory for as long as it exists (handles carry a generation), so a
/// deleted directory keeps its last place here; events of files still open in it are named by it.
final class DirectoryTree {
    typealias NodeID = Int32

    struct Node {
        /// fsid + handle_bytes + handle_type + f_handle (see `FanotifyFIDRecord.keyOffset`).
        var key: [UInt8]
        /// -1 for a mount point (then `name` is its absolute path).
        var parent: NodeID
        var name: [UInt8]
        /// Cached path, valid while `pathGeneration == generation`.
        var path: [UInt8] = []
        var pathGeneration: UInt32 = 0
    }

    private(set) var nodes: [Node] = []
    private var byHash: [UInt64: NodeID] = [:]
    /// Bumped by every directory rename: every cached path may be stale.
    private var generation: UInt32 = 1
    /// Directories kept before the model is reset to its mount points (at a window's end).
    let capacity: Int
    private var roots: [(key: [UInt8], path: [UInt8])] = []
    /// Times the model was reset (over capacity).
    private(set) var resets = 0

    init(capacity: Int = 65536) { self.capacity = capacity }

    var count: Int { nodes.count }

    // MARK: Lookup

    func lookup(_ key: UnsafeRawBufferPointer) -> NodeID? {
        let hash = Self.hash(key)
        guard let id = byHash[hash], nodes[Int(id)].key.withUnsafeBytes({ $0.elementsEqual(key) }) else { return nil }
        return id
    }

    func lookup(_ key: [UInt8]) -> NodeID? { key.withUnsafeBytes { lookup($0) } }

    func node(_ id: NodeID) -> Node { nodes[Int(id)] }

    // MARK: Changes (queue order)

    /// A mount point: the top of its filesystem's directories, at its absolute path.
    @discardableResult
    func addRoot(key: [UInt8], path: [UInt8]) -> NodeID {
        roots.append((key, path))
        return store(Node(key: key, parent: -1, name: path))
    }

    /// A directory at `parent`/`name` (a mkdir, or one learned for the window's start). An existing
    /// node with this key is moved there.
    @discardableResult
    func add(key: [UInt8], parent: NodeID, name: [UInt8]) -> NodeID {
        if let id = lookup(key) { move(id, to: parent, name: name); return id }
        return store(Node(key: key, parent: parent, name: name))
    }

    /// A directory rename: every path below it changes.
    func move(_ id: NodeID, to parent: NodeID, name: [UInt8]) {
        guard nodes[Int(id)].parent >= 0 else { return }  // a mount point stays where it is
        nodes[Int(id)].parent = parent
        nodes[Int(id)].name = name
        generation &+= 1
        if generation == 0 { generation = 1 }
    }

    /// Over capacity: forget everything but the mount points (at a window's end; what is needed again
    /// is learned again).
    func endWindow() {
        if nodes.count > capacity { forgetAll() }
    }

    /// Forgets everything but the mount points.
    func forgetAll() {
        resets += 1
        nodes.removeAll(keepingCapacity: true)
        byHash.removeAll(keepingCapacity: true)
        generation &+= 1
        for root in roots { _ = store(Node(key: root.key, parent: -1, name: root.path)) }
    }

    private func store(_ node: Node) -> NodeID {
        let id = NodeID(nodes.count)
        nodes.append(node)
        byHash[node.key.withUnsafeBytes { Self.hash($0) }] = id
        return id
    }

    // MARK: Paths

    /// The directory's absolute path (no trailing slash except "/"); nil when its chain does not reach a
    /// mount point (never for a consistent model).
    func path(_ id: NodeID) -> [UInt8]? {
        path(id, depth: 0)
    }

    private func path(_ id: NodeID, depth: Int) -> [UInt8]? {
        let node = nodes[Int(id)]
        if node.pathGeneration == generation { return node.path }
        let path: [UInt8]
        if node.parent < 0 {
            path = node.name
        } else {
            guard depth < 512, let parent = self.path(node.parent, depth: depth + 1) else { return nil }
            path = node.name.withUnsafeBytes { joinPath(parent, name: $0) }
        }
        nodes[Int(id)].path = path
        nodes[Int(id)].pathGeneration = generation
        return path
    }

    /// Is `id` the directory `ancestor` or below it?
    func isInside(_ id: NodeID, _ ancestor: NodeID) -> Bool {
        var current = id
        for _ in 0..<512 {
            if current == ancestor { return true }
            let parent = nodes[Int(current)].parent
            if parent < 0 { return false }
            current = parent
        }
        return false
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
