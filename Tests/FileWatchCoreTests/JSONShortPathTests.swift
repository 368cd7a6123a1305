import Testing
@testable import FileWatchCore

/// The scanner's short paths (plain member names, skipped integers) and the line splitter's
/// 32-byte step decide exactly as the general code does.
@Suite struct JSONShortPathTests {
    /// Walks one object's members: their names (decoded) and then the error, if any. `quick`:
    /// values skipped with `skipValueQuickly` (short path for integers), else with `skipValue`.
    static func walk(_ bytes: [UInt8], quick: Bool) -> (keys: [[UInt8]], error: JSONError?) {
        bytes.withUnsafeBytes { raw in
            var s = JSONScanner(raw)
            var keys: [[UInt8]] = []
            do throws(JSONError) {
                try s.beginObject()
                while let key = try s.nextKey() {
                    keys.append(s.bytes(of: key))
                    if quick { try s.skipValueQuickly() } else { try s.skipValue() }
                }
                try s.finish()
                return (keys, nil)
            } catch {
                return (keys, error)
            }
        }
    }

    @Test func namesOfEveryShape() {
        let text = #"{"a\u0062":1,"é":2,"x" :3, "y":4,"":5,"t\"q":6,"tab\tname":7,"0":-0,"n":0}"#
        let (keys, error) = Self.walk(Array(text.utf8), quick: true)
        #expect(error == nil)
        #expect(keys.map { String(decoding: $0, as: UTF8.self) } == ["ab", "é", "x", "y", "", "t\"q", "tab\tname", "0", "n"])
        // A raw control byte in a name is refused as before, at its offset.
        let raw = Array(#"{"a":1,"b"#.utf8) + [0x09] + Array(#"c":2}"#.utf8)
        #expect(Self.walk(raw, quick: true).error == JSONError(.controlCharacterInString(0x09), offset: 9))
    }

    /// Flat objects with integers of every shape (`0`, `01`, `-0`, `1.5`, `1e3`, `12a`), names
    /// plain, escaped, non-ASCII or spaced, randomly mutated, and every prefix of them: the quick
    /// walk and the strict walk give the same names and the same error at the same offset.
    /// (Scalars only: inside objects and arrays `skipValueQuickly` checks structure alone, by design.)
    @Test func quickAndStrictWalksAgree() {
        var rng = SplitMix64(seed: 0xE5_5EED)
        let values = ["0", "7", "01", "-0", "-12", "1.5", "1e3", "12a", "123456789012345678901234", "\"s\"", "true", "null", "0 "]
        let names = ["a", "st_mode", "a\\u0062", "\u{e9}", "", "q\\\"", " spaced", "x y"]
        let alphabet = Array(#"}]",:0123456789-+.eE \"#.utf8) + [0x0A, 0x09, 0x01, 0xC3]
        for round in 0..<4000 {
            var text = "{"
            for m in 0..<Int(rng.next() % 6) {
                if m > 0 { text += rng.next() % 8 == 0 ? " , " : "," }
                text += "\"" + names[Int(rng.next() % UInt64(names.count))] + "\":" + values[Int(rng.next() % UInt64(values.count))]
            }
            var bytes = Array((text + "}").utf8)
            if round % 2 == 1 {
                let at = Int(rng.next() % UInt64(bytes.count))
                bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            }
            for k in (round % 10 == 0 ? 0 : bytes.count)...bytes.count {
                let doc = Array(bytes[..<k])
                let quick = Self.walk(doc, quick: true), strict = Self.walk(doc, quick: false)
                #expect(quick.keys == strict.keys && quick.error == strict.error, "\(String(decoding: doc, as: UTF8.self))")
            }
        }
    }

    /// A newline at every offset of a 32-byte step, around a chunk's end.
    @Test func newlinesAtEveryOffsetOfTheWideStep() {
        for k in 0..<100 {
            let stream = Array((String(repeating: "a", count: k) + "\n" + String(repeating: "b", count: 70) + "\n").utf8)
            for cut in [0, k / 2, k, k + 1, stream.count] {
                var splitter = LineSplitter()
                var lines: [String] = []
                let take = { (piece: LineSplitter.Piece) in
                    if case .line(let b, _, _) = piece { lines.append(String(decoding: b, as: UTF8.self)) }
                }
                stream[..<cut].withUnsafeBytes { splitter.push($0, take) }
                stream[cut...].withUnsafeBytes { splitter.push($0, take) }
                splitter.finish(take)
                #expect(lines == [String(repeating: "a", count: k), String(repeating: "b", count: 70)], "k \(k) cut \(cut)")
            }
        }
    }
}
