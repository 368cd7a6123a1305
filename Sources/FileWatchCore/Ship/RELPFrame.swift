// RELP frames (rsyslog's Reliable Event Logging Protocol, librelp's doc/relp.html):
//
//   TXNR SP COMMAND SP DATALEN [SP DATA] LF
//   TXNR     1–9 digits, 1…999_999_999 (0 only in the server's `serverclose`)
//   COMMAND  1–32 ASCII letters (`open`, `syslog`, `close`, `rsp`, `serverclose`)
//   DATALEN  1–9 digits: the byte count of DATA; 0 means no SP and no DATA
//   DATA     DATALEN bytes; a `rsp` starts with a 3-digit code (`200 OK`)
//
// The decoder is bounds-checked: every prefix of a valid frame says "need more", anything that
// cannot be a frame is an error naming the offset.

public struct RELPFrame: Equatable, Sendable {
    public var transaction: Int
    public var command: String
    public var data: [UInt8]

    public init(transaction: Int, command: String, data: [UInt8]) {
        self.transaction = transaction; self.command = command; self.data = data
    }

    /// The frame's bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 32)
        Self.appendHeader(transaction: transaction, command: command, dataCount: data.count, to: &out)
        out += data
        out.append(0x0A)
        return out
    }

    /// `TXNR SP COMMAND SP DATALEN` and, when there is data, the SP before it.
    public static func appendHeader(transaction: Int, command: String, dataCount: Int, to out: inout [UInt8]) {
        out += String(transaction).utf8  // a small String: no allocation
        out.append(0x20)
        out += command.utf8
        out.append(0x20)
        out += String(dataCount).utf8
        if dataCount > 0 { out.append(0x20) }
    }

    /// For a `rsp` frame: the status code (200 is success) and the text after it.
    public var response: (code: Int, text: String)? {
        guard command == "rsp", data.count >= 3 else { return nil }
        var code = 0
        for b in data.prefix(3) {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            code = code * 10 + Int(b - 0x30)
        }
        let rest = data.dropFirst(3).drop { $0 == 0x20 }.prefix { $0 != 0x0A }
        return (code, String(decoding: rest, as: UTF8.self))
    }

    /// The `open` offer filewatcher sends.
    public static func openOffer(software: String) -> [UInt8] {
        Array("relp_version=0\nrelp_software=\(software)\ncommands=syslog".utf8)
    }
}

public struct RELPDecodeError: Error, Equatable, CustomStringConvertible, Sendable {
    public var offset: Int
    public var reason: String
    public var description: String { "bad RELP frame at byte \(offset) of the response: \(reason)" }
}

public enum RELPDecoder {
    /// The largest DATA accepted from a server (responses are small).
    public static let maxData = 1 << 20

    /// Decodes one frame from the start of `bytes`: the frame and the bytes it took, or nil when
    /// `bytes` is a valid prefix that needs more.
    public static func decode(_ bytes: some RandomAccessCollection<UInt8>) throws(RELPDecodeError) -> (RELPFrame, Int)? {
        // In place when the bytes are contiguous (a ByteBuffer's view is): a read holding many
        // responses is then decoded without copying what follows each frame.
        func attempt(_ p: UnsafeBufferPointer<UInt8>) -> Result<(RELPFrame, Int)?, RELPDecodeError> {
            do { return .success(try decode(buffer: p)) } catch { return .failure(error) }
        }
        let result = bytes.withContiguousStorageIfAvailable(attempt) ?? Array(bytes).withUnsafeBufferPointer(attempt)
        return try result.get()
    }

    private static func decode(buffer b: UnsafeBufferPointer<UInt8>) throws(RELPDecodeError) -> (RELPFrame, Int)? {
        var i = 0
        func number(_ what: String) throws(RELPDecodeError) -> Int? {
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                i += 1
                if i - start > 9 { throw RELPDecodeError(offset: start, reason: "\(what) longer than 9 digits") }
            }
            if i == b.count { return nil }
            if i == start { throw RELPDecodeError(offset: i, reason: "\(what) expected, found byte \(b[i])") }
            return b[start..<i].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        func space() throws(RELPDecodeError) -> Bool {
            guard i < b.count else { return false }
            guard b[i] == 0x20 else { throw RELPDecodeError(offset: i, reason: "space expected, found byte \(b[i])") }
            i += 1
            return true
        }
        guard let txnr = try number("transaction number") else { return nil }
        guard try space() else { return nil }
        let commandStart = i
        while i < b.count, (b[i] >= 0x41 && b[i] <= 0x5A) || (b[i] >= 0x61 && b[i] <= 0x7A) {
            i += 1
            if i - commandStart > 32 { throw RELPDecodeError(offset: commandStart, reason: "command longer than 32 letters") }
        }
        if i == b.count { return nil }
        if i == commandStart { throw RELPDecodeError(offset: i, reason: "command expected, found byte \(b[i])") }
        let command = Self.command(UnsafeBufferPointer(rebasing: b[commandStart..<i]))
        guard try space() else { return nil }
        let lengthStart = i
        guard let length = try number("data length") else { return nil }
        if length > maxData { throw RELPDecodeError(offset: lengthStart, reason: "data length \(length) over \(maxData)") }
        var data: [UInt8] = []
        if length > 0 {
            guard try space() else { return nil }
            guard b.count - i >= length else { return nil }
            data = Array(b[i..<(i + length)])
            i += length
        }
        guard i < b.count else { return nil }
        guard b[i] == 0x0A else { throw RELPDecodeError(offset: i, reason: "LF expected after the data, found byte \(b[i])") }
        return (RELPFrame(transaction: txnr, command: command, data: data), i + 1)
    }

    /// The command's name; the ones a server sends are literals (no String made per response).
    private static func command(_ c: UnsafeBufferPointer<UInt8>) -> String {
        if c.elementsEqual("rsp".utf8) { return "rsp" }
        if c.elementsEqual("serverclose".utf8) { return "serverclose" }
        return String(decoding: c, as: UTF8.self)
    }
}
