import BSM
import Testing
import TestSupport
@testable import FileWatchCore

@Suite struct ConfigurationTests {
    @Test func eventListsParseOnce() throws {
        #expect(try EventKind.parseList(["open, Delete", "rename"]) == [.open, .delete, .rename])
        #expect(try EventKind.parseList(["all"]) == Set(EventKind.allCases))
        #expect(throws: ConfigurationError.self) { try EventKind.parseList(["bogus"]) }
        do { _ = try EventKind.parseList(["open,bogus"]) } catch {
            #expect(error.description.hasPrefix("--event: unknown event kind 'bogus' (known: open, read,"))
        }
    }

    @Test func crossOptionChecks() {
        var c = WatchConfiguration()
        c.input = .replay(["t.bsm"], format: .auto)
        c.detection.stopOffenders = true
        c.detection.ransomware = true
        #expect(throws: ConfigurationError("--stop-offenders acts on live processes; it cannot be used with --read.")) {
            try c.validate()
        }
        c = WatchConfiguration()
        c.output.format = .bsm
        c.output.standardOutputIsTerminal = true
        #expect(throws: ConfigurationError.self) { try c.validate() }
        c.output.path = "out.bsm"
        #expect(throws: Never.self) { try c.validate() }
        c.auditPipePath = "/tmp/p"
        c.input = .live([.fanotify])
        #expect(throws: ConfigurationError.self) { try c.validate() }
    }

    @Test func whatTheLiveSourceIsAskedFor() {
        var c = WatchConfiguration()
        c.filters.kinds = [.open]
        c.filters.under = ["/srv/data"]
        c.output.path = "/var/log/fw.jsonl"
        c.debugLog = "-"
        #expect(c.requestedKinds == [.open])
        #expect(c.watchedDirectories == ["/srv/data"], "the filters' directories, the same values")
        #expect(c.ignoredPaths == ["/var/log/fw.jsonl"])
        c.detection.rulesPath = "r.yaml"
        #expect(c.requestedKinds == nil, "detection needs every kind")
        c.filters.kinds = nil
        #expect(c.preselectedKinds == EventKind.basic)
        c.filters.under = []
        #expect(c.watchedDirectories == nil)
    }

    @Test func inputFormatsAreRecognizedFromTheirFirstBytes() {
        #expect(InputFormat.recognize(TrailFixture.trail([])) == .bsm)
        #expect(InputFormat.recognize(TrailFixture.record(72, [TrailFixture.ret()]).bytes) == .bsm)
        #expect(InputFormat.recognize(Array("type=SYSCALL msg=audit(1.0:1)".utf8)) == .linuxAudit)
        #expect(InputFormat.recognize(Array("node=h type=EOE msg=audit(1.0:1):".utf8)) == .linuxAudit)
        #expect(InputFormat.recognize(Array("Dec  3 07:00:00 host".utf8)) == nil)
        #expect(InputFormat.recognize(Array("{\"time\":1}".utf8)) == nil)
        #expect(InputFormat.recognize([UInt8]()) == nil)
        #expect(InputFormat.recognize([0x14, 0, 0, 0]) == nil, "too short to tell")
    }

    @Test func colourDecision() {
        var o = OutputConfiguration()
        #expect(o.usesColor(interactive: true) && !o.usesColor(interactive: false))
        o.noColorRequested = true
        #expect(!o.usesColor(interactive: true))
        o.color = .always
        #expect(o.usesColor(interactive: false))
        o.color = .never
        #expect(!o.usesColor(interactive: true))
    }

    @Test func noticesSayTheirOffsetOnce() {
        #expect(SourceNotice.damaged(file: "t.bsm", offset: 19, reason: "bad token id 0xde; skipped 6 bytes").message
                == "t.bsm: damaged input at byte offset 19: bad token id 0xde; skipped 6 bytes")
        #expect(SourceNotice.lost(count: 5, reason: "queue full").message == "events lost: 5 (queue full)")
        #expect(SourceNotice.lost(count: nil, reason: "overflow").message == "events lost (overflow)")
        #expect(SourceNotice.info("rotated").message == "rotated")
    }

    @Test func processFactsRoundTripThroughATrail() throws {
        let process = ProcessSubject(pid: 7, ppid: 3, name: "worker", executable: "/usr/bin/python3", uid: 0)
        let facts = ProcessFacts(of: process)
        #expect(facts == ProcessFacts(executable: "/usr/bin/python3", name: "worker", parent: 3))
        #expect(facts.texts.map { String(decoding: $0.trimmingTrailingNULs.array, as: UTF8.self) }
                == ["filewatcher exe=/usr/bin/python3", "filewatcher name=worker", "filewatcher ppid=3"])
        // The name is left out when it is the executable's basename.
        #expect(ProcessFacts(of: ProcessSubject(pid: 1, name: "vim", executable: "/usr/bin/vim")).name == nil)
        var read = ProcessFacts()
        for t in facts.texts {
            let taken = read.read(t.trimmingTrailingNULs)
            #expect(taken)
        }
        let other = read.read(BSMBytes(Array("other text".utf8)))
        #expect(!other)
        #expect(read == facts)
        // Through the sink and the mapper: the same process comes back.
        let mem = MemoryWriter()
        let sink = BSMSink(output: OutputBuffer(writer: mem, lineBuffered: false), trailName: "t", bsmErrno: { _ in 255 })
        try sink.write(Event(time: 1_700_000_000_000_000, kind: .open, process: process, path: "/x", source: .fanotify))
        try sink.finish()
        let back = try #require(TrailFixture.events(mem.bytes).events.first)
        #expect(back.process.executable == "/usr/bin/python3" && back.process.name == "worker" && back.process.ppid == 3)
    }
}

@Suite struct FanOutSinkTests {
    final class Recording: EventSink, SessionReporting {
        var events: [Event] = []
        var finished = false
        let fail: Bool
        init(fail: Bool = false) { self.fail = fail }
        struct Broken: Error {}
        func write(_ event: Event) throws { events.append(event); if fail { throw Broken() } }
        func flush() throws {}
        func finish() throws { finished = true }
        var summaryLines: [String] { ["recording: \(events.count) events"] }
        var lostEvents: UInt64 { fail ? UInt64(events.count) : 0 }
    }

    @Test func everySinkGetsEveryEventAndReports() throws {
        let a = Recording(), b = Recording(fail: true), c = Recording()
        let fan = FanOutSink([a, b, c])
        let e = Event(time: 1, kind: .open, process: ProcessSubject(pid: 1, name: "p"), path: "/x", source: .trail)
        #expect(throws: Recording.Broken.self) { try fan.write(e) }
        #expect(a.events.count == 1 && b.events.count == 1 && c.events.count == 1, "one failing sink does not starve the others")
        try fan.finish()
        #expect(a.finished && b.finished && c.finished)
        #expect(fan.summaryLines == ["recording: 1 events", "recording: 1 events", "recording: 1 events"])
        #expect(fan.lostEvents == 1)

        // The pipeline's summary carries what reporting parts say and lost.
        let pipeline = EventPipeline(filter: EventFilter(FilterOptions()), sink: a, stop: StopToken())
        pipeline.reporters = [b]
        #expect(pipeline.summary().contains("1 lost (1 loss report)"))
        #expect(pipeline.summary().contains("  recording: 1 events\n"))
    }
}
