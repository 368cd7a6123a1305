import BSM
import Testing

/// `RecordReader.consumeFramedRecords` (the selection fast path) with `next()` for the rest gives
/// the same records, damage and offsets as `next()` alone, however the input is chunked.
@Suite struct ConsumeFramedTests {
    func records(_ n: Int) -> [UInt8] {
        var out: [UInt8] = Token.file(FileToken(seconds: 1, milliseconds: 0, name: BSMBytes(Array("t\0".utf8)))).encoded
        for i in 0..<n {
            let text = String(repeating: "x", count: i % 40)
            RecordBuilder(kind: i % 3 == 0 ? .header64 : .header32, event: UInt16(i % 9), seconds: UInt64(i), milliseconds: 0,
                          tokens: [.text(BSMBytes(Array(text.utf8) + [0]))]).encode(into: &out)
            if i % 17 == 5 { out += [0xde, 0xad] }  // damage now and then
        }
        return out
    }

    enum Seen: Equatable { case record(Int, [UInt8]), damage(Int, Int) }

    func read(_ bytes: [UInt8], chunk: Int, fast: Bool, refuseEvery: Int = 0) -> [Seen] {
        var reader = RecordReader()
        var seen: [Seen] = []
        var k = 0
        func drain() {
            while true {
                if fast {
                    reader.consumeFramedRecords { p, offset in
                        k += 1
                        if refuseEvery > 0 && k % refuseEvery == 0 { return false }  // left for next()
                        seen.append(.record(offset, Array(p)))
                        return true
                    }
                }
                guard let item = reader.next() else { return }
                switch item {
                case .record(let r): if r.kind == .record { seen.append(.record(r.offset, Array(r.bytes))) }
                case .damage(let d): seen.append(.damage(d.offset, d.skipped))
                }
            }
        }
        var i = 0
        while i < bytes.count {
            reader.push(Array(bytes[i..<min(i + chunk, bytes.count)]))
            drain()
            i += chunk
        }
        reader.finish()
        drain()
        return seen
    }

    @Test(arguments: [7, 64, 1000, 1 << 20])
    func sameAsNext(chunk: Int) {
        let bytes = records(300)
        let reference = read(bytes, chunk: chunk, fast: false)
        #expect(reference.count > 300)
        #expect(read(bytes, chunk: chunk, fast: true) == reference)
        #expect(read(bytes, chunk: chunk, fast: true, refuseEvery: 3) == reference)
    }
}
