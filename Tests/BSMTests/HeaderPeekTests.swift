import BSM
import Testing

/// `HeaderSummary.peek`: the event number and time of every header form, from its bytes alone.
@Suite struct HeaderPeekTests {
    func record(_ kind: HeaderKind, address: IPAddress? = nil) -> [UInt8] {
        RecordBuilder(kind: kind, header: Header(size: 0, eventType: 0xAFC8, address: address, seconds: 1_634_202_659,
                                                 milliseconds: 409),
                      tokens: [.text(BSMBytes(Array("x".utf8) + [0]))]).bytes
    }

    @Test(arguments: [(HeaderKind.header32, nil), (.header32Ex, IPAddress.v4(0x0a000001)),
                      (.header32Ex, .v6(0xfe80_0000_0000_0000, 1)), (.header32Ex, .other(type: 8)), (.header64, nil),
                      (.header64Ex, .v4(0x7f000001)), (.header64Ex, .v6(1, 2)), (.header64Ex, .other(type: 0))])
    func everyHeaderForm(_ kind: HeaderKind, _ address: IPAddress?) throws {
        let bytes = record(kind, address: address)
        let r = try #require(RecordReader.items(in: bytes).first.flatMap { if case .record(let r) = $0 { r } else { nil } })
        let decoded = try #require(try r.header())
        let peeked = try #require(r.headerSummary)
        #expect(peeked == HeaderSummary(event: decoded.eventType, seconds: decoded.seconds, milliseconds: decoded.milliseconds))
        #expect(peeked.microseconds == 1_634_202_659_409_000)
        // Every truncated prefix of the header is refused, never misread.
        let headerLength = bytes.count - 5 - 7  // text token (id, u16 length, "x\0") and trailer
        for n in 0..<headerLength {
            #expect(bytes.withUnsafeBytes { HeaderSummary.peek($0, at: 0, count: n) } == nil, "\(kind) prefix \(n)")
        }
        #expect(bytes.withUnsafeBytes { HeaderSummary.peek($0, at: 0, count: headerLength) } == peeked)
    }

    @Test func otherBytesAreNotHeaders() {
        let file: [UInt8] = [0x11] + [UInt8](repeating: 0, count: 30)
        #expect(file.withUnsafeBytes { HeaderSummary.peek($0, at: 0, count: $0.count) } == nil)
        #expect(file.withUnsafeBytes { HeaderSummary.peek($0, at: 4, count: 40) } == nil, "past the end")
    }
}
