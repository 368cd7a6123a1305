import Testing
@testable import BSM
import TestSupport

/// Damaged input: every damaged region is reported with its offset and what was wrong, and every
/// valid record around it is printed exactly as it would be alone.
@Suite struct PrinterDamageTests {
    static let events = PrinterTokenTests.events

    static func rec(_ i: Int) -> [UInt8] {
        RecordBuilder(event: 72, seconds: UInt64(100 + i), tokens: [
            .path(BSMBytes(Array("/file\(i)".utf8) + [0])),
            .return32(ReturnToken(status: 0, value: UInt64(i))),
        ]).bytes
    }

    /// What printing the given records alone gives.
    static func clean(_ ids: [Int], flags: String = "n") -> String {
        String(decoding: printTrail(ids.flatMap(rec), flags: flags, events: events).text, as: UTF8.self)
    }

    static func run(_ bytes: [UInt8], flags: String = "n", chunk: Int = .max, partial: Bool = false) -> (String, [PrintProblem]) {
        let (t, p) = printTrail(bytes, flags: flags, events: events, chunk: chunk, partial: partial)
        return (String(decoding: t, as: UTF8.self), p)
    }

    @Test(arguments: [Int.max, 1, 7, 64])
    func garbageBetweenRecords(chunk: Int) {
        let junk: [UInt8] = [0xde, 0xad, 0x14, 0x00, 0x00, 0x00, 0x03, 0xbe, 0xef]
        let bytes = Self.rec(0) + junk + Self.rec(1) + Self.rec(2)
        let (text, problems) = Self.run(bytes, chunk: chunk)
        #expect(text == Self.clean([0, 1, 2]))
        #expect(problems.count == 1)
        #expect(problems.first?.offset == Self.rec(0).count)
        #expect(problems.first?.skipped == junk.count)
        #expect(problems.first?.message.contains("garbage") == true)
    }

    @Test func wrongByteCountIsReportedAndTheRestPrinted() {
        var r1 = Self.rec(1)
        r1[4] &+= 3  // header byte count no longer lands on the trailer
        let bytes = Self.rec(0) + r1 + Self.rec(2) + Self.rec(3)
        let (text, problems) = Self.run(bytes)
        #expect(text == Self.clean([0, 2, 3]))
        #expect(problems.count == 1)
        #expect(problems[0].offset == Self.rec(0).count)
        #expect(problems[0].skipped == r1.count)
    }

    @Test func badTrailerMagic() {
        var r1 = Self.rec(1)
        r1[r1.count - 6] = 0x00
        let (text, problems) = Self.run(Self.rec(0) + r1 + Self.rec(2))
        #expect(text == Self.clean([0, 2]))
        #expect(problems.count == 1)
        #expect(problems[0].message.contains("trailer"))
    }

    @Test func truncatedLastRecord() {
        let r2 = Self.rec(2)
        let bytes = Self.rec(0) + Self.rec(1) + r2.prefix(r2.count - 4)
        let (text, problems) = Self.run(bytes, chunk: 5)
        #expect(text == Self.clean([0, 1]))
        #expect(problems.count == 1)
        #expect(problems[0].offset == Self.rec(0).count + Self.rec(1).count)
        #expect(problems[0].message.contains("truncated"))
    }

    @Test func hugeByteCountIsNotTrusted() {
        var r0 = Self.rec(0)
        r0[1] = 0xff; r0[2] = 0xff; r0[3] = 0xff; r0[4] = 0xff
        let (text, problems) = Self.run(r0 + Self.rec(1))
        #expect(text == Self.clean([1]))
        #expect(problems.count == 1)
        #expect(problems[0].offset == 0)
    }

    @Test func undecodableTokenInsideAFramedRecord() {
        // An in_addr_ex with address type 7 cannot be decoded: praudit prints the record up to
        // it; we do the same, close the XML record, and report it.
        var body: [UInt8] = []
        Token.text("before\0").encode(into: &body)
        body += [0x7e, 0, 0, 0, 7, 1, 2, 3, 4]
        var bytes: [UInt8] = []
        RecordBuilder(event: 72, seconds: 100).encode(into: &bytes)
        // Splice the body in before the trailer and fix both byte counts.
        let header = Array(bytes.prefix(18))
        let size = UInt32(18 + body.count + 7)
        var rec = header + body + [0x13, 0xb1, 0x05] + withUnsafeBytes(of: size.bigEndian, Array.init)
        rec.replaceSubrange(1..<5, with: withUnsafeBytes(of: size.bigEndian, Array.init))
        let (text, problems) = Self.run(rec + Self.rec(1))
        #expect(text == "header,\(size),11,open(2) - read,0,Thu Jan  1 00:01:40 1970, + 0 msec\ntext,before\n" + Self.clean([1]))
        #expect(problems.count == 1)
        #expect(problems[0].offset == 18 + 10 + 1)  // the bad address type field
        let (xml, _) = Self.run(rec + Self.rec(1), flags: "xn")
        #expect(xml.contains("<text>before</text>\n</record>\n<record"))
        #expect(xml.hasSuffix("</record>\n</audit>\n"))
    }

    @Test func partialStartSkipsTheCutOffRecordSilently() {
        let bytes = Array(Self.rec(0).dropFirst(9)) + Self.rec(1)
        let (text, problems) = Self.run(bytes, partial: true)
        #expect(text == Self.clean([1]))
        #expect(problems.isEmpty)
        let (text2, problems2) = Self.run(bytes, partial: false)
        #expect(text2 == Self.clean([1]))
        #expect(problems2.count == 1)
        // All garbage, no record after it: reported even with -p.
        let (_, problems3) = Self.run([1, 2, 3], partial: true)
        #expect(problems3.count == 1)
    }

    @Test func everyTruncatedPrefixIsReportedNeverCrashes() {
        let all = Self.rec(0) + Self.rec(1)
        for n in 0..<all.count {
            let (_, problems) = Self.run(Array(all.prefix(n)))
            if n != 0 && n != Self.rec(0).count { #expect(problems.count == 1, "prefix \(n)") }
        }
    }

    @Test(.needsSamples) func damagedSampleTrailIsRecovered() throws {
        let dir = try #require(samplesDir)
        let bytes = try readBytes(dir.appendingPathComponent("freebsd-13-damaged-size.bsm"))
        let (text, problems) = Self.run(bytes)
        // praudit prints nothing at all for this file.
        #expect(!problems.isEmpty)
        #expect(text.contains("header,"))
        print("freebsd-13-damaged-size.bsm: \(problems)")
    }
}
