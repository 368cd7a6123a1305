// Directories by events, as a tree, and the cells a treemap shows: start from the whole capture
// and keep splitting the largest directory into its subdirectories (plus the files directly in
// it) until there are enough cells.

import FileWatchCore

/// The directory part of a path: up to its last `/` (`/` for a file at the root, `.` for a bare name).
@inline(__always)
public func directoryOf(_ path: ByteString) -> ByteString {
    guard let slash = path.bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    return slash == 0 ? "/" : ByteString(path.bytes[..<slash])
}

/// A treemap cell: a directory's subtree (or, `directOnly`, only the files directly in it).
public struct DirectoryCell: Equatable, Sendable {
    public var path: ByteString
    public var events: UInt64
    public var directOnly: Bool
}

public struct DirectoryTree {
    final class Node {
        var path: ByteString
        var own: UInt64 = 0
        var total: UInt64 = 0
        var children: [ByteString: Node] = [:]
        init(path: ByteString) { self.path = path }
    }

    let root = Node(path: "")

    /// - Parameter counts: events per directory (as `directoryOf` gives them).
    public init(_ counts: [(ByteString, UInt64)]) {
        for (dir, n) in counts where n > 0 {
            var node = root
            node.total += n
            let bytes = dir.bytes
            var start = 0
            var i = 0
            // Components; the path so far (with its leading `/`) names each node.
            while i <= bytes.count {
                if i == bytes.count || bytes[i] == UInt8(ascii: "/") {
                    if i > start || (i == 0 && bytes.first == UInt8(ascii: "/")) {
                        let prefix = i == 0 ? ByteString("/") : ByteString(bytes[..<i])
                        let key = ByteString(bytes[start..<i])
                        let child: Node
                        if let c = node.children[key] { child = c } else { child = Node(path: prefix); node.children[key] = child }
                        node = child
                        node.total += n
                    }
                    start = i + 1
                }
                i += 1
            }
            node.own += n
        }
    }

    /// At most `maxCells` cells covering every event, largest first.
    public func cells(maxCells: Int) -> [DirectoryCell] {
        // A cell is a node (its subtree) or a node's own files.
        struct Cell { let node: Node; let directOnly: Bool; var events: UInt64 { directOnly ? node.own : node.total } }
        var cells: [Cell] = [Cell(node: collapse(root), directOnly: false)]
        if cells[0].events == 0 { return [] }
        while cells.count < maxCells {
            // The largest cell that can split.
            guard let i = cells.indices.filter({ !cells[$0].directOnly && !cells[$0].node.children.isEmpty })
                .max(by: { cells[$0].events < cells[$1].events }) else { break }
            let node = cells[i].node
            let parts = node.children.values.map { Cell(node: collapse($0), directOnly: false) }
            let extra = (node.own > 0 ? 1 : 0) + parts.count - 1
            if cells.count + extra > maxCells && cells.count > 1 { break }
            cells.remove(at: i)
            if node.own > 0 { cells.append(Cell(node: node, directOnly: true)) }
            cells += parts
        }
        return cells.map { DirectoryCell(path: $0.node.path, events: $0.events, directOnly: $0.directOnly) }
            .sorted { $0.events != $1.events ? $0.events > $1.events : $0.path < $1.path }
    }

    /// A directory with no files of its own and one subdirectory stands for that subdirectory.
    private func collapse(_ node: Node) -> Node {
        var n = node
        while n.own == 0, n.children.count == 1, let only = n.children.values.first { n = only }
        return n
    }
}
