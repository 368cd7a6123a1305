#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import EventSources
import FileWatchCore
import Foundation
import Testing
import TestSupport

extension FakeEslogger {
    func source(events: [String] = EsloggerDiagnosis.defaultEvents, ignoredPaths: [String] = []) -> EsloggerSource {
        var o = EsloggerSourceOptions()
        o.executable = path
        o.events = events
        o.ignoredPaths = ignoredPaths
        return EsloggerSource(o)
    }
}

/// Whether a process still exists (and is not a zombie).
func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return kill(pid, 0) == 0 }
    return !stat.contains(") Z ")
}

@Suite(.timeLimit(.minutes(2))) struct EsloggerSourceTests {
    static let fixture = EsloggerFixtures.path("macos15.jsonl")

    @Test func printsInChunksAndStopsCleanlyWhenStopped() throws {
        let d = try TemporaryDirectory("fw-es-live")
        defer { d.remove() }
        // The fixture in pieces of 700 bytes, 20 ms apart, then it waits to be ended.
        let fake = try FakeEslogger(d, body: """
            size=$(wc -c < '\(Self.fixture)'); off=0
            while [ $off -lt $size ]; do
              dd if='\(Self.fixture)' bs=700 skip=$((off / 700)) count=1 2>/dev/null; off=$((off + 700)); sleep 0.02
            done
            exec sleep 600
            """)
        let source = fake.source()
        let events = try withRunningSource(source) { running in
            try running.wait(for: { $0.events.count >= 18 })
            return running.receiver.events
        }
        #expect(events.count == 18)
        let expected = CollectingReceiver()
        let stream = EsloggerStream(name: "fixture")
        try EsloggerFixtures.bytes("macos15.jsonl").withUnsafeBytes { stream.push($0, into: expected) }
        stream.finish(into: expected)
        #expect(events == expected.events)
        #expect(fake.arguments == EsloggerDiagnosis.defaultEvents.joined(separator: " "))
        let pid = try #require(fake.pid)
        #expect(!isAlive(pid), "eslogger was ended and reaped")
        #expect(source.stream.skippedLines == 0)
    }

    @Test func aProgramThatIgnoresSIGTERMIsKilledAfterTheGrace() throws {
        let d = try TemporaryDirectory("fw-es-term")
        defer { d.remove() }
        let fake = try FakeEslogger(d, body: "trap '' TERM\ncat '\(Self.fixture)'\nwhile true; do sleep 1; done")
        let source = fake.source()
        source.stopGraceMilliseconds = 300
        let start = Date()
        try withRunningSource(source) { running in
            try running.wait(for: { $0.events.count >= 18 })
        }
        #expect(Date().timeIntervalSince(start) < 10)
        let pid = try #require(fake.pid)
        #expect(!isAlive(pid))
    }

    @Test func endingEarlyDeliversWhatWasPrintedThenFails() throws {
        let d = try TemporaryDirectory("fw-es-early")
        defer { d.remove() }
        let fake = try FakeEslogger(d, body: "cat '\(Self.fixture)'\nexit 0")
        let receiver = CollectingReceiver()
        #expect {
            try runToEnd(fake.source(), receiver: receiver)
        } throws: { error in
            "\(error)" == "eslogger (\(fake.path)) ended (exit status 0) after 18 events while filewatcher was still watching."
        }
        #expect(receiver.events.count == 18)
    }

    @Test(arguments: [
        ("ES_NEW_CLIENT_RESULT_ERR_NOT_PERMITTED", "Full Disk Access"),
        ("ES_NEW_CLIENT_RESULT_ERR_NOT_PRIVILEGED", "must run as root"),
        ("ES_NEW_CLIENT_RESULT_ERR_TOO_MANY_CLIENTS", "too many clients"),
    ])
    func errorLinesBecomeOneSentence(code: String, meaning: String) throws {
        let d = try TemporaryDirectory("fw-es-error")
        defer { d.remove() }
        let fake = try FakeEslogger(d, body: "echo 'Failed to create new client: \(code)' >&2\nexit 1")
        #expect {
            try runToEnd(fake.source())
        } throws: { error in
            let s = "\(error)"
            return s.contains(meaning) && s.contains(code) && !s.contains("\n")
        }
    }

    @Test func otherErrorsAreQuoted() throws {
        let d = try TemporaryDirectory("fw-es-other")
        defer { d.remove() }
        let fake = try FakeEslogger(d, body: "echo 'something odd happened' >&2\nkill -9 $$")
        #expect {
            try runToEnd(fake.source())
        } throws: { error in
            "\(error)" == "eslogger (\(fake.path)) ended (signal 9) after 0 events: something odd happened."
        }
    }

    @Test func garbageIsSkippedAndCounted() throws {
        let d = try TemporaryDirectory("fw-es-garbage")
        defer { d.remove() }
        let fake = try FakeEslogger(d, body: """
            head -c 3000 /dev/urandom | tr '\\n{' 'x['; echo
            echo 'Warning: not json'
            cat '\(Self.fixture)'
            echo '{"event":'
            exec sleep 600
            """)
        let source = fake.source()
        let receiver = try withRunningSource(source) { running in
            try running.wait(for: { $0.events.count >= 18 && $0.damages.count >= 3 })
            return running.receiver
        }
        #expect(receiver.events.count == 18)
        #expect(source.stream.malformedLines == 3)
        #expect(source.summaryLines.first?.contains("3 not JSON") == true)
    }

    @Test func unknownEventsAreLeftOutWithANotice() throws {
        let d = try TemporaryDirectory("fw-es-list")
        defer { d.remove() }
        let known = EsloggerDiagnosis.defaultEvents.filter { $0 != "truncate" && $0 != "setattrlist" }
        let fake = try FakeEslogger(d, knows: known, body: "exec sleep 600")
        let receiver = try withRunningSource(fake.source()) { running in
            try running.wait(for: { $0.notices.count >= 1 })
            try d.wait(for: fake.arguments != nil)  // while it runs: a stop may come before it starts
            return running.receiver
        }
        #expect(receiver.notices.first?.message == "eslogger (\(fake.path)) does not know the events truncate, setattrlist; watching without them")
        #expect(fake.arguments == known.joined(separator: " "))
    }

    @Test func listEventsFailingOrMissingProgram() throws {
        let d = try TemporaryDirectory("fw-es-listfail")
        defer { d.remove() }
        let fake = try FakeEslogger(d, listExit: 3, body: "exit 0")
        #expect {
            try runToEnd(fake.source())
        } throws: { "\($0)" == "eslogger (\(fake.path)) --list-events failed (exit status 3)." }
        var o = EsloggerSourceOptions()
        o.executable = d.file("missing")
        #expect {
            try runToEnd(EsloggerSource(o))
        } throws: { "\($0)" == "\(d.file("missing")) not found (--eslogger-path)." }
        let none = try FakeEslogger(d, knows: ["mmap", "signal"], body: "exit 0")
        #expect {
            try runToEnd(none.source())
        } throws: { "\($0)".contains("knows none of the events") }
    }

    @Test func ownProcessAndOutputFileAreDropped() throws {
        let d = try TemporaryDirectory("fw-es-own")
        defer { d.remove() }
        let out = d.file("out.jsonl")
        // Lines naming our own pid, and an event on our output file, among others.
        let me = getpid()
        let lines = [
            "{\"event\":{\"write\":{\"target\":{\"path\":\"/mine\"}}},\"process\":{\"audit_token\":{\"pid\":\(me)}}}",
            "{\"event\":{\"write\":{\"target\":{\"path\":\"\(out)\"}}},\"process\":{\"audit_token\":{\"pid\":7}}}",
            "{\"event\":{\"write\":{\"target\":{\"path\":\"/theirs\"}}},\"process\":{\"audit_token\":{\"pid\":7}}}",
            "{\"event\":{\"write\":{\"target\":{\"path\":\"/last\"}}},\"process\":{\"audit_token\":{\"pid\":7}}}",
        ]
        try d.write(lines.joined(separator: "\n") + "\n", to: "lines.jsonl")
        let fake = try FakeEslogger(d, body: "cat '\(d.file("lines.jsonl"))'\nexec sleep 600")
        let source = fake.source(ignoredPaths: [out])
        let events = try withRunningSource(source) { running in
            try running.wait(for: { $0.events.last?.path == "/last" })
            return running.receiver.events
        }
        #expect(events.map(\.path) == ["/theirs", "/last"])
    }

    @Test func eventNamesFollowTheKinds() {
        #expect(EsloggerDiagnosis.eventNames(for: nil) == EsloggerDiagnosis.defaultEvents)
        #expect(EsloggerDiagnosis.eventNames(for: [.open]) == ["open", "exec", "exit", "fork"])
        #expect(EsloggerDiagnosis.eventNames(for: [.write, .attrib]) == ["write", "truncate", "setattrlist", "setmode", "setowner",
                                                                         "exec", "exit", "fork"])
        #expect(EsloggerDiagnosis.eventNames(for: [.delete, .rename]) == ["rename", "unlink", "exec", "exit", "fork"])
    }
}

extension TemporaryDirectory {
    /// Waits (up to 10 s) for `condition`.
    func wait(for condition: @autoclosure () -> Bool) throws {
        let deadline = Date().addingTimeInterval(10)
        while !condition() {
            if Date() > deadline { throw TimedOut("condition not met within 10 s") }
            usleep(20_000)
        }
    }
}
