// One BSM trail being read record by record: a file (or standard input) → chunks → RecordReader,
// with the header of the record at its head peeked for the time merge and the selections.
// Damage is handed to the caller as it is found (named by the trail), and reading goes on.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import FileWatchCore
import SystemPackage

final class TrailCursor {
    /// The path given, or "standard input", for messages.
    let name: String
    /// Position in the command line's order (ties in time go to the earlier trail).
    let order: Int
    private let fd: FileDescriptor
    private let owned: Bool
    private let isRegular: Bool
    private var reader = RecordReader()
    private var chunk: [UInt8]
    private let pollMilliseconds: Int32 = 200

    /// The record at the head (a header record; `file` tokens are passed over) and its header.
    private(set) var head: Record?
    private(set) var headHeader: HeaderSummary?
    /// The head's time in microseconds (a record whose header cannot be read keeps the previous one).
    private(set) var headTime: Int64 = .min
    private(set) var ended = false

    /// Opens `path` (`-`: standard input) read-only, non-blocking (a FIFO without a writer must not
    /// block a stop request), close-on-exec.
    init(path: String, order: Int, chunkSize: Int) throws {
        self.order = order
        if path == "-" {
            name = "standard input"
            fd = .standardInput
            owned = false
        } else {
            name = path
            do {
                fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking],
                                             retryOnInterrupt: true)
            } catch {
                throw SystemCallError("open", error as? Errno ?? .ioError, object: path)
            }
            owned = true
        }
        isRegular = (try? Sys.isRegularFile(fd.rawValue).get("fstat", object: path)) ?? false
        chunk = []
        chunk.reserveCapacity(chunkSize)
        self.chunkSize = chunkSize
    }

    private let chunkSize: Int

    deinit { if owned { try? fd.close() } }

    /// Moves to the next header record (or to the end: `head` nil, `ended`). Damage found on the
    /// way goes to `damaged`; `idle` is called when a pipe keeps us waiting (pending output can
    /// go out). Returns false when stopped before a record was found.
    @discardableResult
    func advance(stop: StopToken, damaged: (String, Damage) -> Void, idle: () -> Void) throws -> Bool {
        while true {
            while let item = reader.next() {
                switch item {
                case .record(let r):
                    if r.kind == .file { continue }
                    head = r
                    let h = r.headerSummary
                    headHeader = h
                    if let h { headTime = h.microseconds }
                    return true
                case .damage(let d):
                    damaged(name, d)
                }
            }
            if reader.isFinished {
                head = nil
                headHeader = nil
                ended = true
                return true
            }
            if stop.isStopped { head = nil; return false }
            guard let bytes = try readChunk(stop: stop, idle: idle) else { head = nil; return false }
            if bytes.isEmpty { reader.finish() } else { reader.push(bytes) }
        }
    }

    /// The next chunk; empty at the end of input; nil when stopped while waiting on a pipe.
    private func readChunk(stop: StopToken, idle: () -> Void) throws -> [UInt8]? {
        while true {
            if !isRegular {
                var ready = false
                var idled = false
                while !ready {
                    if stop.isStopped { return nil }
                    ready = try Sys.pollReadable(fd.rawValue, timeoutMS: pollMilliseconds).get("poll", object: name)
                    if !ready && !idled { idle(); idled = true }
                }
            }
            var failure: Errno?
            let size = chunkSize
            let fd = self.fd
            let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, n in
                do {
                    n = try fd.read(into: UnsafeMutableRawBufferPointer(buf), retryOnInterrupt: true)
                } catch {
                    n = 0
                    failure = error as? Errno ?? .ioError
                }
            }
            if let failure {
                if failure == .wouldBlock { continue }  // a FIFO whose writer came and went
                throw SystemCallError("read", failure, object: name)
            }
            return bytes
        }
    }
}

/// Records of several trails in time order (by header time; ties: the earlier trail on the command
/// line, then the order within a trail). Trails that do not overlap in time (auditd's rotated
/// files) are read one after the other at the cost of one comparison per record.
final class TrailMerge {
    private var cursors: [TrailCursor]
    /// Trails waiting, as a binary min-heap on (headTime, order).
    private var heap: [TrailCursor] = []
    private var current: TrailCursor?
    private let stop: StopToken
    private let damaged: (String, Damage) -> Void
    private let idle: () -> Void

    /// - Parameter idle: called when a pipe keeps the merge waiting (pending output can go out).
    init(_ cursors: [TrailCursor], stop: StopToken, damaged: @escaping (String, Damage) -> Void,
         idle: @escaping () -> Void = {}) {
        self.cursors = cursors
        self.stop = stop
        self.damaged = damaged
        self.idle = idle
    }

    private var started = false

    /// The next record in time order with its header and its trail, or nil at the end (or when stopped).
    func next() throws -> (record: Record, header: HeaderSummary?, trail: TrailCursor)? {
        if !started {
            started = true
            for c in cursors {
                guard try c.advance(stop: stop, damaged: damaged, idle: idle) else { return nil }
                if c.head != nil { push(c) }
            }
            cursors = []
            current = pop()
        } else if let c = current {
            guard try c.advance(stop: stop, damaged: damaged, idle: idle) else { return nil }
            if c.head == nil {
                current = pop()
            } else if let top = heap.first, Self.before(top, c) {
                push(c)
                current = pop()
            }
        }
        guard let c = current, let r = c.head else { return nil }
        return (r, c.headHeader, c)
    }

    @inline(__always)
    private static func before(_ a: TrailCursor, _ b: TrailCursor) -> Bool {
        a.headTime != b.headTime ? a.headTime < b.headTime : a.order < b.order
    }

    private func push(_ c: TrailCursor) {
        heap.append(c)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.before(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private func pop() -> TrailCursor? {
        guard !heap.isEmpty else { return nil }
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, Self.before(heap[l], heap[m]) { m = l }
                if r < heap.count, Self.before(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
