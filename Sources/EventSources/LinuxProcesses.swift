#if os(Linux)
import Glibc
import CShims
import Dispatch
import FileWatchCore

/// What `/proc/PID` says about a process at one moment.
struct ProcSnapshot {
    var name: [UInt8]
    var ppid: Int32?
    /// Field 22 of /proc/PID/stat: start time in clock ticks since boot.
    var startTicks: UInt64
    var uid: UInt32?
    var euid: UInt32?
    var gid: UInt32?
    var executable: [UInt8]?

    /// Reads /proc/PID/stat, status and exe. nil when the process is gone (and reaped).
    static func read(pid: Int32) -> ProcSnapshot? {
        withUnsafeTemporaryAllocation(byteCount: 2048, alignment: 8) { buffer -> ProcSnapshot? in
            // /proc/PID/stat: "pid (comm) state ppid pgrp ... starttime(22) ..."; comm may hold ") ".
            guard let n = withProcPIDPath(pid, "stat", { readSmallFile($0, into: buffer) }), n > 0 else { return nil }
            let stat = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            guard let open = stat.firstIndex(of: 0x28), let close = stat.lastIndex(of: 0x29), open < close else { return nil }
            let name = Array(stat[(open + 1)..<close])
            var field = 3
            var i = close + 2
            var ppid: Int32?
            var start: UInt64 = 0
            while i < n && field <= 22 {
                var j = i
                while j < n && stat[j] != 0x20 { j += 1 }
                if field == 4 { ppid = Int32(parseDecimal(stat, i, j)) }
                if field == 22 { start = parseDecimal(stat, i, j) }
                field += 1
                i = j + 1
            }
            var snapshot = ProcSnapshot(name: name, ppid: ppid, startTicks: start)
            // /proc/PID/status: "Uid:\treal\teffective\tsaved\tfs", "Gid:\t...".
            if let m = withProcPIDPath(pid, "status", { readSmallFile($0, into: buffer) }), m > 0 {
                let status = UnsafeRawBufferPointer(rebasing: buffer[0..<m])
                var lineStart = 0
                while lineStart < m {
                    var lineEnd = lineStart
                    while lineEnd < m && status[lineEnd] != 0x0A { lineEnd += 1 }
                    if lineEnd - lineStart > 4 && status[lineStart + 3] == 0x3A {  // "Xxx:"
                        let tag = (status[lineStart], status[lineStart + 1], status[lineStart + 2])
                        if tag == (0x55, 0x69, 0x64) || tag == (0x47, 0x69, 0x64) {  // Uid / Gid
                            let ids = numbers(status, lineStart + 4, lineEnd, max: 2)
                            if tag.0 == 0x55 {
                                snapshot.uid = ids.first.map(UInt32.init); snapshot.euid = ids.dropFirst().first.map(UInt32.init)
                            } else {
                                snapshot.gid = ids.first.map(UInt32.init)
                            }
                        }
                    }
                    lineStart = lineEnd + 1
                }
            }
            snapshot.executable = withProcPIDPath(pid, "exe", { readLinkBytes($0) })
            return snapshot
        }
    }

    /// comm and executable only (after an exec): /proc/PID/comm and /proc/PID/exe.
    static func readImage(pid: Int32) -> (name: [UInt8], executable: [UInt8]?)? {
        withUnsafeTemporaryAllocation(byteCount: 64, alignment: 8) { buffer -> (name: [UInt8], executable: [UInt8]?)? in
            guard let n = withProcPIDPath(pid, "comm", { readSmallFile($0, into: buffer) }), n > 0 else { return nil }
            var name = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            if name.last == 0x0A { name.removeLast() }
            return (name, withProcPIDPath(pid, "exe", { readLinkBytes($0) }))
        }
    }

