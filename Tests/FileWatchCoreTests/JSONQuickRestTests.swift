import Testing
@testable import FileWatchCore

/// The scanner's quick rest skip (`skipRestOfObjectQuickly`) and the word-at-a-time member name
/// decide exactly as the walks they replace: the same end, or the same error at the same offset.
@Suite struct JSONQuickRestTests {
    typealias Outcome = Result<Int, JSONError>

    /// Opens the object, reads its first member (its value skipped), then skips the rest quickly
    /// (`quick`) or by walking it; the end offset, or the error.
    static func rest(_ doc: [UInt8], quick: Bool) -> Outcome {
        doc.withUnsafeBytes { raw in
            var s = JSONScanner(raw, limits: JSONLimits(maxDepth: 8, maxInputBytes: 1 << 20))
            s.quickRests = quick
            do throws(JSONError) {
                try s.beginObject()
                if try s.nextKey() != nil {
                    try s.skipValueQuickly()
                    try s.skipRestOfObjectQuickly()
                }
                #expect(s.depth == 0)
                try s.finish()
                return .success(s.position)
            } catch {
                return .failure(error)
            }
        }
    }

    static let values = ["0", "33188", "-1", "1.5e3", "\"2026-03-14T09:20:00.000000000Z\"", "\"a}]\\\"{\"", "null", "true",
                         "{}", "[]", "{\"a\":[1,{\"b\":\"}\"}]}", "[[[[[[[[1]]]]]]]]", "\"\\u00e9\\/\""]

    @Test func restsOfEveryShapeEveryPrefixAndMutation() {
        var rng = SplitMix64(seed: 0x57A7)
        let alphabet = Array(#"}]{[",:0123456789 \"#.utf8) + [0x0A, 0x01, 0xC3]
        var valid = 0, invalid = 0
        for round in 0..<3000 {
            var text = "{"
            for m in 0..<(1 + Int(rng.next() % 7)) {
                if m > 0 { text += rng.next() % 8 == 0 ? " , " : "," }
                text += "\"st_\(m)\":" + Self.values[Int(rng.next() % UInt64(Self.values.count))]
            }
            var doc = Array((text + (rng.next() % 6 == 0 ? " }" : "}")).utf8)
            if round % 2 == 1 {
                doc[Int(rng.next() % UInt64(doc.count))] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            }
            for k in (round % 10 == 0 ? 0 : doc.count)...doc.count {
                let prefix = Array(doc[..<k])
                let quick = Self.rest(prefix, quick: true), walked = Self.rest(prefix, quick: false)
                #expect(quick == walked, "\(String(decoding: prefix, as: UTF8.self))")
                if case .success = walked { valid += 1 } else { invalid += 1 }
            }
        }
        #expect(valid > 1000 && invalid > 1000, "both kinds are reached: \(valid) \(invalid)")
    }

    @Test func nestingLimitCountsTheOpenObject() {
        // maxDepth 8: the object (1) and seven more levels pass, eight more do not, as for the walk.
        for extra in 6...9 {
            let doc = Array(("{\"a\":1,\"b\":" + String(repeating: "[", count: extra) + String(repeating: "]", count: extra) + "}").utf8)
            #expect(Self.rest(doc, quick: true) == Self.rest(doc, quick: false), "\(extra)")
        }
    }

    /// `\/`, `\"` and `\\` are passed over inside scanString, the other escapes checked by
    /// scanEscape: every prefix of a string holding them fails at its end, the whole decodes, and
    /// a bad escape after them is still refused at its offset.
    @Test func escapesOfEveryKindAndEveryPrefix() {
        func read(_ text: [UInt8]) -> Result<[UInt8], JSONError> {
            text.withUnsafeBytes { raw in
                var s = JSONScanner(raw)
                do throws(JSONError) {
                    let v = try s.readString()
                    try s.finish()
                    return .success(s.bytes(of: v))
                } catch {
                    return .failure(error)
                }
            }
        }
        let text = Array(#""\/Users\/a\"b\\c\u00e9\n\/""#.utf8)
        #expect(read(text) == .success(Array("/Users/a\"b\\c\u{e9}\n/".utf8)))
        for k in 1..<text.count {
            guard case .failure(let e) = read(Array(text[..<k])), case .unexpectedEnd = e.reason else {
                Issue.record("prefix \(k) did not fail at its end"); continue
            }
            #expect(e.offset <= k && e.offset >= k - 5, "prefix \(k): \(e)")
        }
        // After a backslash at the very end: the escape is what is missing.
        #expect(read(Array(#""\/\"#.utf8)) == .failure(JSONError(.unexpectedEnd(expected: "an escape sequence"), offset: 4)))
        #expect(read(Array(#""\/\\\x""#.utf8)) == .failure(JSONError(.invalidEscape, offset: 5)))
    }

    /// `nextKey`'s short path (eight bytes of a name at a time) against the general one, for names
    /// of every length up to 40 with a byte that ends the short path at every place.
    @Test func memberNamesWordAtATime() {
        let stops: [UInt8] = [0x22, 0x5C, 0x1F, 0x00, 0x7F, 0x80, 0xC3, 0x20, 0x3A, 0x7D]
        let tails = [#"":1}"#, #"" :1}"#, #"""#, "", #"":"#, #""}"#]
        for length in 0...40 {
            for stop in [nil] + (0..<length).map({ Optional($0) }) {
                for byte in stop == nil ? [0x61] : stops {
                    for tail in tails {
                        var name = Array(repeating: UInt8(ascii: "k"), count: length)
                        if let stop { name[stop] = byte }
                        for lead in [Array("{\"".utf8), Array("{\"a\":1,\"".utf8)] {
                            let doc = lead + name + Array(tail.utf8)
                            #expect(Self.keys(doc, short: true) == Self.keys(doc, short: false),
                                    "\(length) \(String(describing: stop)) \(byte) \(tail)")
                        }
                    }
                }
            }
        }
    }

    /// Each member name's range and the position after it, then the error; `short` false: the
    /// general path only.
    static func keys(_ doc: [UInt8], short: Bool) -> [String] {
        doc.withUnsafeBytes { raw in
            var s = JSONScanner(raw)
            var out: [String] = []
            do throws(JSONError) {
                try s.beginObject()
                while let key = try (short ? s.nextKey() : s.nextKeyInGeneral()) {
                    out.append("\(key) \(s.position)")
                    try s.skipValue()
                }
                out.append("end \(s.position)")
            } catch {
                out.append("\(error)")
            }
            return out
        }
    }
}
