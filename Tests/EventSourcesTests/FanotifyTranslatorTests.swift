#if os(Linux)
import Foundation
import Glibc
import Testing
import CShims
import FileWatchCore
@testable import EventSources

/// The translator, naming and process model driven by recorded kernel read buffers (no root needed):
/// every path is the one its object had when the event happened, every process the image that did it.
@Suite struct FanotifyTranslatorTests {
    /// The recorded scenario (see `FanotifyFixtureRecorder.script`), all of it queued before one read.
    @Test func recordedScenarioKeepsPathsAndProcessesOfTheirMoment() throws {
        let fixture = try FanotifyFixture.load("scenario")
        let root = String(decoding: fixture.roots[0].path, as: UTF8.self)
        let events = fixture.replay()
        let got = events.map(FanotifyFixture.expected)
        #expect(got == fixture.expected, "\(got.map(\.description).joined(separator: "\n"))")
        func has(_ kind: String, _ path: String, by name: String, dest: String? = nil) -> Bool {
            got.contains { $0.kind == kind && $0.path == root + "/" + path && $0.name == name && $0.dest == dest.map { root + "/" + $0 } }
        }
        // Written and read inside d before d was renamed: d's name then, not e.
        #expect(has("write", "d/a", by: "sh"))
        #expect(has("read", "d/a", by: "cat"))
        #expect(has("rename", "d", by: "mv", dest: "e"))
        // A tree made and removed before the read: named from its own create and delete events.
        #expect(has("delete", "r/s/z", by: "rm") && has("delete", "r/s", by: "rm") && has("delete", "r", by: "rm"))
        #expect(has("open", "r/s", by: "rm"))
        // sed -i: the read of the file it then replaces.
        #expect(has("read", "doc.txt", by: "sed"))
        #expect(got.contains { $0.kind == "rename" && $0.name == "sed" && $0.dest == root + "/doc.txt" })
        // An exec of a program named by it; bash's redirect, head's writes.
        #expect(has("exec", "prog", by: "prog"))
        #expect(has("open", "f", by: "bash") && has("write", "f", by: "head") && has("close", "f", by: "head"))
        // A directory moved into another parent after a file in it was written.
        #expect(has("write", "p/q/w", by: "sh") && has("read", "q2/w", by: "cat"))
        #expect(!got.contains { $0.path == nil || $0.name.isEmpty })
    }

    /// Directories that existed before the window, renamed or removed in it after events inside them:
    /// placed where they were at the window's start (their rename or rmdir says where), not where the
    /// filesystem has them when the window is translated.
    @Test func directoriesRenamedOrRemovedLaterInTheWindow() throws {
        let fixture = try FanotifyFixture.load("preexisting")
        let root = String(decoding: fixture.roots[0].path, as: UTF8.self)
        let got = fixture.replay().map(FanotifyFixture.expected)
        #expect(got == fixture.expected, "\(got.map(\.description).joined(separator: "\n"))")
        func has(_ kind: String, _ path: String, dest: String? = nil) -> Bool {
            got.contains { $0.kind == kind && $0.path == root + "/" + path && $0.dest == dest.map { root + "/" + $0 } }
        }
        #expect(has("write", "pre/x/file"))
        #expect(has("rename", "pre/x", dest: "pre/x2"))
        #expect(has("write", "pre/y/z/file2"))
        #expect(has("rename", "pre/y", dest: "pre/y2"))
        #expect(has("read", "pre/y2/z/file2"))
        #expect(has("read", "pre/gone/file3"))
        #expect(has("delete", "pre/gone/file3") && has("delete", "pre/gone"))
        #expect(!got.contains { $0.path == nil })
    }

    /// Only the kinds asked for are delivered; attribution is the same.
    @Test func shownKindsDoNotChangeAttribution() throws {
        let fixture = try FanotifyFixture.load("scenario")
        let all = fixture.replay().map(FanotifyFixture.expected)
        let deletes = fixture.replay(shown: [.delete]).map(FanotifyFixture.expected)
        #expect(deletes == all.filter { $0.kind == "delete" })
        #expect(!deletes.isEmpty)
    }

    /// Every truncated prefix of a recorded read is handled: complete events translated, the damaged
    /// rest reported, never a crash.
    @Test func truncatedReadsFailCleanly() throws {
        let fixture = try FanotifyFixture.load("scenario")
        let read = try #require(fixture.reads.first)
        for cut in stride(from: 0, to: min(read.count, 2000), by: 7) {
            let window = FanotifyWindow()
            Array(read.prefix(cut)).withUnsafeBytes { window.append(bytes: $0) }
            #expect(window.damage.count <= 1)
            #expect(window.count <= cut)
        }
    }
}

