#if os(Linux)
import Foundation
import Glibc
import Synchronization
import Testing
import TestSupport
import FileWatchCore
@testable import EventSources

/// Thread-safe collector: the source delivers on its own thread, the test reads on its own.
final class FanotifyCollector: EventReceiver, @unchecked Sendable {
    private let state = Mutex<(events: [Event], notices: [SourceNotice])>(([], []))
    /// Called on the source thread for every event, before it is stored (e.g. to read content).
    var onEvent: ((Event) -> Void)?
    private let prefix: String?

    /// Keeps only events with a path (or destination) under `prefix`, when given.
    init(under prefix: String?) { self.prefix = prefix }

    func receive(_ event: Event) {
        if let prefix {
            let inside = [event.path, event.destinationPath].contains { $0?.description.hasPrefix(prefix) == true }
            guard inside else { return }
        }
        onEvent?(event)
        state.withLock { $0.events.append(event) }
    }
    func notice(_ notice: SourceNotice) { state.withLock { $0.notices.append(notice) } }
    var events: [Event] { state.withLock { $0.events } }
    var notices: [SourceNotice] { state.withLock { $0.notices } }
}

/// Runs a prepared source on a thread until `until` holds for the collected events (or a timeout).
final class SourceRunner: @unchecked Sendable {
    let source: FanotifySource
    let collector: FanotifyCollector
    let stop = StopToken()
    private let done = DispatchSemaphore(value: 0)
    private let failure = Mutex<String?>(nil)

    init(_ source: FanotifySource, _ collector: FanotifyCollector) {
        self.source = source; self.collector = collector
    }

    func start() {
        let thread = Thread { [self] in
            do { try source.run(until: stop, into: collector) } catch { failure.withLock { $0 = "\(error)" } }
            done.signal()
        }
        thread.start()
    }

    /// Waits (polling, no fixed sleeps) until `condition` is true or `seconds` pass; then stops the source.
    @discardableResult
    func wait(seconds: Double = 15, until condition: ([Event]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var met = false
        while Date() < deadline {
            if condition(collector.events) { met = true; break }
            usleep(10_000)
        }
        stop.stop()
        done.wait()
        return met
    }

    var error: String? { failure.withLock { $0 } }
}

enum FanotifyTestSupport {
    /// fs.fanotify.max_queued_events (the bounded queue's length).
    static let queueLimit: Int = {
        let text = (try? String(contentsOfFile: "/proc/sys/fs/fanotify/max_queued_events", encoding: .utf8)) ?? "16384"
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 16384
    }()

