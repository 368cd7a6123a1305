import Foundation
import Testing
@testable import BSM
import TestSupport

/// Records whose framing is intact but which hold a token no kernel writes, and damage that never
/// ends: `print` keeps praudit's text, and says what was wrong where.
@Suite struct InnerProblemTests {
    static let events = PrinterTokenTests.events

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }

    /// A record (header32, or header32_ex with address type `exType` and `exAddress`) around `body`.
    static func record(_ body: [UInt8], exType: UInt32? = nil, exAddress: [UInt8] = []) -> [UInt8] {
        let headerLength = exType == nil ? 18 : 18 + 4 + exAddress.count
        let size = UInt32(headerLength + body.count + 7)
        var h: [UInt8] = [exType == nil ? 0x14 : 0x15] + be32(size) + [11] + be16(72) + be16(0)
        if let exType { h += be32(exType) + exAddress }
        h += be32(1_700_000_000) + be32(0)
        return h + body + [0x13] + be16(0xb105) + be32(size)
    }
    static let subject: [UInt8] = [0x24] + [0, 0, 0, 0, 0, 10, 1, 0, 0].flatMap { be32($0) }
    static func path(_ s: String) -> [UInt8] { let b = Array(s.utf8) + [0]; return [0x23] + be16(UInt16(b.count)) + b }
    static let ret: [UInt8] = [0x27, 0] + be32(0)
    static let good = record(subject + path("/good") + ret)

    /// name, bad record, offset of the problem within the bad record, words of the message.
    static let cases: [(String, [UInt8], Int, String)] = [
        ("unknown token id", record(subject + [0xee, 1, 2, 3] + path("/x") + ret), 18 + 37, "unknown token id 0xee"),
        ("exec_args count larger than its strings", record([0x3c] + be32(5) + Array("ls".utf8) + [0] + subject + ret), 18,
         "exec_args token announces 5 strings but holds fewer"),
        ("unknown data format", record([0x21, 9, 0, 2, 0x61, 0x62] + subject + ret), 18, "data token has unknown format 9"),
        ("header_ex address type 7", record(subject + path("/y") + ret, exType: 7, exAddress: [1, 2, 3, 4, 5, 6, 7]), 10,
         "header32_ex token has address type 7 (expected 4 or 16)"),
    ]

    @Test(arguments: 0..<4)
    func innerTokenProblemIsReportedAndPrintedAsPraudit(_ k: Int) throws {
        let (name, bad, at, words) = Self.cases[k]
        let input = Self.good + bad + Self.good
        let (text, problems) = printTrail(input, flags: "n", events: Self.events)
        // The text is what printing each record alone gives (praudit's), nothing left out.
        let alone = [Self.good, bad, Self.good].map { printTrail($0, flags: "n", events: Self.events).text }
        #expect(text == alone.flatMap { $0 }, "\(name)")
        #expect(problems.count == 1, "\(name): \(problems)")
        let p = try #require(problems.first)
        #expect(p.offset == Self.good.count + at, "\(name): \(p)")
        #expect(p.message.contains(words), "\(name): \(p.message)")
        #expect(p.message.contains("in the record at offset \(Self.good.count)"), "\(name)")
        #expect(p.skipped == 0)
        // The same check on decoded tokens (watch's path) finds the same problem at the same offset.
        let items = RecordReader.items(in: input)
        guard case .record(let r) = items[1] else { Issue.record("\(name): not framed"); return }
        var tokens: [Token] = []
        try r.decodeTokens(into: &tokens)
        #expect(r.innerProblem(tokens: tokens)?.offset == p.offset, "\(name)")
    }

    @Test func intactRecordsAndSamplesHaveNoProblem() throws {
        var tokens: [Token] = []
        for item in RecordReader.items(in: Self.good + PrinterDamageTests.rec(1)) {
            guard case .record(let r) = item else { Issue.record("damage in a clean input"); continue }
            try r.decodeTokens(into: &tokens)
            #expect(r.innerProblem(tokens: tokens) == nil)
        }
        // Exec arguments that are what they say, followed by more tokens.
        let exec = Self.record([0x3c] + Self.be32(2) + Array("ls\0-l\0".utf8) + Self.subject + Self.ret)
        #expect(printTrail(exec, flags: "n", events: Self.events).problems.isEmpty)
    }

    @Test(.needsSamples) func realTrailsHaveNoInnerProblems() throws {
        let dir = try #require(samplesDir)
        for name in ["freebsd-13-logins-execs.bsm", "freebsd-13-session.bsm", "macos-10.9-plaso.bsm",
                     "openbsm-execve-long-args.bsm", "openbsm-generated-plaso.bsm"] {
            let bytes = try readBytes(dir.appendingPathComponent(name))
            #expect(printTrail(bytes, flags: "n", events: Self.events).problems.isEmpty, "\(name)")
        }
        // OpenBSM's reference records (every token kind its generator writes).
        let reference = dir.appendingPathComponent("openbsm-reference")
        let records = try FileManager.default.contentsOfDirectory(atPath: reference.path).filter { $0.contains("_record") }
        #expect(records.count > 40)
        for name in records {
            let problems = printTrail(try readBytes(reference.appendingPathComponent(name)), flags: "n", events: Self.events).problems
            #expect(problems.isEmpty, "\(name): \(problems)")
        }
    }

    // MARK: Endless damage

    /// `count` zero bytes pushed in chunks of 64 KiB, never finished: what the reader reports meanwhile.
    static func damageWhileReading(_ garbage: [UInt8]) -> [Damage] {
        var reader = RecordReader()
        var out: [Damage] = []
        var i = 0
        while i < garbage.count {
            reader.push(Array(garbage[i..<min(garbage.count, i + 65536)]))
            i += 65536
            while let item = reader.next() {
                if case .damage(let d) = item { out.append(d) }
            }
        }
        return out
    }

    @Test func endlessZerosAreReportedWithinTheFirstMiBAndThenInGrowingParts() {
        let parts = Self.damageWhileReading([UInt8](repeating: 0, count: 8 << 20))
        // 1 MiB, then 2 and 4 (the next part, 8 MiB long, is not complete yet).
        #expect(parts.map(\.offset) == [0, 1 << 20, 3 << 20], "\(parts)")
        #expect(parts.map(\.skipped) == [1 << 20, 2 << 20, 4 << 20], "\(parts)")
        #expect(parts.first?.error.reason == .unknownRecordStart(id: 0))
        #expect(parts.dropFirst().allSatisfy { $0.error.reason == .stillDamaged })
    }

    @Test func endlessRandomBytesAreReportedWhileRead() {
        var g = SplitMix(seed: 17)
        let random = (0..<(12 << 20)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        let parts = Self.damageWhileReading(random)
        #expect(parts.count >= 2, "\(parts)")
        #expect(parts.first.map { $0.offset == 0 && $0.skipped <= 1 << 20 } == true, "within the first MiB: \(parts)")
        // The parts follow each other without gaps.
        for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.resumeOffset <= b.offset, "\(a) \(b)") }
    }

    @Test func pendingDamageIsTheDamageReadSoFar() {
        var reader = RecordReader()
        reader.push([UInt8](repeating: 0xff, count: 100_000))
        while reader.next() != nil {}
        let d = reader.pendingDamage
        #expect(d?.offset == 0 && d?.skipped == 100_000, "\(String(describing: d))")
        // After a part was reported, what is pending starts where that part ended.
        reader.push([UInt8](repeating: 0xff, count: 1 << 20))
        var parts: [Damage] = []
        while let item = reader.next() { if case .damage(let p) = item { parts.append(p) } }
        #expect(parts.map(\.skipped) == [1 << 20])
        #expect(reader.pendingDamage?.offset == 1 << 20 && reader.pendingDamage?.skipped == 100_000)
        // A record cut off by the stop is not damage.
        var clean = RecordReader()
        clean.push(Array(Self.good.prefix(30)))
        while clean.next() != nil {}
        #expect(clean.pendingDamage == nil)
    }

    @Test func aRecordAfterLongGarbageIsStillDelivered() {
        let garbage = [UInt8](repeating: 0, count: 3 << 20)
        var reader = RecordReader()
        var records = 0, skipped = 0
        for chunk in [garbage, Self.good, Self.good] {
            reader.push(chunk)
            while let item = reader.next() {
                switch item {
                case .record: records += 1
                case .damage(let d): skipped += d.skipped
                }
            }
        }
        reader.finish()
        while let item = reader.next() { if case .record = item { records += 1 } }
        #expect(records == 2)
        #expect(skipped == garbage.count)
    }
}
