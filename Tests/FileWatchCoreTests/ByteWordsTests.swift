import Testing
@testable import FileWatchCore

/// The shared word scan finds exactly what a byte-by-byte loop finds, at every start, end and
/// position — including buffers under eight bytes, where a byte is tested alone in a word (the
/// zero bytes above it once counted as "below 0x21" and ended every bare value at its first byte).
@Suite struct ByteWordsTests {
    @Test func scanAgreesWithAByteLoop() {
        let tests: [(String, (UInt64) -> UInt64, (UInt8) -> Bool)] = [
            ("below 0x21", { ByteWords.bytesBelow($0, 0x2121_2121_2121_2121) }, { $0 < 0x21 }),
            ("'='", { ByteWords.equalBytes($0, ByteWords.broadcast(0x3D)) }, { $0 == 0x3D }),
            ("'=' or below 0x21", { ByteWords.equalBytes($0, ByteWords.broadcast(0x3D)) | ByteWords.bytesBelow($0, 0x2121_2121_2121_2121) },
             { $0 == 0x3D || $0 < 0x21 }),
        ]
        let specials: [UInt8] = [0x00, 0x01, 0x1D, 0x20, 0x21, 0x3C, 0x3D, 0x3E, 0x7F, 0x80, 0xFF]
        for (name, word, byte) in tests {
            for length in 0...20 {
                for mark in -1..<length {
                    for special in specials {
                        var bytes = [UInt8](repeating: 0x61, count: length)
                        if mark >= 0 { bytes[mark] = special }
                        for start in 0...length {
                            let expected = (start..<length).first { byte(bytes[$0]) } ?? length
                            let found = bytes.withUnsafeBytes { ByteWords.scan($0.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, start, length, word) }
                            #expect(found == expected, "\(name): \(bytes) from \(start)")
                            if found != expected { return }
                        }
                    }
                }
            }
        }
    }
}
