import Foundation
import Testing
@testable import EventSources
import FileWatchCore
import TestSupport

@Suite struct SpoolTests {
    func records(_ range: ClosedRange<UInt64>) -> [SpoolRecord] {
        range.map { SpoolRecord(sequence: $0, time: Int64($0) * 1000, payload: Array("message \($0)".utf8)) }
    }

    @Test func recordsSurviveReopenAndACutTailIsDropped() throws {
        let d = try TemporaryDirectory("fw-spool")
        defer { d.remove() }
        do {
            let s = try Spool(directory: d.path, maxBytes: 1 << 30, collectorKeys: ["a"])
            _ = s.reserveSequences(10)
            _ = try s.append(records(1...10))
            s.close()
        }
        // A kill in the middle of a write: half a record at the end.
        let seg = d.file("00000000000000000001.seg")
        let h = try #require(FileHandle(forWritingAtPath: seg))
        h.seekToEndOfFile()
        var partial: [UInt8] = []
        SpoolRecord(sequence: 11, time: 0, payload: Array("cut".utf8)).encode(into: &partial)
        h.write(Data(partial.prefix(20)))
        h.closeFile()
        let s = try Spool(directory: d.path, maxBytes: 1 << 30, collectorKeys: ["a"])
        #expect(s.lastWritten == 10)
        #expect(s.nextSequence == 11, "the sequence goes on across restarts")
        let c = SpoolCursor(spool: s, after: 4)
        let items = c.read(maxRecords: 100, maxBytes: 1 << 20)
        #expect(items.count == 6)
        if case .record(let r) = items.first { #expect(r.sequence == 5 && r.payload == Array("message 5".utf8)) } else { Issue.record("not a record") }
    }

    @Test func fullSpoolDropsOldestAndCursorSeesOneGap() throws {
        let d = try TemporaryDirectory("fw-spool")
        defer { d.remove() }
        let s = try Spool(directory: d.path, maxBytes: 64 << 10, collectorKeys: ["a"])
        var losses: [LossRecord] = []
        for chunk in stride(from: UInt64(1), through: 4000, by: 100) {
            _ = s.reserveSequences(100)
            losses += try s.append(records(chunk...(chunk + 99)))
        }
        #expect(!losses.isEmpty)
        let dropped = losses.reduce(0) { $0 + $1.count }
        let c = SpoolCursor(spool: s, after: 0)
        let items = c.read(maxRecords: 10_000, maxBytes: 1 << 30)
        guard case .gap(let first, let last) = items.first else { Issue.record("no gap first"); return }
        #expect(first == 1 && last - first + 1 == dropped)
        #expect(items.dropFirst().allSatisfy { if case .record = $0 { true } else { false } }, "one gap only")
        #expect(UInt64(items.count - 1) + dropped == 4000)
    }
}
