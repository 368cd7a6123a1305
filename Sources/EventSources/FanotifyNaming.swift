#if os(Linux)
/// Paths of a window's events as they were when each event happened (FAN_REPORT_DFID_NAME events:
/// a directory handle and the entry's name at that moment; the name is exact, the directory's path is
/// taken from `DirectoryTree` kept in queue order).
///
/// Before a window is translated, every directory it mentions that the tree does not know yet is
/// placed where it was at the window's start (`prepare`):
/// - a directory the window renames or removes was, until then, where that event says it was;
/// - any other one is where the filesystem has it now (`DirectoryResolving`), with each unknown parent
///   placed by the same two rules;
/// - a directory the window creates is added when its mkdir is translated.
/// Renames that happened while handles were being resolved are in the queue by then: the caller reads
/// it again (`needsRead`) and calls `prepare` once more, which moves the directories it learned from
/// the filesystem back to where those renames say they were.
final class FanotifyNaming {
    let tree: DirectoryTree
    let resolver: DirectoryResolving
    /// Directories placed from the filesystem in this window (key hash → key), re-checked after a new read.
    private var resolvedInWindow: [UInt64: [UInt8]] = [:]
    private var prepared = 0
    /// A directory was resolved since the last read: read again before translating.
    private(set) var needsRead = false
    /// Directories that could not be placed (gone, or not on a watched filesystem).
    private(set) var unresolved = 0

    init(tree: DirectoryTree = DirectoryTree(), resolver: DirectoryResolving) {
        self.tree = tree
        self.resolver = resolver
    }

    func beginWindow() {
        resolvedInWindow.removeAll(keepingCapacity: true)
        prepared = 0
        needsRead = false
    }

    /// Places the directories of the events not prepared yet (see the type's comment).
    func prepare(_ window: FanotifyWindow, _ facts: WindowFacts) {
        needsRead = false
        // Directories learned from the filesystem may have been renamed in what was read since.
        for (hash, key) in resolvedInWindow {
            if let move = facts.firstMove[hash], move >= prepared { placeBefore(move: move, key: key, window, facts) }
        }
        let events = window.events
        while prepared < events.count {
            let event = events[prepared]
            if let record = event.directory { ensure(window.key(record), window, facts) }
            if let record = event.newDirectory { ensure(window.key(record), window, facts) }
            prepared += 1
        }
    }

    /// The tree's node for `key` at the window's start, placing it (and its parents) when unknown.
    @discardableResult
    private func ensure(_ key: UnsafeRawBufferPointer, _ window: FanotifyWindow, _ facts: WindowFacts,
                        depth: Int = 0) -> DirectoryTree.NodeID? {
        if let id = tree.lookup(key) { return id }
        let hash = DirectoryTree.hash(key)
        if facts.created[hash] != nil { return nil }  // made in this window: added when its mkdir is translated
        guard depth < 256 else { return nil }          // a damaged queue, not a filesystem
        if let move = facts.firstMove[hash] { return placeBefore(move: move, key: Array(key), window, facts, depth: depth + 1) }
        let chain = resolver.resolve(Array(key)) { tree.lookup($0) != nil }
        needsRead = true
        guard let chain, var parent = tree.lookup(chain.top) else {
            unresolved += 1
            return nil
        }
        for link in chain.links.reversed() {
            let linkHash = link.key.withUnsafeBytes { DirectoryTree.hash($0) }
            if let move = facts.firstMove[linkHash],
               let id = placeBefore(move: move, key: link.key, window, facts, depth: depth + 1) {
                parent = id
                continue
            }
            parent = tree.add(key: link.key, parent: parent, name: link.name)
            resolvedInWindow[linkHash] = link.key
        }
        return parent
    }

    /// Puts `key` where the window's event `move` (its first rename or rmdir) says it was before it.
    @discardableResult
    private func placeBefore(move: Int, key: [UInt8], _ window: FanotifyWindow, _ facts: WindowFacts,
                             depth: Int = 0) -> DirectoryTree.NodeID? {
        guard let old = window.events[move].directory,
              let parent = ensure(window.key(old), window, facts, depth: depth) else { return nil }
        let id = tree.add(key: key, parent: parent, name: Array(window.name(old)))
        resolvedInWindow.removeValue(forKey: key.withUnsafeBytes { DirectoryTree.hash($0) })
        return id
    }

    // MARK: Translation (queue order)

    /// The path of `record` (directory handle + entry name) at the event being translated.
    @inline(__always)
    func path(_ record: FanotifyFIDRecord, _ window: FanotifyWindow, _ facts: WindowFacts) -> [UInt8]? {
        let key = window.key(record)
        guard let id = tree.lookup(key) ?? ensure(key, window, facts), let directory = tree.path(id) else { return nil }
        return joinPath(directory, name: window.name(record))
    }

    /// Applies what an event changes about directories (after its paths were taken).
    func apply(_ event: FanotifyRawEvent, _ window: FanotifyWindow) {
        let mask = event.mask
        guard mask.contains(.onDir) else { return }
        guard let object = event.object else {
            // No entry handles (Linux before 5.17): a moved or removed directory is found again from the
            // filesystem; events queued before its move get its later path.
            if !mask.isDisjoint(with: [.rename, .movedFrom, .movedTo, .delete]) { tree.forgetAll() }
            return
        }
        let key = window.key(object)
        if mask.contains(.create), let record = event.directory, let parent = tree.lookup(window.key(record)) {
            tree.add(key: Array(key), parent: parent, name: Array(window.name(record)))
        }
        if mask.contains(.rename), let record = event.newDirectory, let parent = tree.lookup(window.key(record)) {
            if let id = tree.lookup(key), tree.isInside(parent, id) { return }  // impossible; keep the tree a tree
            tree.add(key: Array(key), parent: parent, name: Array(window.name(record)))
        }
    }

    func endWindow() { tree.endWindow() }
}
#endif
