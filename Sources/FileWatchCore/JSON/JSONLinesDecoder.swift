// filewatcher's JSON Lines as a stream: chunks in (reads of a file or pipe), events out. A line
// that is not one of our event objects is reported as damaged input (file, byte offset, line
// number, what is wrong) and skipped; every valid line before and after it is still delivered.

public struct JSONLinesDecoder {
    /// The input's name for messages.
    public let name: String
    private var splitter: LineSplitter
    /// Objects the lines repeat (process, bsm_event), decoded once.
    private let caches = EventJSONDecoder.Caches()

    public init(name: String, maxLineBytes: Int = 4 << 20) {
        self.name = name
        self.splitter = LineSplitter(maxLineBytes: maxLineBytes)
    }

    /// Bytes consumed so far.
    public var offset: UInt64 { splitter.offset }

    /// Decodes every line completed by `chunk`.
    public mutating func push(_ chunk: UnsafeRawBufferPointer, into receiver: EventReceiver, stop: StopToken? = nil) {
        let name = self.name, caches = self.caches
        splitter.push(chunk) { piece in
            Self.handle(piece, name: name, receiver: receiver, caches: caches)
        }
    }

    /// End of input: a last line without its newline is decoded too.
    public mutating func finish(into receiver: EventReceiver) {
        let name = self.name, caches = self.caches
        splitter.finish { piece in Self.handle(piece, name: name, receiver: receiver, caches: caches) }
    }

    private static func handle(_ piece: LineSplitter.Piece, name: String, receiver: EventReceiver, caches: EventJSONDecoder.Caches) {
        switch piece {
        case .overlong(let offset, let number):
            receiver.notice(.damaged(file: name, offset: offset, reason: "line \(number) is longer than the line limit; skipped"))
        case .line(let bytes, let offset, let number):
            // Blank lines (and a CR before the LF) are nothing to report.
            var end = bytes.count
            while end > 0, bytes[end - 1] == 0x0D || bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            if end == 0 { return }
            do {
                let event = try EventJSONDecoder.decode(UnsafeRawBufferPointer(rebasing: bytes[0..<end]), caches: caches)
                receiver.receive(event)
            } catch {
                receiver.notice(.damaged(file: name, offset: offset + UInt64(error.offset),
                                         reason: "line \(number): \(error.reason)"))
            }
        }
    }
}
