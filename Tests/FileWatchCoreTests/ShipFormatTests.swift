import Foundation
import Testing
@testable import FileWatchCore

@Suite struct RELPFrameTests {
    @Test func roundTripAndEveryPrefixNeedsMore() throws {
        let frames = [RELPFrame(transaction: 1, command: "rsp", data: Array("200 OK\nrelp_version=0".utf8)),
                      RELPFrame(transaction: 999_999_999, command: "serverclose", data: []),
                      RELPFrame(transaction: 7, command: "syslog", data: Array("a\nb c".utf8))]
        for f in frames {
            let bytes = f.encoded()
            let (decoded, used) = try #require(try RELPDecoder.decode(bytes))
            #expect(decoded == f)
            #expect(used == bytes.count)
            for n in 0..<bytes.count { #expect(try RELPDecoder.decode(bytes.prefix(n)) == nil, "prefix \(n)") }
        }
        #expect(RELPFrame(transaction: 3, command: "rsp", data: Array("500 busy".utf8)).response?.code == 500)
    }

    @Test func garbageIsAnErrorWithItsOffset() {
        #expect(throws: RELPDecodeError.self) { try RELPDecoder.decode(Array("x rsp 0\n".utf8)) }
        #expect(throws: RELPDecodeError.self) { try RELPDecoder.decode(Array("1 rsp 2 OKX".utf8)) }
        #expect(throws: RELPDecodeError.self) { try RELPDecoder.decode(Array("1234567890 rsp 0\n".utf8)) }
        do { _ = try RELPDecoder.decode(Array("1 r5p 0\n".utf8)) } catch { #expect(error.offset == 3) }
    }
}

@Suite struct SyslogFormatterTests {
    let identity = RecordIdentity(hostName: "host one", hostID: "abc", runID: "0000000000000001")

    @Test func headerHasTheEventTimeInMicrosecondsAndNoBOM() throws {
        let f = SyslogFormatter(schema: ECSSchema(identity: identity), hostName: "host one", processID: 42, maxBytes: 8192)
        let m = f.messages(for: ev(.write, path: "/x"), firstSequence: 9)
        #expect(m.count == 1)
        let text = String(decoding: m[0], as: UTF8.self)
        #expect(text.hasPrefix("<110>1 2023-11-14T22:13:20.123456Z hostone filewatcher 42 write - {\"@timestamp\""), "\(text)")
        #expect(!m[0].starts(with: [0xEF, 0xBB, 0xBF]) && !text.contains("\u{FEFF}"))
        #expect(text.contains("\"sequence\":9"))
    }

    @Test func longEventsAreTruncatedArgumentsFirstNeverDropped() throws {
        var e = ev(.exec, path: "/usr/bin/tool")
        e.process.arguments = (0..<400).map { ByteString("argument-\($0)-" + String(repeating: "x", count: 40)) }
        let f = SyslogFormatter(schema: ECSSchema(identity: identity), hostName: "h", processID: 1, maxBytes: 8192)
        let m = try #require(f.messages(for: e, firstSequence: 1).first)
        #expect(m.count <= 8192)
        let json = try #require(String(decoding: m, as: UTF8.self).split(separator: " ", maxSplits: 7).last)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let args = try #require((obj["process"] as? [String: Any])?["args"] as? [String])
        #expect(args.count < 400 && args.count > 10, "\(args.count) \(args.suffix(2)) \(m.count)")
        #expect(args.last?.contains("more arguments truncated") == true || args.last?.hasSuffix(SyslogFormatter.truncationMarker) == true)
        #expect(((obj["file"] as? [String: Any])?["path"] as? String) == "/usr/bin/tool", "the path is kept whole")

        var long = ev(.open, path: ByteString(String(repeating: "/very-long-directory-name", count: 600)))
        long.process.arguments = ["a"]
        let m2 = try #require(f.messages(for: long, firstSequence: 2).first)
        #expect(m2.count <= 8192)
        #expect(String(decoding: m2, as: UTF8.self).contains(SyslogFormatter.truncationMarker))
    }
}
