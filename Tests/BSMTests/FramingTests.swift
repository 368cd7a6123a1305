import Foundation
import Testing
@testable import BSM
import TestSupport

/// A trail of records made by our encoder: a file token, `n` file records, a closing file token.
struct Trail {
    var bytes: [UInt8] = []
    var recordOffsets: [Int] = []
    var recordBytes: [[UInt8]] = []

    init(records n: Int, kinds: [HeaderKind] = [.header32]) {
        append(Token.file(FileToken(seconds: 1, milliseconds: 0, name: "20240101000000.not_terminated\0")).encoded)
        for i in 0..<n { append(Fixtures.fileRecord(i, kind: kinds[i % kinds.count])) }
        append(Token.file(FileToken(seconds: 2, milliseconds: 0, name: "20240101000000.20240101000100\0")).encoded)
    }
    mutating func append(_ b: [UInt8]) {
        recordOffsets.append(bytes.count)
        recordBytes.append(b)
        bytes += b
    }
}

func frame(_ bytes: [UInt8]) -> (records: [Record], damage: [Damage]) {
    var recs: [Record] = []
    var dmg: [Damage] = []
    for item in RecordReader.items(in: bytes) {
        switch item {
        case .record(let r): recs.append(r)
        case .damage(let d): dmg.append(d)
        }
    }
    return (recs, dmg)
}

@Suite struct FramingTests {
    @Test func cleanTrailFramesEveryRecordAndFileToken() throws {
        let t = Trail(records: 20, kinds: HeaderKind.allCases)
        let (recs, dmg) = frame(t.bytes)
        #expect(dmg.isEmpty)
        #expect(recs.map(\.offset) == t.recordOffsets)
        #expect(recs.map(\.bytes.array) == t.recordBytes)
        #expect(recs.first?.kind == .file && recs.last?.kind == .file)
        #expect(recs.dropFirst().dropLast().allSatisfy { $0.kind == .record })
        for r in recs { _ = try r.tokens() }
    }

    @Test func garbageBetweenRecordsIsReportedAndSkipped() {
        var t = Trail(records: 5)
        let at = t.recordOffsets[3]
        t.bytes.insert(contentsOf: [0xde, 0xad, 0x14, 0x00, 0x00, 0x00, 0x30, 0xbe, 0xef], at: at)
        let (recs, dmg) = frame(t.bytes)
        #expect(recs.count == 7)
        #expect(dmg == [Damage(offset: at, error: DecodeError(offset: at, reason: .unknownRecordStart(id: 0xde)), skipped: 9)])
    }

    @Test func wrongByteCountIsReportedAndTheRestDelivered() {
        for delta in [-1, 1, 1000, Int(UInt32.max) - 200] {
            var t = Trail(records: 5)
            let at = t.recordOffsets[2]
            let size = t.recordBytes[2].count
            let bad = UInt32(truncatingIfNeeded: size + delta)
            t.bytes[at + 1] = UInt8(bad >> 24); t.bytes[at + 2] = UInt8((bad >> 16) & 0xff)
            t.bytes[at + 3] = UInt8((bad >> 8) & 0xff); t.bytes[at + 4] = UInt8(bad & 0xff)
            let (recs, dmg) = frame(t.bytes)
            #expect(recs.count == 6, "delta \(delta)")
            #expect(!recs.contains { $0.offset == at })
            #expect(dmg.count == 1)
            #expect(dmg.first?.offset == at)
            #expect(dmg.first?.skipped == size)
        }
    }

    @Test func badTrailerMagicAndMismatchedCount() {
        var t = Trail(records: 4)
        let at = t.recordOffsets[2], end = at + t.recordBytes[2].count
        t.bytes[end - 6] = 0xb0  // magic
        var (recs, dmg) = frame(t.bytes)
        #expect(recs.count == 5)
        #expect(dmg == [Damage(offset: at, error: DecodeError(offset: end - 7, reason: .badTrailerMagic(0xb005)), skipped: end - at)])

        t = Trail(records: 4)
        t.bytes[end - 1] ^= 1  // trailer count
        (recs, dmg) = frame(t.bytes)
        #expect(recs.count == 5)
        #expect(dmg.first?.error.reason == .byteCountMismatch(header: UInt32(end - at), trailer: UInt32(end - at) ^ 1))
    }

    @Test func truncatedLastRecordIsReported() {
        let t = Trail(records: 3)
        let cut = Array(t.bytes.dropLast(t.recordBytes.last!.count + 10))
        let (recs, dmg) = frame(cut)
        #expect(recs.count == 3)
        let at = t.recordOffsets[3]
        #expect(dmg.count == 1)
        #expect(dmg.first?.offset == at)
        #expect(dmg.first?.skipped == cut.count - at)
        if case .truncatedRecord = dmg.first?.error.reason {} else { Issue.record("wrong reason \(String(describing: dmg.first))") }
    }