    /// A fresh directory under /tmp, resolved (no symlinks), removed by the caller.
    static func makeTempDirectory() -> String {
        var template = Array("/tmp/fw-fanotify-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return realpathString(path) ?? path
    }

    static func realpathString(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func removeTree(_ path: String) {
        _ = try? FileManager.default.removeItem(atPath: path)
    }

    /// A prepared source watching the filesystem of `dir` with `layout`, running on its thread,
    /// collecting the events under `dir`.
    static func startSource(in dir: String, layout: FanotifyOptions.Layout) throws -> SourceRunner {
        var options = FanotifyOptions()
        options.paths = [dir]
        options.layout = layout
        let source = FanotifySource(options: options)
        try source.prepare()
        let runner = SourceRunner(source, FanotifyCollector(under: dir + "/"))
        runner.start()
        return runner
    }

    /// Prepares a source on `dir`'s filesystem, runs `script` (in `dir`, ending with `: > done`) to its
    /// end, and only then lets the source read: every process of the script is gone and every event
    /// is queued before the first read. Returns the events under `dir` and the shell's pid.
    static func runBeforeFirstRead(in dir: String, layout: FanotifyOptions.Layout,
                                   script: String) throws -> (events: [Event], shell: Int32) {
        var options = FanotifyOptions()
        options.paths = [dir]
        options.layout = layout
        let source = FanotifySource(options: options)
        try source.prepare()
        let shell = try runShell("cd '\(dir)' && \(script) && : > done")
        let runner = SourceRunner(source, FanotifyCollector(under: dir + "/"))
        runner.start()
        let met = runner.wait { events in events.contains { $0.kind == .create && $0.path?.description == dir + "/done" } }
        #expect(runner.error == nil)
        #expect(met, "the final create of 'done' never arrived")
        return (runner.collector.events, shell)
    }

    /// Runs `/bin/sh -c script` and returns its pid once it has exited.
    static func runShell(_ script: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit(orKillAfter: Process.testChildBound)
        #expect(process.terminationStatus == 0, "child script failed: \(script)")
        return process.processIdentifier
    }
}

@Suite(.serialized, .needsRoot, .timeLimit(.minutes(5))) struct FanotifySourceTests {
    /// A child creates, writes, reads, renames, chmods, deletes, makes and removes a directory and
    /// execs a program in a temporary directory: every event, with names, pid and executable.
    @Test(arguments: FanotifyOptions.Layout.allCases)
    func reportsEveryKindWithNamesAndProcesses(layout: FanotifyOptions.Layout) throws {
        let dir = FanotifyTestSupport.makeTempDirectory()
        defer { FanotifyTestSupport.removeTree(dir) }
        let runner = try FanotifyTestSupport.startSource(in: dir, layout: layout)
        let collector = runner.collector

        // Our own activity in the directory: must never be reported.
        let own = dir + "/own-file"
        #expect(FileManager.default.createFile(atPath: own, contents: Array("mine".utf8).withUnsafeBytes { Data($0) }))

        let shell = FanotifyTestSupport.realpathString("/bin/sh")!
        let script = """
            set -e; cd '\(dir)'
            echo hello > a.txt
            cat a.txt > /dev/null
            mv a.txt b.txt
            chmod 600 b.txt
            rm b.txt
            mkdir sub
            ls sub > /dev/null
            rmdir sub
            cp /bin/true prog
            ./prog
            : > done
            """
        let shPID = try FanotifyTestSupport.runShell(script)
        let met = runner.wait { events in events.contains { $0.kind == .create && $0.path?.description == dir + "/done" } }
        #expect(runner.error == nil)
        #expect(met, "the final create of 'done' never arrived")
        let events = collector.events
        func find(_ kind: EventKind, _ name: String, where extra: (Event) -> Bool = { _ in true }) -> Event? {
            events.first { $0.kind == kind && $0.path?.description == dir + "/" + name && extra($0) }
        }

        // Own pid and own file: nothing.
        #expect(!events.contains { $0.process.pid == getpid() })
        #expect(!events.contains { $0.path?.description == own }, "\(events.filter { $0.path?.description == own })")

        // create + write + close-after-write of a.txt by the shell itself (redirection).
        let create = try #require(find(.create, "a.txt"))
        #expect(create.process.pid == shPID)
        #expect(create.process.executable?.description == shell)
        #expect(create.process.uid == geteuid())
        #expect(create.process.user == "root")
        #expect(create.process.ppid == getpid())
        #expect(create.source == .fanotify)
        #expect(!create.isDirectory)
        #expect(find(.write, "a.txt") { $0.process.pid == shPID } != nil)
        #expect(find(.close, "a.txt") { $0.closeAfterWrite == true && $0.process.pid == shPID } != nil)

        // cat: open, read, close without write.
        let catRead = try #require(find(.read, "a.txt"))
        #expect(catRead.process.name == "cat", "\(events.map { "\($0.kind) \($0.path!) \($0.process.pid) \($0.process.name) \($0.detail)" })")
        #expect(find(.open, "a.txt") { $0.process.name == "cat" } != nil)
        #expect(find(.close, "a.txt") { $0.closeAfterWrite == false && $0.process.name == "cat" } != nil)

        // ONE rename event with both paths.
        let renames = events.filter { $0.kind == .rename }
        #expect(renames.count == 1)
        let rename = try #require(renames.first)
        #expect(rename.path?.description == dir + "/a.txt")
        #expect(rename.destinationPath?.description == dir + "/b.txt")
        #expect(rename.process.name == "mv", "\(events.filter { $0.process.pid == rename.process.pid }.map { "\($0.kind) \($0.path!) \($0.process)" })")
        #expect(rename.process.executable?.description.hasSuffix("/mv") == true, "\(rename.process)")
        #expect(rename.process.pid != shPID)

        #expect(find(.attrib, "b.txt") { $0.process.name == "chmod" } != nil, "\(events.filter { $0.kind == .attrib }.map(\.process))")
        let delete = try #require(find(.delete, "b.txt"))
        #expect(delete.process.name == "rm")

        // mkdir / rmdir: create / delete of a directory, with its own name.
        let mkdir = try #require(find(.create, "sub"))
        #expect(mkdir.isDirectory)
        #expect(mkdir.process.name == "mkdir")
        // ls: open, read and close of a directory removed right after: named by where its rmdir says it was.
        #expect(find(.open, "sub") { $0.isDirectory && $0.process.name == "ls" } != nil)
        #expect(find(.close, "sub") { $0.isDirectory && $0.process.name == "ls" } != nil)
        let rmdir = try #require(find(.delete, "sub"))
        #expect(rmdir.isDirectory)
        #expect(rmdir.process.name == "rmdir")

        // exec of the copied program, by a child of the shell.
        let exec = try #require(find(.exec, "prog"))
        #expect(exec.process.pid != shPID)
        if let ppid = exec.process.ppid { #expect(ppid == shPID) }
        #expect(find(.create, "prog") { $0.process.name == "cp" } != nil)

        // Order of the directory-entry events is the order they happened in.
        let order = events.filter { [.create, .rename, .delete].contains($0.kind) }
            .map { "\($0.kind.rawValue) \($0.path!.description.dropFirst(dir.count + 1))" }
        let expected = ["create a.txt", "rename a.txt", "delete b.txt", "create sub", "delete sub", "create prog", "create done"]
        #expect(order.filter { expected.contains($0) } == expected)
        #expect(runner.source.overflowCount == 0)
    }

    /// A file written, renamed and deleted, and a file that existed before and is read and deleted, all
    /// before the source reads anything: the content events carry the names the files had when written
    /// or read (not "(deleted)", not the later name), and come out before the rename and the deletes.
    @Test func namesContentOfFilesGoneBeforeTheRead() throws {
        let dir = FanotifyTestSupport.makeTempDirectory()
        defer { FanotifyTestSupport.removeTree(dir) }
        #expect(FileManager.default.createFile(atPath: dir + "/old.txt", contents: Data("before".utf8)))
        let (events, _) = try FanotifyTestSupport.runBeforeFirstRead(
            in: dir, layout: .fid,
            script: "printf data > t.tmp && mv t.tmp t.done && rm t.done && cat old.txt > /dev/null && rm old.txt")
        let lines = events.map { "\($0.kind.rawValue) \($0.path.map { String($0.description.dropFirst(dir.count + 1)) } ?? "-")" }
        func index(_ line: String) -> Int? { lines.firstIndex(of: line) }
        let write = try #require(index("write t.tmp"), "\(lines)")
        let close = try #require(index("close t.tmp"), "\(lines)")
        let rename = try #require(index("rename t.tmp"), "\(lines)")
        #expect(events[rename].destinationPath?.description == dir + "/t.done")
        #expect(write < rename && close < rename, "\(lines)")
        let read = try #require(index("read old.txt"), "\(lines)")
        let deleteOld = try #require(index("delete old.txt"), "\(lines)")
        #expect(read < deleteOld, "\(lines)")
        #expect(events[read].process.name == "cat")
        #expect(!lines.contains { $0.contains("deleted") || $0.hasSuffix(" -") }, "\(lines)")
    }

    /// Processes that have exited before the source reads their first event (all of them here: the
    /// script runs to its end first) still get their parent, uid and user, from the kernel's process
    /// events: a fork inherits them.
    @Test(arguments: FanotifyOptions.Layout.allCases)
    func identifiesProcessesGoneBeforeTheirFirstEvent(layout: FanotifyOptions.Layout) throws {
        let dir = FanotifyTestSupport.makeTempDirectory()
        defer { FanotifyTestSupport.removeTree(dir) }
        let (events, shPID) = try FanotifyTestSupport.runBeforeFirstRead(
            in: dir, layout: layout, script: "/usr/bin/touch f1 && (: > f2)")
        func create(_ name: String) -> Event? {
            events.first { $0.kind == .create && $0.path?.description == dir + "/" + name }
        }
        let touch = try #require(create("f1"))
        #expect(touch.process.name == "touch", "\(touch.process)")
        #expect(touch.process.ppid == shPID)
        #expect(touch.process.uid == geteuid())
        #expect(touch.process.user == "root")
        // A subshell: a fork without exec, so the shell's name and executable too.
        let subshell = try #require(create("f2"))
        #expect(subshell.process.pid != shPID)
        #expect(subshell.process.ppid == shPID)
        #expect(subshell.process.executable == create("done")?.process.executable, "\(subshell.process)")
        #expect(subshell.process.uid == geteuid())
        #expect(create("done")?.process.ppid == getpid())
    }

    /// A process in a mount namespace of its own (as systemd gives many services) is seen too: a
    /// filesystem mark covers every mount of the filesystem, in every namespace.
    @Test(.enabled(if: TestEnvironment.hasExecutable("/usr/bin/unshare"), "no /usr/bin/unshare (util-linux)"),
          arguments: FanotifyOptions.Layout.allCases)
    func seesProcessesInOtherMountNamespaces(layout: FanotifyOptions.Layout) throws {
        let dir = FanotifyTestSupport.makeTempDirectory()
        defer { FanotifyTestSupport.removeTree(dir) }
        #expect(FileManager.default.createFile(atPath: dir + "/secret", contents: Data("s".utf8)))
        let runner = try FanotifyTestSupport.startSource(in: dir, layout: layout)
        let collector = runner.collector
        // The namespace exists for 2 s before the read: the source looks for new ones every second.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        child.arguments = ["--mount", "--propagation", "private", "/bin/sh", "-c", "sleep 2; cat '\(dir)/secret' > /dev/null"]
        try child.run()
        let met = runner.wait(seconds: 20) { events in
            events.contains { $0.kind == .read && $0.path?.description == dir + "/secret" && $0.process.name == "cat" }
        }
        child.waitUntilExit(orKillAfter: Process.testChildBound)
        #expect(child.terminationStatus == 0)
        #expect(runner.error == nil)
        #expect(met, "\(collector.events.map { "\($0.kind) \($0.path?.description ?? "-") \($0.process.name)" })")
    }

    /// With the kernel's bounded queue and nobody reading, the queue overflows: reported at once, counted.
    @Test(.enabled(if: FanotifyTestSupport.queueLimit <= 200_000,
                   "fs.fanotify.max_queued_events is above 200000: too many events to overflow quickly"))
    func reportsQueueOverflow() throws {
        let limit = FanotifyTestSupport.queueLimit
        let dir = FanotifyTestSupport.makeTempDirectory()
        defer { FanotifyTestSupport.removeTree(dir) }
        var options = FanotifyOptions()
        options.paths = [dir]
        options.unlimitedQueue = false
        options.kinds = [.rename]
        let source = FanotifySource(options: options)
        try source.prepare()
        // Our own renames are queued by the kernel like anyone's (they are skipped only when read); each
        // to a new name, so that none can be merged with another: one queued event each.
        let fd = open(dir + "/f0", O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        close(fd)
        var failures = 0
        for i in 0..<(limit + 500) {
            if rename(dir + "/f\(i)", dir + "/f\(i + 1)") != 0 { failures += 1 }
        }
        #expect(failures == 0)
        let collector = FanotifyCollector(under: nil)
        let runner = SourceRunner(source, collector)
        runner.start()
        runner.wait(seconds: 10) { _ in source.overflowCount > 0 }
        #expect(runner.error == nil)
        #expect(source.overflowCount == 1)
        #expect(collector.notices.contains { if case .lost = $0 { return true } else { return false } })
    }

    /// The content of a written-and-closed file is readable through the event's own descriptor even
    /// when the file is deleted right after the close (what the ransomware check needs).
    @Test func lendsContentOfClosedFileDespiteDelete() throws {
        let dir = FanotifyTestSupport.makeTempDirectory()
        defer { FanotifyTestSupport.removeTree(dir) }
        var options = FanotifyOptions()
        options.paths = [dir]
        let source = FanotifySource(options: options)
        let reader = source.contentReader
        try source.prepare()
        let collector = FanotifyCollector(under: dir + "/")
        let contents = Mutex<[String: [UInt8]]>([:])
        collector.onEvent = { event in
            guard event.kind == .close, event.closeAfterWrite == true, let path = event.path else { return }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let result = buffer.withUnsafeMutableBytes { reader.readPrefix(of: event, into: $0) }
            if case .success(let n) = result {
                contents.withLock { $0[path.description] = Array(buffer[0..<n.count]) }
            }
        }
        let runner = SourceRunner(source, collector)
        runner.start()
        _ = try FanotifyTestSupport.runShell("cd '\(dir)' && printf 'secret-content' > doc.txt && rm doc.txt && : > done")
        let met = runner.wait { events in events.contains { $0.kind == .create && $0.path?.description == dir + "/done" } }
        #expect(met)
        let read = contents.withLock { $0.first { $0.key.hasPrefix(dir + "/doc.txt") }?.value }
        #expect(read.map { String(decoding: $0, as: UTF8.self) } == "secret-content")
    }
}

@Suite struct FanotifyParsingTests {
    @Test func mountinfoSkipsPseudoFilesystemsAndPicksOneMountPerSuperblock() {
        let text = """
            22 27 0:21 / /proc rw,relatime - proc proc rw
            23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
            26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw
            27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
            28 27 254:0 /srv/data /mnt/bind rw,relatime - ext4 /dev/vda rw
            25 24 0:23 / /dev/shm rw,relatime shared:5 - tmpfs tmpfs rw
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            50 27 0:40 / /mnt/with\\040space rw - xfs /dev/vdb rw
            """
        let mounts = LinuxMount.parse(mountinfo: text)
        #expect(mounts.count == 9)
        let watched = LinuxMount.watchable(mounts).map(\.mountPoint)
        #expect(watched == ["/", "/dev/shm", "/mnt/with space"])
    }

    /// Byte layout of a FAN_RENAME event with OLD_DFID_NAME and NEW_DFID_NAME records.
    @Test func parsesRenameEventRecords() throws {
        var bytes: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        func record(_ type: UInt8, name: String) {
            let handle: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
            var nameBytes = Array(name.utf8) + [0]
            while (20 + handle.count + nameBytes.count) % 4 != 0 { nameBytes.append(0) }
            bytes.append(type); bytes.append(0); u16(UInt16(20 + handle.count + nameBytes.count))
            i32(0x11); i32(0x22)                      // fsid
            u32(UInt32(handle.count)); i32(0x81)      // handle_bytes, handle_type
            bytes += handle; bytes += nameBytes
        }
        u32(0); bytes.append(3); bytes.append(0); u16(24)
        withUnsafeBytes(of: UInt64(0x1000_0000).littleEndian) { bytes += $0 }
        i32(-1); i32(4242)
        record(10, name: "old.txt")
        record(12, name: "new.txt")
        let total = UInt32(bytes.count)
        bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: total.littleEndian) { Array($0) })

        try bytes.withUnsafeBytes { buffer in
            var iterator = FanotifyEventIterator(buffer)
            let event = try #require(try iterator.next())
            #expect(event.mask == .rename)
            #expect(event.pid == 4242)
            #expect(event.fd == -1)
            let old = try #require(event.directory)
            let new = try #require(event.newDirectory)
            #expect(old.fsid == 0x22_0000_0011)
            #expect(old.handleType == 0x81 && old.handleLength == 8)
            #expect(String(decoding: buffer[old.nameOffset ..< old.nameOffset + old.nameLength], as: UTF8.self) == "old.txt")
            #expect(String(decoding: buffer[new.nameOffset ..< new.nameOffset + new.nameLength], as: UTF8.self) == "new.txt")
            #expect(try iterator.next() == nil)
        }
        // Truncated: the record claims more bytes than the event has.
        var damaged = bytes
        damaged.removeLast(4)
        damaged.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(damaged.count).littleEndian) { Array($0) })
        damaged.withUnsafeBytes { buffer in
            var iterator = FanotifyEventIterator(buffer)
            #expect(throws: FanotifyParseError.self) { _ = try iterator.next() }
        }
    }

    @Test func notRootMessageIsOneSentence() {
        let text = FanotifyError.notPermitted.description
        #expect(text.contains("root"))
        #expect(!text.contains("\n"))
    }
}
#endif
