import Foundation
import Testing
@testable import FileWatchCore

/// Runs `body` with a scanner over `bytes`.
func scan<R>(_ bytes: [UInt8], baseOffset: Int = 0, limits: JSONLimits = JSONLimits(),
             _ body: (inout JSONScanner) throws -> R) throws -> R {
    try bytes.withUnsafeBytes { raw in
        var s = JSONScanner(raw, baseOffset: baseOffset, limits: limits)
        return try body(&s)
    }
}

func scan<R>(_ text: String, _ body: (inout JSONScanner) throws -> R) throws -> R {
    try scan(Array(text.utf8), body)
}

/// Checks a whole document: one value, then nothing but whitespace.
func validate(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) throws {
    try scan(bytes, limits: limits) { (s: inout JSONScanner) throws in
        try s.skipValue()
        try s.finish()
    }
}

func jsonError(_ body: () throws -> Void) -> JSONError? {
    do {
        try body()
        return nil
    } catch let e as JSONError {
        return e
    } catch {
        Issue.record("not a JSONError: \(error)")
        return nil
    }
}

@Suite struct JSONScannerTests {
    static let document = """
        {"a": [1, -2.5e3, true, false, null, {"b": "x\\ny"}], "c": {}, "d": [], "e": "caf\u{e9}",
         "f": 18446744073709551615, "g": -9223372036854775808, "h": "\\ud83d\\ude00"}
        """

    @Test func walksAnObject() throws {
        var keys: [String] = []
        var values: [String] = []
        try scan(Self.document) { (s: inout JSONScanner) throws in
            try s.beginObject()
            #expect(s.depth == 1)
            while let key = try s.nextKey() {
                keys.append(s.string(of: key))
                switch s.string(of: key) {
                case "a":
                    try s.beginArray()
                    #expect(try s.nextElement()); #expect(try s.readInt64() == 1)
                    #expect(try s.nextElement()); #expect(try s.readDouble() == -2500)
                    #expect(try s.nextElement()); #expect(try s.readBool() == true)
                    #expect(try s.nextElement()); #expect(try s.readBool() == false)
                    #expect(try s.nextElement()); #expect(try s.consumeNull())
                    #expect(try s.nextElement()); #expect(try s.peek() == .object)
                    let raw = try s.skipValue()
                    #expect(String(decoding: UnsafeRawBufferPointer(rebasing: s.input[raw]), as: UTF8.self) == #"{"b": "x\ny"}"#)
                    #expect(try !s.nextElement())
                case "c":
                    try s.beginObject(); #expect(try s.nextKey() == nil)
                case "d":
                    try s.beginArray(); #expect(try !s.nextElement())
                case "e":
                    let str = try s.readString()
                    #expect(str.hasNonASCII && !str.hasEscapes)
                    values.append(s.string(of: str))
                case "f": #expect(try s.readUInt64() == UInt64.max)
                case "g": #expect(try s.readInt64() == Int64.min)
                case "h": values.append(s.string(of: try s.readString()))
                default: Issue.record("unexpected key")
                }
            }
            #expect(s.depth == 0)
            try s.finish()
        }
        #expect(keys == ["a", "c", "d", "e", "f", "g", "h"])
        #expect(values == ["caf\u{e9}", "\u{1F600}"])
    }