    private static func parseDecimal(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> UInt64 {
        var v: UInt64 = 0
        var k = from
        while k < to, b[k] >= 0x30, b[k] <= 0x39 { v = v &* 10 &+ UInt64(b[k] - 0x30); k += 1 }
        return v
    }

    private static func numbers(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int, max: Int) -> [UInt64] {
        var out: [UInt64] = []
        var k = from
        while k < to && out.count < max {
            while k < to && (b[k] < 0x30 || b[k] > 0x39) { k += 1 }
            if k >= to { break }
            var v: UInt64 = 0
            while k < to, b[k] >= 0x30, b[k] <= 0x39 { v = v &* 10 &+ UInt64(b[k] - 0x30); k += 1 }
            out.append(v)
        }
        return out
    }
}

/// One process event, with the name and executable of the new image for an exec (read from /proc the
/// moment the exec was announced, while the process most likely still runs it; nil when it was gone).
struct ProcessAnnouncement {
    var event: fw_proc_event
    /// comm after an exec: the base name of the path given to execve (`sh` for /bin/sh → dash).
    var name: [UInt8]?
    var executable: [UInt8]?
}

/// Where `ProcessModel` takes the kernel's process events from (`ProcessEventFeed`; recorded in tests).
protocol ProcessAnnouncing: AnyObject {
    /// Hands every announcement received so far to `body`, in order.
    func drain(_ body: (ProcessAnnouncement) -> Void)
    /// Announcements lost so far.
    var overflows: Int { get }
}

/// Process births, execs, uid changes and deaths as the kernel announces them (the proc connector; root),
/// in the order they happened: `ProcessModel` follows every process from its fork, so that one gone
/// before its first file event is read still has its parent, its image and its ids. A dispatch source
/// reads the socket as messages come (an exec's image is read from /proc at once, before a short-lived
/// program is gone); `drain` reads what is still queued and hands over everything since the last call.
final class ProcessEventFeed: ProcessAnnouncing, @unchecked Sendable {
    /// The socket and its buffers; used only on `queue`.
    private final class Reader: @unchecked Sendable {
        let fd: Int32
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
        var events = [fw_proc_event](repeating: fw_proc_event(), count: 512)
        var items: [ProcessAnnouncement] = []
        var overflows = 0
        var dropped = 0

        init(fd: Int32) { self.fd = fd }

        deinit {
            buffer.deallocate()
            _ = Sys.close(fd)
        }

        /// Reads every message queued on the socket.
        func receive() {
            while true {
                let n: Int
                switch valueOrErrno({ recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT)) }) {
                case .success(let got): n = got
                case .failure(.noBufferSpace): overflows += 1; continue  // the socket overflowed: events lost
                case .failure: return                                     // EAGAIN: nothing more
                }
                if n == 0 { return }
                let count = events.withUnsafeMutableBufferPointer {
                    Int(fw_proc_connector_parse(buffer.baseAddress, n, $0.baseAddress, Int32($0.count)))
                }
                for event in events.prefix(count) {
                    if items.count >= ProcessEventFeed.limit { dropped += 1; continue }
                    var item = ProcessAnnouncement(event: event)
                    if event.what == UInt32(FW_PROC_EXEC), let image = ProcSnapshot.readImage(pid: event.pid) {
                        item.name = image.name
                        item.executable = image.executable
                    }
                    items.append(item)
                }
            }
        }
    }

    private let reader: Reader
    private let source: DispatchSourceRead
    private let queue = DispatchQueue(label: "filewatcher.process-events")
    /// Announcements kept while the source loop does not take them (a stalled consumer).
    static let limit = 200_000

    /// recv(2) said ENOBUFS (the socket's buffer overflowed), or the queue above was full: events lost.
    var overflows: Int { queue.sync { reader.overflows + reader.dropped } }

    /// Fails when the kernel has no proc connector (CONFIG_PROC_EVENTS) or refuses it (not root).
    init() throws(SystemCallError) {
        let fd = try valueOrErrno { fw_proc_connector_open() }.get("socket(NETLINK_CONNECTOR)")
        let reader = Reader(fd: fd)
        self.reader = reader
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { reader.receive() }
        source.resume()
    }

    deinit {
        source.cancel()
        queue.sync {}  // the handler is done with the reader
    }

    /// Hands every announcement received so far (reading what is still queued) to `body`, in order.
    func drain(_ body: (ProcessAnnouncement) -> Void) {
        let items = queue.sync { () -> [ProcessAnnouncement] in
            reader.receive()
            defer { reader.items.removeAll(keepingCapacity: true) }
            return reader.items
        }
        for item in items { body(item) }
    }
}
#endif
