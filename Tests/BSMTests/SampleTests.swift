import Foundation
import Testing
@testable import BSM
import TestSupport

@Suite struct SampleTrailTests {
    static let trails = ["macos-10.9-plaso.bsm", "openbsm-generated-plaso.bsm", "freebsd-start-stop.bsm",
                         "freebsd-13-logins-execs.bsm", "freebsd-13-session.bsm", "freebsd-13-short.bsm",
                         "openbsm-execve-long-args.bsm"]

    @Test(.needsSamples, arguments: trails) func decodesPublicTrailWithoutDamage(_ name: String) throws {
        let dir = try #require(samplesDir)
        let bytes = try readBytes(dir.appendingPathComponent(name))
        let items = RecordReader.items(in: bytes)
        var records = 0
        var tokens: [Token] = []
        for item in items {
            switch item {
            case .damage(let d): Issue.record("\(name): unexpected damage \(d)")
            case .record(let r):
                records += 1
                try r.decodeTokens(into: &tokens)
                #expect(!tokens.isEmpty)
            }
        }
        // praudit's output has one line starting with "header" per record.
        let text = try String(contentsOf: dir.appendingPathComponent("praudit/\(name).n.txt"), encoding: .isoLatin1)
        let headers = text.split(separator: "\n").filter { $0.hasPrefix("header") }.count
        let headerRecords = items.filter { if case .record(let r) = $0 { return r.kind == .record } else { return false } }.count
        #expect(headerRecords == headers)
        print("\(name): \(records) records")
    }

    @Test(.needsSamples) func damagedSizeTrailReportsDamageAndKeepsTheRest() throws {
        let dir = try #require(samplesDir)
        let good = RecordReader.items(in: try readBytes(dir.appendingPathComponent("freebsd-13-short.bsm")))
        let items = RecordReader.items(in: try readBytes(dir.appendingPathComponent("freebsd-13-damaged-size.bsm")))
        let damages = items.compactMap { if case .damage(let d) = $0 { return d } else { return nil } }
        let recs = items.compactMap { if case .record(let r) = $0 { return r } else { return nil } }
        for d in damages { print("damaged-size: \(d)") }
        #expect(damages.count >= 1)
        #expect(recs.count >= 1)
        #expect(recs.count < good.count)
        for r in recs { _ = try r.tokens() }
    }
}
