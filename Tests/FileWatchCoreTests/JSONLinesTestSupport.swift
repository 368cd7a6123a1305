// Round trips through the JSON sink and the JSON Lines decoder, shared by the decoder's and its cache's tests.

@testable import FileWatchCore
import TestSupport

/// The JSON Lines the JSON sink writes for `events`.
func jsonLinesBytes(_ events: [Event]) throws -> [UInt8] {
    let mem = MemoryWriter()
    let sink = JSONSink(output: OutputBuffer(writer: mem, lineBuffered: false))
    for e in events { try sink.write(e) }
    try sink.flush()
    return mem.bytes
}

/// What the JSON Lines decoder delivers for `bytes` pushed in pieces of `chunk` bytes.
func decodeJSONLines(_ bytes: [UInt8], chunk: Int = 1 << 20) -> CollectingReceiver {
    let c = CollectingReceiver()
    var d = JSONLinesDecoder(name: "capture.jsonl")
    var i = 0
    while i < bytes.count {
        let end = min(bytes.count, i + chunk)
        bytes[i..<end].withUnsafeBytes { d.push($0, into: c) }
        i = end
    }
    d.finish(into: c)
    return c
}
