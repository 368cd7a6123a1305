import Testing
@testable import FileWatchCore

/// ByteString's `<` and `==` compare eight bytes at a time: they must agree with the plain
/// element-wise definitions on every kind of input (prefixes, bytes ≥ 0x80, every length around 8).
@Suite struct ByteStringOrderTests {
    @Test func orderAndEqualityAreThoseOfTheBytes() {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x }
        var samples: [[UInt8]] = [[], [0], [0xFF], [0x7F], [0x80]]
        for _ in 0..<400 {
            let n = Int(next() % 20)
            // A small alphabet with high bytes: long common prefixes and differences at every position.
            samples.append((0..<n).map { _ in [0x00, 0x2F, 0x61, 0x7F, 0x80, 0xFF][Int(next() % 6)] })
        }
        for a in samples {
            for b in samples {
                let (p, q) = (ByteString(a), ByteString(b))
                #expect((p < q) == a.lexicographicallyPrecedes(b), "\(a) < \(b)")
                #expect((p == q) == (a == b), "\(a) == \(b)")
            }
            // Each with its own prefixes and one-byte extensions.
            for k in 0...a.count {
                let prefix = Array(a[0..<k])
                #expect((ByteString(prefix) < ByteString(a)) == (k < a.count))
                #expect(!(ByteString(a) < ByteString(prefix)))
            }
        }
    }
}
