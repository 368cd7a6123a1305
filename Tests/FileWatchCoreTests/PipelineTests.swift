import Testing
@testable import FileWatchCore

final class CollectSink: EventSink {
    var events: [Event] = []
    var flushes = 0
    var failAfter: Int?
    struct Broken: Error {}
    func write(_ event: Event) throws {
        if let failAfter, events.count >= failAfter { throw Broken() }
        events.append(event)
    }
    func flush() throws { flushes += 1 }
}

final class MarkStage: EventStage {
    var seen = 0
    var finished = false
    func process(_ event: inout Event) -> Bool {
        seen += 1
        if event.path == "/secret" { event.process.name = "flagged"; return true }
        return false
    }
    func finish() { finished = true }
    var summaryLines: [String] { ["stage saw \(seen)"] }
}

final class Names: UserNameResolver {
    var asked = 0
    func userName(for uid: UInt32) -> String? { asked += 1; return uid == 1000 ? "alice" : nil }
}

@Suite struct PipelineTests {
    @Test func filtersStagesStatisticsAndSummary() throws {
        let sink = CollectSink()
        let stage = MarkStage()
        let names = Names()
        var notices: [SourceNotice] = []
        var o = FilterOptions()
        o.users = [UserSelector(name: "alice")]
        let p = EventPipeline(filter: EventFilter(o), sink: sink, stages: [stage], users: names, stop: StopToken(),
                              report: { notices.append($0) })
        p.receive(ev(path: "/a"))
        p.receive(ev(path: "/a"))
        p.receive(ev(.stat, path: "/b"))                      // not a basic kind
        p.receive(ev(path: "/secret", uid: 0))                // wrong user, but the stage forces it
        p.receive(ev(.delete, path: "/c", name: "rm", exe: "/bin/rm"))
        p.notice(.lost(count: 7, reason: "overflow"))
        p.notice(.damaged(file: "t", offset: 12, reason: "bad"))
        try p.finish()

        #expect(sink.events.map(\.path) == ["/a", "/a", "/secret", "/c"])
        #expect(sink.events[0].process.user == "alice", "user names resolved before filtering")
        #expect(sink.events[2].process.name == "flagged", "stages may annotate")
        #expect(stage.seen == 5 && stage.finished)
        #expect(sink.flushes == 1)
        let s = p.statistics
        #expect(s.seen == 5 && s.shown == 4 && s.filtered == 1 && s.lost == 7 && s.lossReports == 1 && s.damaged == 1)
        #expect(s.seenByKind[.stat] == 1 && s.shownByKind[.stat] == nil && s.shownByKind[.open] == 3)
        #expect(notices.count == 2)
        let summary = p.summary()
        #expect(summary.contains("5 events seen, 4 shown, 1 dropped by filters, 7 lost (1 loss report)"))
        #expect(summary.contains("1 damaged input stretch skipped"))
        #expect(summary.contains("by kind (shown/seen): open 3/3, delete 1/1, stat 0/1"))
        #expect(summary.contains("top processes: Vim (2), flagged (1), rm (1)"))
        #expect(summary.contains("    2\t/a\n"))
        #expect(summary.contains("stage saw 5"))
    }

    /// A run that prints no summary (report, --no-summary) does not tally names; counts stay.
    @Test func topNamesAreTalliedOnlyForASummary() throws {
        let p = EventPipeline(filter: .everything, sink: CollectSink(), stop: StopToken())
        p.countsTopNames = false
        p.receive(ev(time: 1))
        p.receive(ev(time: 2))
        #expect(p.statistics.shown == 2 && p.statistics.seen == 2)
        #expect(p.statistics.processes.counts.isEmpty && p.statistics.files.counts.isEmpty)
        #expect(!p.summary().contains("top processes"))
        let q = EventPipeline(filter: .everything, sink: CollectSink(), stop: StopToken())
        q.receive(ev(time: 1))
        #expect(q.summary().contains("top processes"))
    }

