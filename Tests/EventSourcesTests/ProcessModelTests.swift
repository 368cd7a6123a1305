#if os(Linux)
import Testing
import CShims
import FileWatchCore
@testable import EventSources

/// The process model's naming of an exec against the kernel's two queues: the FAN_OPEN_EXEC of the program
/// is queued when execve opens it, the proc connector's announcement (with comm, the name it was called by)
/// only when the exec is done. Either may be read first.
@Suite struct ProcessModelTests {
    /// Announcements handed over when the model drains the feed.
    final class RecordedFeed: ProcessAnnouncing {
        var queued: [ProcessAnnouncement] = []
        var overflows: Int { 0 }
        func drain(_ body: (ProcessAnnouncement) -> Void) {
            let items = queued
            queued.removeAll()
            for item in items { body(item) }
        }
    }

    static let cat = Array("/usr/bin/cat".utf8)

    func model() -> (ProcessModel, RecordedFeed) {
        let shell = ProcSnapshot(name: Array("sh".utf8), ppid: 1, startTicks: 0, uid: 0, euid: 0, gid: 0,
                                 executable: Array("/usr/bin/dash".utf8))
        let model = ProcessModel(reader: RecordedProcesses([100: shell]))
        model.readTicks = UInt64(Int64.max)
        let feed = RecordedFeed()
        model.feed = feed
        model.start()
        model.apply(fw_proc_event(what: UInt32(FW_PROC_FORK), pid: 200, parent: 100, ruid: 0, euid: 0))
        return (model, feed)
    }

    static func announcement(_ pid: Int32, name: String, executable: [UInt8]?) -> ProcessAnnouncement {
        ProcessAnnouncement(event: fw_proc_event(what: UInt32(FW_PROC_EXEC), pid: pid, parent: 0, ruid: 0, euid: 0),
                            name: Array(name.utf8), executable: executable)
    }

    /// The announcement arrived after the window was read (sent while the events were translated): the
    /// exec drains the feed before naming the program.
    @Test func announcementQueuedDuringTheWindowNamesTheExec() {
        let (model, feed) = model()
        let facts = WindowFacts()
        #expect(model.subject(pid: 200, at: 0, facts).name == ByteString(Array("sh".utf8)))
        feed.queued.append(Self.announcement(200, name: "kitty", executable: Self.cat))
        model.exec(pid: 200, path: Self.cat, name: Array("cat".utf8))
        #expect(model.subject(pid: 200, at: 1, facts).name == ByteString(Array("kitty".utf8)))
    }

    /// The exec was translated before the kernel announced it (the exec still under way): the announcement,
    /// when it comes, names the process's later events.
    @Test func lateAnnouncementNamesTheLaterEvents() {
        let (model, feed) = model()
        let facts = WindowFacts()
        model.exec(pid: 200, path: Self.cat, name: Array("cat".utf8))
        #expect(model.subject(pid: 200, at: 0, facts).name == ByteString(Array("cat".utf8)))
        model.endWindow()
        feed.queued.append(Self.announcement(200, name: "kitty", executable: Self.cat))
        model.drainFeed()
        let later = model.subject(pid: 200, at: 0, WindowFacts())
        #expect(later.name == ByteString(Array("kitty".utf8)))
        #expect(later.executable == ByteString(Self.cat))
    }

    /// An announcement of a later exec (another program) is not taken for the one awaited.
    @Test func announcementOfAnotherProgramIsKeptForIt() {
        let (model, feed) = model()
        model.exec(pid: 200, path: Self.cat, name: Array("cat".utf8))
        model.activity(pid: 200)
        feed.queued.append(Self.announcement(200, name: "ls", executable: Array("/usr/bin/ls".utf8)))
        model.drainFeed()
        #expect(model.subject(pid: 200, at: 0, WindowFacts()).name == ByteString(Array("cat".utf8)))
        model.exec(pid: 200, path: Array("/usr/bin/ls".utf8), name: Array("ls".utf8))
        #expect(model.subject(pid: 200, at: 0, WindowFacts()).name == ByteString(Array("ls".utf8)))
    }
}
#endif
