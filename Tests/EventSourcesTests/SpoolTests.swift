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

    @Test func aDamagedRecordOfAnEarlierRunIsNotShippedButThisRunsRecordsAre() throws {
        let d = try TemporaryDirectory("fw-spool")
        defer { d.remove() }
        // 16 KiB segments: 1,000 records of ~40 bytes fill a few; damage one in the first segment
        // (only the last segment is checked record by record when the spool opens).
        do {
            let s = try Spool(directory: d.path, maxBytes: 128 << 10, collectorKeys: ["a"])
            _ = s.reserveSequences(1000)
            _ = try s.append(records(1...1000))
            s.close()
        }
        let first = d.file("00000000000000000001.seg")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: first)))
        var one: [UInt8] = []
        records(1...1).first!.encode(into: &one)
        let size = one.count  // records 1...9 have the same size
        bytes[3 * size + SpoolRecord.headerSize + 2] ^= 0x20  // record 4's payload
        try Data(bytes).write(to: URL(fileURLWithPath: first))
        let s = try Spool(directory: d.path, maxBytes: 128 << 10, collectorKeys: ["a"])
        _ = s.reserveSequences(5)
        _ = try s.append(records(1001...1005))
        let items = SpoolCursor(spool: s, after: 0).read(maxRecords: 10_000, maxBytes: 1 << 30)
        var delivered: [UInt64] = []
        for item in items {
            if case .record(let r) = item {
                delivered.append(r.sequence)
                #expect(r.payload == Array("message \(r.sequence)".utf8))
            }
        }
        #expect(Array(delivered.prefix(3)) == [1, 2, 3])
        #expect(!delivered.contains(4), "the damaged record is not shipped")
        #expect(delivered.suffix(5) == [1001, 1002, 1003, 1004, 1005], "this run's records are")
        #expect(items.contains { if case .gap(let a, _) = $0 { a == 4 } else { false } }, "the damaged stretch is a gap")
    }

    @Test func crc32MatchesTheBytewiseDefinition() {
        func reference(_ b: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for byte in b {
                c ^= UInt32(byte)
                for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            }
            return c ^ 0xFFFF_FFFF
        }
        #expect(Array("123456789".utf8).withUnsafeBytes { crc32($0) } == 0xCBF4_3926, "the IEEE check value")
        var g = SystemRandomNumberGenerator()
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4099] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &g) }
            for start in 0..<min(length, 9) {
                let part = Array(bytes[start...])
                #expect(part.withUnsafeBytes { crc32($0) } == reference(part), "length \(part.count)")
            }
        }
    }

    @Test func cursorTakingAFewAtATimeWhileTheSpoolGrowsSeesEveryRecordOnce() throws {
        let d = try TemporaryDirectory("fw-spool")
        defer { d.remove() }
        // Small segments: reads cross segment ends; payloads of varying size cross buffer ends.
        let s = try Spool(directory: d.path, maxBytes: 1 << 20, collectorKeys: ["a"])
        let c = SpoolCursor(spool: s, after: 0)
        var seen: [UInt64] = []
        var next: UInt64 = 1
        for round in 0..<60 {
            let n = 1 + round % 37
            _ = s.reserveSequences(n)
            let batch = (next..<(next + UInt64(n))).map {
                SpoolRecord(sequence: $0, time: Int64($0), payload: Array(repeating: UInt8(truncatingIfNeeded: $0), count: Int($0 % 700) + 1))
            }
            _ = try s.append(batch)
            next += UInt64(n)
            for _ in 0..<3 {
                for item in c.read(maxRecords: 1 + round % 5, maxBytes: 1 << 20) {
                    guard case .record(let r) = item else { Issue.record("unexpected gap"); continue }
                    #expect(r.payload == Array(repeating: UInt8(truncatingIfNeeded: r.sequence), count: Int(r.sequence % 700) + 1))
                    seen.append(r.sequence)
                }
            }
        }
        while true {
            let items = c.read(maxRecords: 7, maxBytes: 1 << 20)
            if items.isEmpty { break }
            for case .record(let r) in items { seen.append(r.sequence) }
        }
        #expect(seen == Array(1..<next))
        // A rewind (a reconnect) reads the unacknowledged records again.
        c.rewind(to: 10)
        let again = c.read(maxRecords: 3, maxBytes: 1 << 20).compactMap { if case .record(let r) = $0 { r.sequence } else { nil } }
        #expect(again == [10, 11, 12])
    }

    @Test func aFullSpoolIsOneStderrLineThenAtMostOneAMinute() {
        var r = SpoolFullReport()
        func loss(_ a: UInt64, _ b: UInt64) -> LossRecord { LossRecord(count: b - a + 1, firstSequence: a, lastSequence: b, reason: "full") }
        let minute = SpoolFullReport.interval
        let first = r.note([loss(1, 10), loss(11, 20)], now: 5)
        #expect(first?.contains("spool full") == true && first?.contains("20 so far (sequences 1-20)") == true, "\(first ?? "nil")")
        #expect(r.note([], now: 6) == nil)
        for i in 0..<500 { #expect(r.note([loss(21 + 10 * UInt64(i), 30 + 10 * UInt64(i))], now: 10 + UInt64(i)) == nil) }
        let later = r.note([loss(5021, 5030)], now: 5 + minute)
        #expect(later == "filewatcher: ship: spool still full: 5010 more events dropped (sequences 21-5030)")
        #expect(r.note([], now: 10 * minute) == nil, "nothing dropped since: nothing to say")
    }
}