    /// Issue 18: a kernel queue overflow loses an unknown number: never "0 lost"; when, from the events around it.
    @Test func overflowsAreAnUnknownNumberWithATimeRange() throws {
        let p = EventPipeline(filter: .everything, sink: CollectSink(), stop: StopToken())
        let midnight: Int64 = 1_700_000_000_000_000 - 1_700_000_000_000_000 % 86_400_000_000  // a day's start, UTC
        let base = midnight + (8 * 3600 + 1 * 60 + 2) * 1_000_000 + 345_000  // 08:01:02.345
        p.receive(ev(time: base))
        p.notice(.lost(count: nil, reason: "fanotify queue overflow"))
        p.notice(.lost(count: nil, reason: "fanotify queue overflow"))
        p.receive(ev(time: base + 4_444_000))
        p.notice(.lost(count: 3, reason: "pipe"))
        let summary = p.summary()
        #expect(summary.contains("unknown number lost (at least 3) (3 loss reports between 08:01:02.345 and 08:01:06.789 UTC)"), "\(summary)")
        #expect(!summary.contains("0 lost"))
        // Nothing after it: only the start is known.
        let q = EventPipeline(filter: .everything, sink: CollectSink(), stop: StopToken())
        q.receive(ev(time: base))
        q.notice(.lost(count: nil, reason: "overflow"))
        #expect(q.summary().contains("unknown number lost (1 loss report after 08:01:02.345 UTC)"), "\(q.summary())")
    }

    @Test func countLimitStopsTheSource() throws {
        let sink = CollectSink()
        let stop = StopToken()
        let p = EventPipeline(filter: .everything, sink: sink, limit: 2, stop: stop)
        p.receive(ev())
        #expect(!stop.isStopped)
        p.receive(ev())
        #expect(stop.isStopped)
        p.receive(ev())
        #expect(sink.events.count == 2 && p.statistics.shown == 2)
    }

    @Test func sinkErrorsStopAndSurface() {
        let sink = CollectSink()
        sink.failAfter = 1
        let stop = StopToken()
        let p = EventPipeline(filter: .everything, sink: sink, stop: stop)
        p.receive(ev()); p.receive(ev()); p.receive(ev())
        #expect(stop.isStopped)
        #expect(sink.events.count == 1)
        #expect(throws: CollectSink.Broken.self) { try p.finish() }
    }

    @Test func hiddenEventsAndIdleSourcesPushPendingOutput() {
        let sink = CollectSink()
        let p = EventPipeline(filter: filter { $0.files = ["shown"] }, sink: sink, stop: StopToken())
        p.sourceIdle()
        #expect(sink.flushes == 0, "nothing pending")
        p.receive(ev(path: "/shown", time: 10_000_000))
        p.receive(ev(path: "/hidden", time: 10_500_000))
        #expect(sink.flushes == 0)
        p.receive(ev(path: "/hidden", time: 11_000_000))
        #expect(sink.flushes == 1, "a second later, by a hidden event's clock")
        p.receive(ev(path: "/hidden", time: 13_000_000))
        #expect(sink.flushes == 1, "nothing new pending")
        p.receive(ev(path: "/shown", time: 14_000_000))
        p.sourceIdle()
        #expect(sink.flushes == 2)
    }

    @Test func topCounterIsBounded() {
        var c = TopCounter(capacity: 8)
        for _ in 0..<5 { c.add("hot") }
        for i in 0..<100 { c.add(ByteString("cold\(i)")) }
        #expect(c.counts.count <= 8)
        #expect(c.top(1).first?.key == "hot" && c.top(1).first?.count == 5)
        #expect(c.approximate)
    }

    @Test func outputBufferBatchesUnlessInteractive() throws {
        let mem = MemoryWriter()
        let out = OutputBuffer(writer: mem, lineBuffered: false, threshold: 100)
        out.append("hello\n")
        try out.endOfEvent(time: 5_000_000)  // first event: more than a second since "never"
        #expect(mem.bytes.count == 6)
        out.append("more\n")
        try out.endOfEvent(time: 5_000_001)
        #expect(mem.bytes.count == 6, "batched")
        try out.endOfEvent(time: 6_000_001)
        #expect(mem.bytes.count == 11, "a second of event time later")
        let tty = MemoryWriter()
        let line = OutputBuffer(writer: tty, lineBuffered: true)
        line.append("x\n")
        try line.endOfEvent(time: 0)
        #expect(tty.bytes.count == 2)
    }
}
