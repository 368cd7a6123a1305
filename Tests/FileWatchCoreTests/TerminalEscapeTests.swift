import BSM
import Testing
@testable import FileWatchCore

/// `watch`'s text output and `print` on a terminal share one escaper: the same hostile bytes come out
/// the same way from both.
@Suite struct TerminalEscapeTests {
    static let hostile: [(String, [UInt8])] = [
        ("escape sequence", Array("/tmp/a\u{1B}[2J".utf8)),
        ("newline, tab, CR", Array("a\nb\tc\rd".utf8)),
        ("backslash", Array(#"a\x41"#.utf8)),
        ("C0 and DEL", [0x61, 0x07, 0x08, 0x7f, 0x62]),
        ("C1 as UTF-8", [0x61, 0xc2, 0x9b, 0x62]),
        ("invalid UTF-8", [0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
        ("bidi override", Array("/tmp/\u{202E}gpj.exe".utf8)),
        ("line separators", Array("a\u{2028}b\u{2029}c".utf8)),
        ("isolates and marks", Array("\u{2066}x\u{2069}\u{200E}\u{200F}\u{061C}".utf8)),
        ("valid UTF-8", Array("/tmp/café ☕ 日本".utf8)),
    ]

    /// The path as `watch` prints it (the text after `-> `, without the quotes a field with a space gets).
    static func watchRendering(_ path: [UInt8]) throws -> String {
        let mem = MemoryWriter()
        let sink = TextSink(output: OutputBuffer(writer: mem, lineBuffered: true), color: false, zone: UTCTime())
        try sink.write(Event(time: 0, kind: .open, process: ProcessSubject(pid: 1, name: "p"), path: ByteString(path), source: .trail))
        let line = mem.text.dropLast()  // the newline
        let field = line[line.range(of: "-> ")!.upperBound...]
        if path.contains(0x20) {
            #expect(field.hasPrefix("\"") && field.hasSuffix("\""), "a path with a space is quoted")
            return String(field.dropFirst().dropLast())
        }
        return String(field)
    }

    /// The path as `print` writes it on a terminal (the text after `path,`).
    static func printRendering(_ path: [UInt8]) -> String {
        let record = RecordBuilder(event: 72, seconds: 10, milliseconds: 0, tokens: [.path(BSMBytes(path + [0]))]).bytes
        var options = PrintOptions()
        options.numeric = true
        options.isTerminal = true
        let printer = PrauditPrinter(options: options, events: [], names: NoIdentityNames(), time: UTCTime(),
                                     errors: FixedErrorText([:]))
        var stream = PrauditStream(printer: printer, partialStart: false)
        printer.beginStream()
        stream.push(record) { Issue.record("\($0)") }
        stream.finish { Issue.record("\($0)") }
        printer.endStream()
        let text = String(decoding: printer.out.array, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("path,") }!
        return String(line.dropFirst("path,".count))
    }

    @Test(arguments: hostile)
    func watchAndPrintAgree(_ sample: (String, [UInt8])) throws {
        let watch = try Self.watchRendering(sample.1)
        #expect(watch == Self.printRendering(sample.1), "\(sample.0)")
        #expect(watch == escapedForTerminal(sample.1))
        // Nothing a terminal acts on survives.
        let out = Array(watch.utf8)
        #expect(!out.contains { $0 < 0x20 || $0 == 0x7f })
        for scalar in watch.unicodeScalars {
            #expect(!(0x80...0x9f).contains(scalar.value) && !(0x202a...0x202e).contains(scalar.value)
                    && !(0x2066...0x2069).contains(scalar.value) && scalar.value != 0x2028 && scalar.value != 0x2029
                    && scalar.value != 0x200e && scalar.value != 0x200f && scalar.value != 0x061c, "\(sample.0)")
        }
    }

    @Test func renderings() {
        #expect(escapedForTerminal(Array("/tmp/\u{202E}gpj.exe".utf8)) == #"/tmp/\xe2\x80\xaegpj.exe"#)
        #expect(escapedForTerminal(Array("a\u{1B}[2J\n\\".utf8)) == #"a\e[2J\n\\"#)
        #expect(escapedForTerminal([0xc3, 0x28, 0xc2, 0x85]) == #"\xc3(\xc2\x85"#)
        #expect(escapedForTerminal(Array("café".utf8)) == "café")
    }

    @Test func writeBeyondItsMaximumTraps() async {
        await #expect(processExitsWith: .failure) {
            let buffer = BSM.OutputBuffer(capacity: 64)
            buffer.write(maximum: 2) { _ in 3 }
        }
        let buffer = BSM.OutputBuffer(capacity: 64)
        buffer.write(maximum: 2) { p in p[0] = 0x41; p[1] = 0x42; return 2 }
        #expect(buffer.array == [0x41, 0x42])
    }
}