    @Test func oversizedByteCountIsNeverTrusted() {
        var r = RecordReader(maximumRecordSize: 1000)
        r.push([0x14, 0x00, 0x10, 0x00, 0x00] + [UInt8](repeating: 0, count: 20))
        #expect(r.next() == nil)  // resynchronizing, waiting for more input
        r.finish()
        #expect(r.next() == .damage(Damage(offset: 0, error: DecodeError(offset: 0, reason: .recordTooLarge(size: 0x100000, limit: 1000)), skipped: 25)))
        #expect(r.next() == nil)
    }

    @Test func streamingInAnyChunkSizeMatchesWholeBuffer() {
        var t = Trail(records: 12, kinds: HeaderKind.allCases)
        t.bytes.insert(contentsOf: [1, 2, 3, 0x14, 0x14], at: t.recordOffsets[5])
        t.bytes[t.recordOffsets[9] + 4] &+= 3
        let whole = RecordReader.items(in: t.bytes)
        #expect(whole.count == 14 + 2 - 1)
        for chunk in [1, 2, 3, 7, 64, 1000] {
            var r = RecordReader()
            var got: [RecordReader.Item] = []
            var i = 0
            while i < t.bytes.count {
                r.push(Array(t.bytes[i..<min(i + chunk, t.bytes.count)]))
                i += chunk
                while let it = r.next() { got.append(it) }
            }
            r.finish()
            while let it = r.next() { got.append(it) }
            #expect(got == whole, "chunk \(chunk)")
        }
    }

    /// A live stream must not stall behind a damaged byte count: once a complete valid record is
    /// buffered inside the bytes the count claims, the damage is reported and reading goes on.
    @Test func liveStreamDoesNotStallBehindAWrongByteCount() {
        var t = Trail(records: 6)
        let at = t.recordOffsets[2]
        let bad = UInt32(t.recordBytes[2].count + 100_000)
        t.bytes[at + 1] = UInt8(bad >> 24); t.bytes[at + 2] = UInt8((bad >> 16) & 0xff)
        t.bytes[at + 3] = UInt8((bad >> 8) & 0xff); t.bytes[at + 4] = UInt8(bad & 0xff)
        var r = RecordReader()
        var got: [RecordReader.Item] = []
        // Push record by record, never finishing: like an auditpipe on a quiet system.
        for (k, off) in t.recordOffsets.enumerated() {
            r.push(Array(t.bytes[off..<(off + t.recordBytes[k].count)]))
            while let it = r.next() { got.append(it) }
        }
        let records = got.compactMap { if case .record(let x) = $0 { return x.offset } else { return nil } }
        let damage = got.compactMap { if case .damage(let d) = $0 { return d } else { return nil } }
        #expect(records == t.recordOffsets.filter { $0 != at })
        #expect(damage.count == 1)
        #expect(damage.first?.offset == at)
        #expect(damage.first?.error.reason == .overlapsNextRecord(nextOffset: t.recordOffsets[3]))
        #expect(damage.first?.skipped == t.recordBytes[2].count)
    }

    /// Garbage that looks like the start of a long record must not stall resynchronization either.
    @Test func resyncDoesNotStallOnAPendingCandidate() {
        let t = Trail(records: 4)
        let junk: [UInt8] = [0xff, 0x14, 0x00, 0x01, 0x00, 0x00]  // damage, then a "header" claiming 64 KiB
        var r = RecordReader()
        var got: [RecordReader.Item] = []
        r.push(Array(t.bytes[0..<t.recordOffsets[2]]) + junk)
        while let it = r.next() { got.append(it) }
        for k in 2..<t.recordOffsets.count {
            r.push(t.recordBytes[k])
            while let it = r.next() { got.append(it) }
        }
        let records = got.compactMap { if case .record(let x) = $0 { return x.offset } else { return nil } }
        #expect(records.count == t.recordOffsets.count)
        #expect(got.filter { if case .damage = $0 { return true } else { return false } }.count == 1)
    }

