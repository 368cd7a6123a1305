#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import FileWatchCore
@testable import EventSources
import Foundation
import SystemPackage
import Testing
import TestSupport

/// Output files another local user cannot take over (issue 18), a full disk that cuts no line, and
/// reopening after rotation (issue 17).
@Suite(.serialized, .timeLimit(.minutes(2))) struct OutputFileTests {
    /// A sticky world-writable directory like /tmp, made for the test.
    static func stickyDirectory() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory("fw-sticky")
        #expect(chmod(dir.path, 0o1777) == 0)
        return dir
    }

    static func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<unreadable>" }

    static func write(_ w: FileDescriptorWriter, _ s: String, events: Int = 1) throws {
        try Array(s.utf8).withUnsafeBytes { try w.write($0, events: events) }
    }

    @Test(.needsRoot) func anotherUsersFileIsRefusedAndLeftAlone() throws {
        let dir = try Self.stickyDirectory()
        defer { dir.remove() }
        let planted = try dir.write("their forged line\n", to: "out.jsonl")
        #expect(chown(planted, 65534, 65534) == 0)
        #expect(chmod(planted, 0o600) == 0)
        for append in [false, true] {
            #expect { try FileDescriptorWriter.open(path: planted, append: append) } throws: { e in
                "\(e)".contains("belongs to uid 65534") && "\(e)".contains("refusing")
            }
        }
        #expect(Self.text(planted) == "their forged line\n")  // not truncated, not written
    }

    @Test func looseOrHardLinkedFilesAreRefusedUntouched() throws {
        let dir = try Self.stickyDirectory()
        defer { dir.remove() }
        let loose = try dir.write("keep", to: "loose")
        #expect(chmod(loose, 0o666) == 0)
        #expect { try FileDescriptorWriter.open(path: loose, append: false) } throws: { e in
            "\(e)".contains("writable by its group or others (mode 666)")
        }
        #expect(Self.text(loose) == "keep")
        // A hard link to a file elsewhere (e.g. one of root's): opening it would truncate that file.
        let precious = try dir.write("precious", to: "precious")
        #expect(chmod(precious, 0o600) == 0)
        let link = dir.file("link")
        #expect(FileManager.default.fileExists(atPath: precious) && (try? FileManager.default.linkItem(atPath: precious, toPath: link)) != nil)
        #expect { try FileDescriptorWriter.open(path: link, append: false) } throws: { e in
            "\(e)".contains("2 hard links")
        }
        #expect(Self.text(precious) == "precious")
        // Our own file, not writable by others, is fine (truncated, or appended to).
        let own = try dir.write("old\n", to: "own")
        #expect(chmod(own, 0o644) == 0)
        try Self.write(try FileDescriptorWriter.open(path: own, append: true), "new\n")
        #expect(Self.text(own) == "old\nnew\n")
        #expect((try FileManager.default.attributesOfItem(atPath: own)[.posixPermissions] as? Int) == 0o600)
        try Self.write(try FileDescriptorWriter.open(path: own, append: false), "only\n")
        #expect(Self.text(own) == "only\n")
    }

    /// Opens `path` on another thread; nil when it did not return within 5 s (then the FIFO is
    /// opened for reading to let it go, so the test never hangs).
    static func openWithDeadline(_ path: String) -> Result<FileDescriptorWriter, SystemCallError>? {
        final class Box: @unchecked Sendable { var r: Result<FileDescriptorWriter, SystemCallError>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Thread {
            box.r = Result { () throws(SystemCallError) -> FileDescriptorWriter in try FileDescriptorWriter.open(path: path, append: false) }
            done.signal()
        }.start()
        if done.wait(timeout: .now() + 5) == .timedOut {
            let unblock = open(path, O_RDONLY | O_NONBLOCK)
            _ = done.wait(timeout: .now() + 5)
            close(unblock)
            return nil
        }
        return box.r
    }

    @Test func aFIFOAtTheOutputPathNeverBlocks() throws {
        let dir = try Self.stickyDirectory()
        defer { dir.remove() }
        let fifo = dir.file("out")
        #expect(mkfifo(fifo, 0o600) == 0)
        let r = try #require(Self.openWithDeadline(fifo), "opening a FIFO without a reader blocked")
        #expect(throws: SystemCallError.self) { try r.get() }
        if case .failure(let e) = r { #expect(e.description.contains("a FIFO with no reader")) }
    }

    @Test(.needsRoot) func aPlantedFIFOIsRefused() throws {
        let dir = try Self.stickyDirectory()
        defer { dir.remove() }
        let fifo = dir.file("out")
        #expect(mkfifo(fifo, 0o622) == 0)
        #expect(chown(fifo, 65534, 65534) == 0)
        // Even with a reader (the other user's), it is theirs.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        let r = try #require(Self.openWithDeadline(fifo), "opening a planted FIFO blocked")
        if case .failure(let e) = r { #expect(e.description.contains("belongs to uid 65534")) } else {
            Issue.record("a FIFO planted by another user was opened")
        }
    }

    @Test func reopenAfterRotation() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("events.log")
        let w = try FileDescriptorWriter.open(path: path, append: true)
        try Self.write(w, "before\n")
        #expect(rename(path, path + ".1") == 0)
        try Self.write(w, "late\n")       // still the old file until reopened
        try w.reopen()
        try Self.write(w, "after\n")
        #expect(Self.text(path + ".1") == "before\nlate\n")
        #expect(Self.text(path) == "after\n")
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        // Not rotated: reopening appends, never truncates.
        try w.reopen()
        try Self.write(w, "again\n")
        #expect(Self.text(path) == "after\nagain\n")
    }

    #if os(Linux)  // tmpfs sizes by mount(2) options
    /// A 64 KiB tmpfs mounted for the test (root), unmounted at the end.
    final class SmallFilesystem {
        let dir: TemporaryDirectory
        var path: String { dir.path }
        init() throws {
            dir = try TemporaryDirectory("fw-full")
            let status = mount("tmpfs", dir.path, "tmpfs", 0, "size=64k,mode=0755")
            guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        func remove() {
            _ = umount2(dir.path, Int32(MNT_DETACH))
            dir.remove()
        }
    }

    @Test(.needsRoot) func aFullDiskDropsWholeBatchesAndCounts() throws {
        let fs = try SmallFilesystem()
        defer { fs.remove() }
        let path = fs.path + "/out.jsonl"
        let w = try FileDescriptorWriter.open(path: path, append: false)
        let notes = DiagnosticLines()
        w.report = { notes.append($0) }
        // 10 events of 1000 bytes per batch: the 7th batch no longer fits whole.
        let line = String(repeating: "x", count: 999) + "\n"
        let batch = String(repeating: line, count: 10)
        for _ in 0..<8 { try Self.write(w, batch, events: 10) }
        let text = Self.text(path)
        #expect(text.count == 60_000, "only whole batches: \(text.count) bytes")
        #expect(text.hasSuffix("\n"))
        #expect(w.lostEvents == 20)
        #expect(w.summaryLines == ["20 events not written to \(path): the filesystem was full"])
        #expect(notes.lines.count == 1)
        #expect(notes.lines.first?.contains("No space left on device; events are dropped") == true)
        // Space comes back: writing goes on, once said.
        #expect(ftruncate(w.fd.rawValue, 0) == 0)
        #expect(lseek(w.fd.rawValue, 0, SEEK_SET) == 0)
        try Self.write(w, "ok\n")
        #expect(Self.text(path) == "ok\n")
        #expect(notes.lines.count == 2)
        #expect(notes.lines.last?.contains("writing again after 20 events not written") == true)
    }
    #endif
}

/// Lines collected from any thread.
final class DiagnosticLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ s: String) { lock.lock(); stored.append(s); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}

/// `--flush always`: every event reaches the file at once, not at the next batch.
@Suite struct FlushPolicyTests {
    @Test func alwaysWritesEachEventAtOnce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var events = TrailFixture.events(TrailFixture.trail(TrailFixture.editing)).events
        events[1].time = events[0].time  // within a second: batched unless --flush always
        for (format, flush) in [(OutputFormat.json, FlushMode.always), (.text, .always), (.json, .auto), (.bsm, .always)] {
            var output = OutputConfiguration()
            output.format = format
            output.flush = flush
            let path = dir.file("\(format)-\(flush)")
            output.path = path
            let sink = SessionOutputs.sink(output, writer: try FileDescriptorWriter.open(path: path, append: false))
            try sink.write(events[0])
            let first = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
            try sink.write(events[1])
            let second = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
            if flush == .always {
                #expect(first > 0 && second > first, "\(format): \(first), \(second) bytes")
            } else {
                #expect(first > 0 && second == first, "\(format) batched: \(first), \(second) bytes")
            }
            try sink.finish()
        }
    }
}