    @Test func decodesEveryEscape() throws {
        let text = #""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\uD834\uDD1E\u0000""#
        let (bytes, flags) = try scan(text) { (s: inout JSONScanner) throws in
            let str = try s.readString()
            var out: [UInt8] = []
            let flags = s.decode(str, into: &out)
            return (out, flags)
        }
        #expect(bytes == Array("\"\\/\u{8}\u{c}\n\r\tA\u{e9}\u{20ac}\u{1D11E}".utf8) + [0])
        #expect(flags.isEmpty)
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        for (text, expected) in [(#""a\uD800b""#, "a\u{FFFD}b"), (#""\uDC00""#, "\u{FFFD}"),
                                 (#""\uD800\u0041""#, "\u{FFFD}A"), (#""\uD800\uD800\uDC00""#, "\u{FFFD}\u{10000}"),
                                 (#""x\uDBFF""#, "x\u{FFFD}")] {
            let (bytes, flags) = try scan(text) { (s: inout JSONScanner) throws in
                let str = try s.readString()
                var out: [UInt8] = []
                return (out, s.decode(str, into: &out)) as ([UInt8], JSONStringDecoding)
            }
            _ = bytes
            let decoded = try scan(text) { (s: inout JSONScanner) throws in s.bytes(of: try s.readString()) }
            #expect(decoded == Array(expected.utf8), "\(text)")
            #expect(flags.contains(.loneSurrogate), "\(text)")
            #expect(!flags.contains(.invalidUTF8))
        }
    }

    @Test func rawBytesThatAreNotUTF8PassThrough() throws {
        // A file name with bytes 0xFF and a lone continuation byte, with and without an escape.
        for tail in [[UInt8](), Array(#"\n"#.utf8)] {
            let name: [UInt8] = [0x2F, 0x74, 0xFF, 0x80, 0x61] + tail
            let json = [0x22] + name + [0x22]
            let (bytes, flags, str) = try scan(json) { (s: inout JSONScanner) throws in
                let str = try s.readString()
                var out: [UInt8] = []
                let flags = s.decode(str, into: &out)
                return (out, flags, str)
            }
            #expect(bytes == [0x2F, 0x74, 0xFF, 0x80, 0x61] + (tail.isEmpty ? [] : [0x0A]))
            #expect(flags == .invalidUTF8)
            #expect(str.hasNonASCII)
        }
        // Valid multi-byte UTF-8 is not flagged.
        let ok = try scan("\"\u{e9}\u{1F600}\\t\"") { (s: inout JSONScanner) throws in
            let str = try s.readString()
            var out: [UInt8] = []
            return s.decode(str, into: &out)
        }
        #expect(ok.isEmpty)
    }

    @Test func ourJSONSinkTwinsRoundTripExactBytes() throws {
        let name: [UInt8] = Array("/tmp/caf".utf8) + [0xE9, 0x0A, 0xFF] + Array(".txt".utf8)
        var event = Event(time: 1_700_000_000_000_000, kind: .open, process: ProcessSubject(pid: 1, name: "x"),
                          path: ByteString(name), source: .trail)
        event.process.arguments = [ByteString([0x61, 0xC3]), "b"]
        let mem = MemoryWriter()
        let sink = JSONSink(output: OutputBuffer(writer: mem, lineBuffered: true))
        try sink.write(event)
        var path: [UInt8]?, pathText: [UInt8]?, args: [[UInt8]] = []
        try scan(mem.bytes) { (s: inout JSONScanner) throws in
            try s.beginObject()
            while let key = try s.nextKey() {
                if s.equals(key, "path") {
                    pathText = try s.readStringBytes()
                } else if s.equals(key, "path_base64") {
                    path = try s.decodeBase64(try s.readString())
                } else if s.equals(key, "process") {
                    try s.beginObject()
                    while let k = try s.nextKey() {
                        if s.equals(k, "args_base64") {
                            try s.beginArray()
                            while try s.nextElement() { args.append(try s.decodeBase64(try s.readString())) }
                        } else {
                            try s.skipValue()
                        }
                    }
                } else {
                    try s.skipValue()
                }
            }
            try s.finish()
        }
        #expect(path == name)
        #expect(pathText == Array("/tmp/caf\u{FFFD}\n\u{FFFD}.txt".utf8))
        #expect(args == [[0x61, 0xC3], [0x62]])
    }

    @Test func base64() {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let out = OutputBuffer(writer: MemoryWriter(), lineBuffered: false)
            out.appendBase64(bytes)
            #expect(Base64.decode(out.bytes) == bytes)
            // Unpadded also accepted.
            #expect(Base64.decode(out.bytes.filter { $0 != UInt8(ascii: "=") }) == bytes)
        }
        for bad in ["Y", "YQ=", "YQ===", "Y=Q=", "YR==", "Y!==", "YWJj=", "AAAAA"] {
            #expect(Base64.decode(Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test func numbers() throws {
        let valid = ["0", "-0", "1", "-1", "10", "0.5", "-0.0e+0", "1E9", "1e-9", "123456789.25", "9223372036854775807"]
        for text in valid {
            #expect(jsonError { try validate(Array(text.utf8)) } == nil, "\(text)")
        }
        let invalid = ["01", "-", "+1", ".5", "1.", "1.e3", "1e", "1e+", "--1", "0x10", "1.5.2", "- 1", "NaN", "Infinity"]
        for text in invalid {
            #expect(jsonError { try validate(Array(text.utf8)) } != nil, "\(text)")
        }
        #expect(try scan("9223372036854775807") { (s: inout JSONScanner) throws in try s.readInt64() } == Int64.max)
        #expect(jsonError { _ = try scan("9223372036854775808") { (s: inout JSONScanner) throws in try s.readInt64() } }?.reason == .numberOutOfRange)
        #expect(jsonError { _ = try scan("-9223372036854775809") { (s: inout JSONScanner) throws in try s.readInt64() } }?.reason == .numberOutOfRange)
        #expect(jsonError { _ = try scan("18446744073709551616") { (s: inout JSONScanner) throws in try s.readUInt64() } }?.reason == .numberOutOfRange)
        #expect(jsonError { _ = try scan("-1") { (s: inout JSONScanner) throws in try s.readUInt64() } }?.reason == .numberOutOfRange)
        #expect(jsonError { _ = try scan("1.0") { (s: inout JSONScanner) throws in try s.readInt64() } }?.reason == .numberOutOfRange)
        #expect(try scan("-0") { (s: inout JSONScanner) throws in try s.readUInt64() } == 0)
        #expect(try scan("1e400") { (s: inout JSONScanner) throws in try s.readDouble() } == .infinity)
    }

    @Test func lenientReadersSkipOtherKinds() throws {
        let r = try scan(#"[1, "x", 99999999999999999999, -1, {"a":[1]}, true, 2.5, null]"#) { (s: inout JSONScanner) throws in
            var out: [String] = []
            try s.beginArray()
            while try s.nextElement() {
                out.append(try s.optionalUInt64().map { "\($0)" } ?? "nil")
            }
            try s.finish()
            return out
        }
        #expect(r == ["1", "nil", "nil", "nil", "nil", "nil", "nil", "nil"])
        // A syntax error inside a skipped value still throws.
        #expect(jsonError { _ = try scan(#"[{"a":[1,]}]"#) { (s: inout JSONScanner) throws in
            try s.beginArray(); _ = try s.nextElement(); return try s.optionalString()
        } } != nil)
    }

    @Test func errorsCarryOffsetsAndSayWhat() {
        func error(_ text: String, base: Int = 0) -> JSONError? {
            jsonError { try scan(Array(text.utf8), baseOffset: base) { (s: inout JSONScanner) throws in try s.skipValue(); try s.finish() } }
        }
        #expect(error(#"{"a" 1}"#) == JSONError(.unexpectedByte(UInt8(ascii: "1"), expected: "':' after a member name"), offset: 5))
        #expect(error(#"{"a":1 "b":2}"#) == JSONError(.unexpectedByte(UInt8(ascii: "\""), expected: "',' or '}'"), offset: 7))
        #expect(error(#"{"a":1,}"#)?.offset == 7)
        #expect(error("[1,]")?.offset == 3)
        #expect(error("[1 2]")?.offset == 3)
        #expect(error(#"{"a":1]"#)?.offset == 6)
        #expect(error("[1}")?.offset == 2)
        #expect(error("\"a\u{1}b\"") == JSONError(.controlCharacterInString(1), offset: 2))
        #expect(error(#""a\qb""#) == JSONError(.invalidEscape, offset: 2))
        #expect(error(#""\u12G4""#) == JSONError(.invalidEscape, offset: 1))
        #expect(error("{} x", base: 100) == JSONError(.trailingData, offset: 103))
        #expect(error("tru") == JSONError(.unexpectedEnd(expected: "'true'"), offset: 3))
        #expect(error("nul!") == JSONError(.unexpectedByte(UInt8(ascii: "!"), expected: "'null'"), offset: 3))
        #expect(error("") == JSONError(.unexpectedEnd(expected: "a value"), offset: 0))
        #expect(error("   ") == JSONError(.unexpectedEnd(expected: "a value"), offset: 3))
        #expect(error("@")?.description == "byte offset 0: expected a value, found '@'")
        #expect(error("\u{7F}")?.description == "byte offset 0: expected a value, found byte 0x7F")
        #expect(error(#"{"a":"b"#)?.description == "byte offset 7: unexpected end of input (expected '\"' closing the string)")
        let mismatch = jsonError { _ = try scan(#"{"a":[]}"#) { (s: inout JSONScanner) throws in try s.beginArray() } }
        #expect(mismatch == JSONError(.typeMismatch(expected: .array, found: .object), offset: 0))
        #expect(mismatch?.description == "byte offset 0: expected array, found object")
    }

    /// Documents whose every strict prefix is incomplete (their value is a container).
    static let prefixDocuments: [String] = [
        document,
        #"{"path":"/tmp/a\"b\\c\u00e9\ud83d\ude00","n":[0,-1.5E+10,1e-3,true,false,null,{}],"o":{"p":[[],[{}]]}}"#,
        #"[ "x" , 12 , -0.25 , { "k" : "v" } ]"#,
        "{\"k\":\"caf\u{e9} \u{1F600} long string well past eight bytes, to cross the word loop\"}",
    ]

    @Test func everyTruncatedPrefixFailsCleanly() throws {
        for doc in Self.prefixDocuments {
            let bytes = Array(doc.utf8)
            try validate(bytes)
            for cut in 0..<bytes.count {
                let prefix = Array(bytes[0..<cut])
                let e = jsonError { try validate(prefix) }
                guard let e else { Issue.record("prefix of \(cut) bytes accepted: \(doc)"); continue }
                guard case .unexpectedEnd = e.reason else { Issue.record("prefix \(cut): \(e)"); continue }
                #expect(e.offset == cut, "prefix \(cut) of \(doc): \(e)")
            }
        }
    }

    @Test func nestingIsBounded() {
        // 100,000 levels: refused at the limit, without deep recursion.
        for open in ["[", "{\"a\":"] {
            let deep = Array(String(repeating: open, count: 100_000).utf8)
            let e = jsonError { try validate(deep) }
            #expect(e?.reason == .tooDeep(limit: 128))
            #expect(e?.offset == 128 * open.utf8.count + (open == "[" ? 0 : 0))
        }
        let ok = Array((String(repeating: "[", count: 128) + String(repeating: "]", count: 128)).utf8)
        #expect(jsonError { try validate(ok) } == nil)
        let over = Array((String(repeating: "[", count: 129) + String(repeating: "]", count: 129)).utf8)
        #expect(jsonError { try validate(over) }?.reason == .tooDeep(limit: 128))
        #expect(jsonError { try validate(over, limits: JSONLimits(maxDepth: 200)) } == nil)
        #expect(JSONLimits(maxDepth: 1_000_000).maxDepth == JSONLimits.maximumDepth)
        let max = Array((String(repeating: "[", count: 1024) + String(repeating: "]", count: 1024)).utf8)
        #expect(jsonError { try validate(max, limits: JSONLimits(maxDepth: .max)) } == nil)
    }

    @Test func inputSizeIsBounded() {
        let e = jsonError { try validate(Array("[1, 2, 3]".utf8), limits: JSONLimits(maxInputBytes: 8)) }
        #expect(e == JSONError(.tooLarge(limit: 8), offset: 0))
        #expect(jsonError { try validate(Array("[1, 2, 3]".utf8), limits: JSONLimits(maxInputBytes: 9)) } == nil)
    }

    /// Random mutations of valid documents: the scanner never crashes or hangs, and accepts exactly
    /// what Foundation's parser accepts (for inputs both define the same way: ASCII, no \\u escapes,
    /// no trailing commas).
    @Test func randomMutationsAgreeWithFoundation() throws {
        var rng = SplitMix64(seed: 0x5EED)
        let alphabet = Array(#"{}[]",:0123456789-+.eE tfnulrs\"#.utf8) + [0x0A, 0x09, 0x01, 0x7F]
        var accepted = 0
        for round in 0..<25_000 {
            var bytes = Array(Self.prefixDocuments[round % Self.prefixDocuments.count].utf8)
            for _ in 0...Int(rng.next() % 4) {
                guard !bytes.isEmpty else { break }
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 4 {
                case 0: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                default: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            let ours = jsonError { try validate(bytes) } == nil
            if ours {
                accepted += 1
                // Whatever was accepted decodes, every string and number of it.
                #expect(jsonError { try scan(bytes) { s in try decodeAll(&s); try s.finish() } } == nil)
            }
            // Foundation also accepts trailing commas (`[1,]`), which RFC 8259 does not.
            let compact = String(decoding: bytes.filter { ![0x20, 0x0A, 0x09, 0x0D].contains($0) }, as: UTF8.self)
            let comparable = bytes.allSatisfy { $0 < 0x80 } && !compact.contains("\\u")
                && !compact.contains(",]") && !compact.contains(",}")
            guard comparable else { continue }
            let theirs = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
            #expect(ours == theirs, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 1000)
    }
}

/// Walks the next value, decoding every string (keys too) and converting every number.
func decodeAll(_ s: inout JSONScanner) throws {
    switch try s.peek() {
    case .object:
        try s.beginObject()
        while let key = try s.nextKey() { _ = s.bytes(of: key); try decodeAll(&s) }
    case .array:
        try s.beginArray()
        while try s.nextElement() { try decodeAll(&s) }
    case .string: _ = s.string(of: try s.readString())
    case .number:
        let n = try s.readNumber()
        _ = (s.int64(of: n), s.uint64(of: n), s.double(of: n))
    case .bool: _ = try s.readBool()
    case .null: #expect(try s.consumeNull())
    }
}

@Suite struct LineSplitterTests {
    func lines(_ stream: [UInt8], cuts: [Int], max: Int = 100) -> [String] {
        var splitter = LineSplitter(maxLineBytes: max)
        var out: [String] = []
        func take(_ piece: LineSplitter.Piece) {
            switch piece {
            case .line(let b, let offset, let number): out.append("\(number)@\(offset):" + String(decoding: b, as: UTF8.self))
            case .overlong(let offset, let number): out.append("\(number)@\(offset):overlong")
            }
        }
        var start = 0
        for cut in cuts + [stream.count] where cut >= start {
            stream[start..<cut].withUnsafeBytes { splitter.push($0, take) }
            start = cut
        }
        splitter.finish(take)
        return out
    }

    @Test func joinsLinesCutAcrossReadsAtEveryPoint() {
        let stream = Array("alpha\n\nbravo charlie delta\nx\nlast without newline".utf8)
        let expected = ["1@0:alpha", "2@6:", "3@7:bravo charlie delta", "4@27:x", "5@29:last without newline"]
        #expect(lines(stream, cuts: []) == expected)
        for a in 0...stream.count {
            for b in a...stream.count where b == a || (b - a) % 3 == 0 {
                #expect(lines(stream, cuts: [a, b]) == expected, "cuts \(a) \(b)")
            }
        }
        // One byte per read.
        #expect(lines(stream, cuts: Array(0...stream.count)) == expected)
    }

    @Test func overlongLinesAreReportedOnceAndSkipped() {
        let stream = Array(("short\n" + String(repeating: "x", count: 30) + "\nok\n" + String(repeating: "y", count: 25)).utf8)
        let expected = ["1@0:short", "2@6:overlong", "3@37:ok", "4@40:overlong"]
        for cut in 0...stream.count {
            #expect(lines(stream, cuts: [cut], max: 10) == expected, "cut \(cut)")
        }
        #expect(lines(stream, cuts: Array(0...stream.count), max: 10) == expected)
        // Exactly at the cap is accepted.
        #expect(lines(Array("0123456789\n".utf8), cuts: [4], max: 10) == ["1@0:0123456789"])
    }
}

/// A small deterministic generator for fuzz tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