    /// Randomly damaged trails pushed in random chunk sizes frame exactly like the whole buffer:
    /// the same records and the same damaged regions (the reason may differ: a stream can prove a
    /// byte count wrong before the data it claims has arrived).
    @Test func randomChunkingMatchesWholeBuffer() {
        var rng = SplitMix(seed: 99)
        let t = Trail(records: 25, kinds: HeaderKind.allCases)
        func key(_ items: [RecordReader.Item]) -> [String] {
            items.map {
                switch $0 {
                case .record(let r): return "r\(r.offset):\(r.count):\(r.bytes.hashValue)"
                case .damage(let d): return "d\(d.offset):\(d.skipped)"
                }
            }
        }
        for _ in 0..<200 {
            var b = t.bytes
            for _ in 0..<Int(rng.next() % 4) {
                let i = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: b.remove(at: i)
                default: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                }
            }
            let whole = key(RecordReader.items(in: b))
            var r = RecordReader()
            var got: [RecordReader.Item] = []
            var i = 0
            while i < b.count {
                let n = 1 + Int(rng.next() % 400)
                r.push(Array(b[i..<min(i + n, b.count)]))
                i += n
                while let it = r.next() { got.append(it) }
            }
            r.finish()
            while let it = r.next() { got.append(it) }
            #expect(key(got) == whole)
        }
    }

    /// A damaged file token whose length now covers the next records must not swallow them.
    @Test func damagedFileTokenDoesNotSwallowRecords() {
        var t = Trail(records: 5)
        // The opening file token's name length now also covers the first record.
        let len = t.recordBytes[0].count - 11 + t.recordBytes[1].count
        t.bytes[9] = UInt8(len >> 8); t.bytes[10] = UInt8(len & 0xff)
        let (recs, dmg) = frame(t.bytes)
        #expect(dmg.count == 1)
        #expect(dmg.first?.offset == 0)
        #expect(dmg.first?.error.reason == .badFileToken)
        #expect(recs.filter { $0.kind == .record }.count == 5)
    }

    /// Random damage never crashes or hangs, and every delivered record decodes or reports an error.
    @Test func randomDamageNeverCrashes() {
        var rng = SplitMix(seed: 42)
        let t = Trail(records: 30, kinds: HeaderKind.allCases)
        var tokens: [Token] = []
        for _ in 0..<300 {
            var b = t.bytes
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let i = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: b.remove(at: i)
                default: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                }
            }
            var end = 0
            for item in RecordReader.items(in: b) {
                switch item {
                case .record(let r):
                    #expect(r.offset >= end)
                    end = r.offset + r.count
                    _ = try? r.decodeTokens(into: &tokens)
                case .damage(let d):
                    #expect(d.offset >= end && d.skipped > 0)
                    end = d.resumeOffset
                }
            }
            #expect(end == b.count)
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

@Suite struct ReferenceTokenTests {
    /// Every OpenBSM reference token and record (test/reference, generate.c) decodes without error.
    @Test(.needsSamples) func openBSMReferenceFilesDecode() throws {
        let dir = try #require(samplesDir).appendingPathComponent("openbsm-reference")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names.count > 50)
        for name in names {
            let bytes = try readBytes(dir.appendingPathComponent(name))
            if name.contains("_token") {
                let tokens = try Token.decodeAll(bytes)
                #expect(tokens.count == 1, "\(name)")
                if case .unknown = tokens.first { Issue.record("\(name) decoded as unknown") }
                #expect(tokens.first?.encoded == bytes, "\(name) re-encodes differently")
            } else {
                let (recs, dmg) = frame(bytes)
                #expect(dmg.isEmpty, "\(name): \(dmg)")
                #expect(recs.count == 1, "\(name)")
                for r in recs {
                    let toks = try r.tokens()
                    #expect(!toks.contains { if case .unknown = $0 { return true } else { return false } }, "\(name)")
                    var re: [UInt8] = []
                    for t in toks { t.encode(into: &re) }
                    #expect(re == r.bytes.array, "\(name) re-encodes differently")
                }
            }
        }
    }
}

@Suite struct RobustnessTests {
    /// Random bytes biased towards token ids and small lengths: decoding and framing never trap,
    /// and framing accounts for every byte.
    @Test func randomBytesNeverTrap() throws {
        var rng = SplitMix(seed: 7)
        let ids: [UInt8] = Fixtures.allTokens.map { $0.1.id.rawValue } + [0x13, 0x00, 0xff, 0x99]
        var tokens: [Token] = []
        for round in 0..<2000 {
            var b: [UInt8] = []
            let n = Int(rng.next() % 300)
            for _ in 0..<n {
                switch rng.next() % 4 {
                case 0: b.append(ids[Int(rng.next() % UInt64(ids.count))])
                case 1: b.append(UInt8(rng.next() % 8))
                default: b.append(UInt8(truncatingIfNeeded: rng.next()))
                }
            }
            // Embed a valid record sometimes, so framing sees real records amid garbage.
            if round % 3 == 0 { b.insert(contentsOf: Fixtures.fileRecord(round), at: Int(rng.next() % UInt64(b.count + 1))) }
            _ = try? Token.decodeAll(b)
            var pos = 0
            while pos < b.count {
                guard let (_, next) = try? Token.decode(b, at: pos) else { break }
                #expect(next > pos && next <= b.count)
                pos = next
            }
            _ = try? Record(kind: .record, offset: 0, bytes: BSMBytes(b)).decodeTokens(into: &tokens)
            var it = Record(kind: .record, offset: 0, bytes: BSMBytes(b)).makeTokenIterator()
            var steps = 0
            while (try? it.next()) != nil, steps < 10_000 { steps += 1 }
            var covered = 0
            for item in RecordReader.items(in: b) {
                switch item {
                case .record(let r):
                    #expect(r.offset == covered)
                    covered += r.count
                    _ = try? r.decodeTokens(into: &tokens)
                case .damage(let d):
                    #expect(d.offset == covered)
                    covered += d.skipped
                }
            }
            #expect(covered == b.count)
        }
    }
}
