import Testing
@testable import FileWatchCore

/// `appendJSONString` copies eight plain bytes at a time; these check it against the escaping
/// defined piece by piece, at every alignment of the special bytes among long plain runs.
@Suite struct JSONEscapeTests {
    /// Input pieces and what each must become inside the JSON string (each piece is a whole UTF-8
    /// sequence or a byte that is never valid, so the escaping of a concatenation is the
    /// concatenation of the escapings).
    static let pieces: [(input: [UInt8], output: String, lossy: Bool)] = [
        ([0x61], "a", false), ([0x20], " ", false), ([0x7E], "~", false), ([0x21], "!", false),
        ([0x23], "#", false), ([0x5B], "[", false), ([0x5D], "]", false),
        ([0x22], "\\\"", false), ([0x5C], "\\\\", false),
        ([0x0A], "\\n", false), ([0x09], "\\t", false), ([0x0D], "\\r", false), ([0x08], "\\b", false),
        ([0x0C], "\\f", false), ([0x00], "\\u0000", false), ([0x1B], "\\u001b", false),
        ([0x1F], "\\u001f", false), ([0x7F], "\\u007f", false),
        ([0xC3, 0xA9], "é", false), ([0xE2, 0x82, 0xAC], "€", false), ([0xF0, 0x9F, 0x98, 0x80], "😀", false),
        ([0xE2, 0x80, 0xA8], "\\u2028", false), ([0xE2, 0x80, 0xA9], "\\u2029", false),
        ([0xFF], "\u{FFFD}", true), ([0x80], "\u{FFFD}", true),
    ]

    func escaped(_ bytes: [UInt8]) -> (String, Bool) {
        let o = OutputBuffer(writer: MemoryWriter(), lineBuffered: false, threshold: 1 << 20)
        let lossy = o.appendJSONString(bytes)
        return (String(decoding: o.takeBytes(), as: UTF8.self), lossy)
    }

    @Test func everyPieceAtEveryAlignmentInPlainRuns() {
        for piece in Self.pieces {
            for before in 0..<17 {
                for after in [0, 1, 7, 8, 9, 16] {
                    let input = Array(repeating: UInt8(ascii: "x"), count: before) + piece.input
                        + Array(repeating: UInt8(ascii: "y"), count: after)
                    let (got, lossy) = escaped(input)
                    let want = "\"" + String(repeating: "x", count: before) + piece.output + String(repeating: "y", count: after) + "\""
                    #expect(got == want, "piece \(piece.input) after \(before) plain bytes")
                    #expect(lossy == piece.lossy)
                }
            }
        }
    }

    @Test func randomConcatenationsMatchThePieceByPieceEscaping() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var input: [UInt8] = []
            var want = "\""
            var wantLossy = false
            for _ in 0..<Int.random(in: 0...40, using: &g) {
                // Mostly plain letters (long fast-path runs), sometimes a special piece.
                let piece = Int.random(in: 0..<4, using: &g) == 0 ? Self.pieces.randomElement(using: &g)! : Self.pieces[0]
                input += piece.input
                want += piece.output
                wantLossy = wantLossy || piece.lossy
            }
            want += "\""
            let (got, lossy) = escaped(input)
            #expect(got == want, "\(input)")
            #expect(lossy == wantLossy)
        }
    }

    @Test func theWordTestAgreesWithTheByteTest() {
        func plain(_ b: UInt8) -> Bool { b >= 0x20 && b < 0x7F && b != 0x22 && b != 0x5C }
        var g = SystemRandomNumberGenerator()
        let interesting: [UInt8] = [0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F, 0x80, 0xFF, 0x41]
        for _ in 0..<100_000 {
            let bytes = (0..<8).map { _ in Bool.random(using: &g) ? interesting.randomElement(using: &g)! : UInt8.random(in: 0...255, using: &g) }
            let x = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            #expect(OutputBuffer.allPlainJSON(x) == bytes.allSatisfy(plain), "\(bytes)")
        }
    }
}