/// Records `Fixtures/*.fanotify` (root, on demand: FW_RECORD_FIXTURES=1).
@Suite(.serialized) struct FanotifyFixtureRecorder {
    static let preexistingSetup = "mkdir -p pre/x pre/y/z pre/gone && echo 0 > pre/x/file && echo 0 > pre/y/z/file2 && echo 0 > pre/gone/file3"
    static let preexistingScript = """
        echo 1 >> pre/x/file && mv pre/x pre/x2 \
        && echo 2 >> pre/y/z/file2 && mv pre/y pre/y2 && cat pre/y2/z/file2 > /dev/null \
        && cat pre/gone/file3 > /dev/null && rm -r pre/gone
        """
    static let script = """
        mkdir d && echo one > d/a && cat d/a > /dev/null && mv d e \
        && mkdir -p r/s && echo z > r/s/z && rm -r r \
        && echo old > doc.txt && sed -i s/o/n/ doc.txt \
        && cp /bin/true prog && ./prog \
        && bash -c 'head -c 100 /dev/zero > f' \
        && mkdir p && mkdir p/q && echo x > p/q/w && mv p/q q2 && cat q2/w > /dev/null
        """

    static var enabled: Bool { geteuid() == 0 && ProcessInfo.processInfo.environment["FW_RECORD_FIXTURES"] != nil }

    @Test(.enabled(if: enabled)) func recordScenario() throws {
        try record("scenario", setup: nil, script: Self.script)
    }

    @Test(.enabled(if: enabled)) func recordPreexisting() throws {
        try record("preexisting", setup: Self.preexistingSetup, script: Self.preexistingScript)
    }

    /// Runs `setup` unwatched, then `script` watched, all before one read; writes the fixture.
    func record(_ name: String, setup: String?, script: String) throws {
        let dir = FanotifyTestSupport.makeTempDirectory()
        defer { FanotifyTestSupport.removeTree(dir) }
        // A filesystem of its own: nothing else happens on it.
        #expect(mount("tmpfs", dir, "tmpfs", 0, "size=16m") == 0)
        defer { umount2(dir, 0) }
        if let setup { _ = try FanotifyTestSupport.runShell("cd '\(dir)' && " + setup) }
        let plan = FanotifyPlan.make(kinds: nil, closeWriteDescriptors: false, unlimitedQueue: true,
                                     capabilities: try FanotifyCapabilities.probe())
        let group = try FanotifyGroup(reporting: .fid, flags: plan.groups[0].flags)
        try group.mark([.add, .filesystem], mask: plan.groups[0].mask, path: dir)
        try group.mark([.add, .filesystem], mask: plan.groups[0].outsideMask, path: "/")
        let feed = try ProcessEventFeed()
        let real = HandleResolver()
        var fixture = FanotifyFixture()
        for path in [dir, "/"] {
            let key = try #require(real.addMount(path))
            fixture.roots.append((key, Array(path.utf8)))
        }
        let shell = try FanotifyTestSupport.runShell("cd '\(dir)' && " + script)

        var feedItems: [ProcessAnnouncement] = []
        feed.drain { feedItems.append($0) }
        var ours: Set<Int32> = [shell]
        for item in feedItems where item.event.what == UInt32(FW_PROC_FORK) && ours.contains(item.event.parent) {
            ours.insert(item.event.pid)
        }
        fixture.feed = feedItems.filter { ours.contains($0.event.pid) }
        // The group's reads, keeping only our processes' events.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let n = read(group.fd, buffer.baseAddress, buffer.count)
            if n <= 0 { break }
            var kept: [UInt8] = []
            var at = 0
            while at + 24 <= n {
                let length = Int(buffer.loadUnaligned(fromByteOffset: at, as: UInt32.self))
                let pid = buffer.loadUnaligned(fromByteOffset: at + 20, as: Int32.self)
                if ours.contains(pid) { kept += UnsafeRawBufferPointer(rebasing: buffer[at..<at + length]) }
                at += length
            }
            if !kept.isEmpty { fixture.reads.append(kept) }
        }
        // What the source makes of it, resolving and reading /proc for real.
        let resolver = RecordingResolver(real)
        let processes = RecordingProcesses()
        let tree = DirectoryTree()
        for root in fixture.roots { tree.addRoot(key: root.key, path: root.path) }
        let naming = FanotifyNaming(tree: tree, resolver: resolver)
        let model = ProcessModel(reader: processes)
        model.readTicks = processes.bootTicks()
        for item in fixture.feed { model.apply(item.event, name: item.name, executable: item.executable) }
        let translator = FanotifyTranslator(naming: naming, processes: model, shownKinds: plan.shownKinds, ownPID: getpid())
        let window = FanotifyWindow()
        for read in fixture.reads { read.withUnsafeBytes { window.append(bytes: $0) } }
        var facts = WindowFacts()
        facts.scan(window)
        naming.beginWindow()
        naming.prepare(window, facts)
        let collector = FanotifyFixture.Collector()
        translator.translate(window, facts, time: 0, into: collector)
        fixture.resolutions = resolver.answers
        fixture.snapshots = processes.snapshots
        fixture.expected = collector.events.map(FanotifyFixture.expected)
        try FileManager.default.createDirectory(at: FanotifyFixture.url(name).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try fixture.text.write(to: FanotifyFixture.url(name), atomically: true, encoding: .utf8)
        print(fixture.expected.map(\.description).joined(separator: "\n"))
    }
}
#endif
