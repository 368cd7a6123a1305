#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import BSM
import TestSupport

/// `print -x` stays well-formed XML for any input, checked by a real parser (xmllint, libxml2):
/// fuzzed trails with hostile strings (bytes that vis(3) turns into `\M-<`, `\M-&`, `\M-"`, raw
/// markup, invalid UTF-8, control bytes), some of them damaged. FILEWATCHER_XML_FUZZ_RUNS sets how
/// many trails (default 2,000; fuzz/xml.sh runs millions), FILEWATCHER_XML_FUZZ_SEED the seed.
@Suite(.timeLimit(.minutes(20))) struct XMLWellFormednessTests {
    static let xmllint: String? = ["/usr/bin/xmllint", "/usr/local/bin/xmllint", "/opt/homebrew/bin/xmllint"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// SplitMix64: the same trails for the same seed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// Pieces hostile strings are made of: markup, bytes whose vis(3) form holds markup
    /// (0xbc `\M-<`, 0xa6 `\M-&`, 0xa2 `\M-"`, 0xa7 `\M-'`, 0xbe `\M->`), controls, DEL,
    /// invalid and valid UTF-8 (U+202E, U+2028, U+FFFE, an emoji), CDATA ends.
    static let pieces: [[UInt8]] = [
        Array("<".utf8), Array("&".utf8), Array(">".utf8), Array("\"".utf8), Array("'".utf8), Array("]]>".utf8),
        Array("<return errval=\"success\">".utf8), Array("&amp;".utf8), Array("&#0;".utf8), [0xbc], [0xa6], [0xa2], [0xa7], [0xbe],
        [0xbc, 0xa6], [0x80], [0xff], [0xc3], [0xe2, 0x80], [0x01], [0x1b], [0x7f], [0x0d], [0x09], [0x0a], [0x00], [0xa0],
        Array("\u{202E}".utf8), Array("\u{2028}".utf8), [0xef, 0xbf, 0xbe], Array("😀".utf8), Array("é".utf8),
        Array("/etc/passwd".utf8), Array("abc".utf8), Array(" ".utf8), Array("\\".utf8),
    ]

    static func hostile(_ r: inout Random) -> [UInt8] {
        var s: [UInt8] = []
        for _ in 0..<r.below(8) { s += pieces[r.below(pieces.count)] }
        return s
    }

    static func token(_ r: inout Random) -> Token {
        let s = hostile(&r)
        switch r.below(9) {
        case 0: return .path(BSMBytes(s + [0]))
        case 1: return .text(BSMBytes(s + [0]))
        case 2: return .execArgs(ExecStrings([s, hostile(&r)]))
        case 3: return .execEnv(ExecStrings([s]))
        case 4: return .arg32(Arg(number: UInt8(r.below(8)), value: r.next() & 0xffff_ffff, text: BSMBytes(s + [0])))
        case 5: return .zonename(BSMBytes(s + [0]))
        case 6: return .data(DataToken(howToPrint: 4, basicUnit: 0, unitCount: UInt8(s.count & 0xff), bytes: BSMBytes(Array(s.prefix(255)))))
        case 7: return .opaque(BSMBytes(s))
        default: return .return32(ReturnToken(status: UInt8(r.below(256)), value: r.next() & 0xffff_ffff))
        }
    }

    /// A trail of a few records with hostile strings; one in four is damaged (bytes changed or cut).
    static func trail(_ r: inout Random) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<(1 + r.below(4)) {
            let tokens = (0..<(1 + r.below(5))).map { _ in token(&r) }
            let kinds: [HeaderKind] = [.header32, .header64]
            out += RecordBuilder(kind: kinds[r.below(2)], event: [72, 23, 0x1234, 42][r.below(4)],
                                 seconds: 1_600_000_000 + UInt64(r.below(1000)), milliseconds: UInt64(r.below(1000)), tokens: tokens).bytes
        }
        if r.below(4) == 0, !out.isEmpty {
            if r.below(2) == 0 {
                for _ in 0..<(1 + r.below(3)) { out[r.below(out.count)] = UInt8(r.below(256)) }
            } else {
                out.removeLast(r.below(out.count))
            }
        }
        return out
    }

    /// Runs xmllint over the files; returns the names it found malformed.
    static func malformed(_ files: [String], xmllint: String) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: xmllint)
        p.arguments = ["--noout"] + files
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.killIfRunning()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        let text = String(decoding: data, as: UTF8.self)
        return files.filter { text.contains($0 + ":") }
    }

    @Test(.enabled(if: xmllint != nil, "xmllint (libxml2-utils) is not installed"))
    func printedXMLIsWellFormedForFuzzedTrails() throws {
        let env = ProcessInfo.processInfo.environment
        let runs = env["FILEWATCHER_XML_FUZZ_RUNS"].flatMap(Int.init) ?? 2_000
        let seed = env["FILEWATCHER_XML_FUZZ_SEED"].flatMap(UInt64.init) ?? 18
        let dir = try TemporaryDirectory("fw-xml")
        defer { dir.remove() }
        var r = Random(state: seed)
        var bad: [String] = []
        var done = 0
        // Printers are built once per option set (building one fills 64K-entry tables).
        let printers = [PrintOptions(xml: true), PrintOptions(numeric: true, xml: true), PrintOptions(short: true, xml: true),
                        PrintOptions(raw: true, xml: true), PrintOptions(oneLine: true, xml: true)].map {
            PrauditPrinter(options: $0, events: PrinterTokenTests.events, names: NoIdentityNames(), time: UTCTime(), errors: glibcErrorTexts)
        }
        while done < runs {
            var files: [String] = []
            for i in done..<min(runs, done + 500) {
                let bytes = Self.trail(&r)
                let printer = printers[i % printers.count]
                printer.out.removeAll()
                var stream = PrauditStream(printer: printer, partialStart: false)
                printer.beginStream()
                stream.push(bytes) { _ in }
                stream.finish { _ in }
                printer.endStream()
                let text = printer.out.array
                files.append(try dir.write(text, to: "t\(i).xml"))
                try dir.write(bytes, to: "t\(i).bsm")
            }
            let found = try Self.malformed(files, xmllint: Self.xmllint!)
            bad += found
            for f in files where !found.contains(f) {
                unlink(f); unlink(String(f.dropLast(4)) + ".bsm")
            }
            done += files.count
            if bad.count >= 5 { break }
        }
        if !bad.isEmpty {
            // Keep the evidence outside the temporary directory.
            let keep = try TemporaryDirectory("fw-xml-malformed")
            for f in bad.prefix(5) {
                try? FileManager.default.copyItem(atPath: f, toPath: keep.file((f as NSString).lastPathComponent))
                try? FileManager.default.copyItem(atPath: String(f.dropLast(4)) + ".bsm",
                                                  toPath: keep.file(((f as NSString).lastPathComponent as NSString).deletingPathExtension + ".bsm"))
            }
            Issue.record("\(bad.count) malformed of \(done) (seed \(seed)); first ones kept in \(keep.path): \(bad.prefix(5))")
            _ = Unmanaged.passRetained(keep)  // not removed
        }
    }

    @Test func visFormsOfHighBytesAreEscapedInXML() {
        // 0xbc 0xa6 0xa2 in a path (invalid UTF-8) and in exec arguments (praudit's vis form).
        let rec = RecordBuilder(event: 23, seconds: 1, tokens: [
            .execArgs(ExecStrings([[0x61, 0xbc, 0xa6, 0xa2, 0xa7, 0xbe]])),
            .path(BSMBytes([0x2f, 0xbc] + Array("return errval=".utf8) + [0xa2, 0x73, 0xa2, 0xbe, 0])),
            .return32(ReturnToken(status: 0, value: 0)),
        ]).bytes
        let text = String(decoding: printTrail(rec, flags: "xn", events: PrinterTokenTests.events).text, as: UTF8.self)
        #expect(text.contains("<arg>a\\M-&lt;\\M-&amp;\\M-&quot;\\M-&apos;\\M-&gt;</arg>"), "\(text)")
        #expect(text.contains("<path>/\\M-&lt;return errval=\\M-&quot;s\\M-&quot;\\M-&gt;</path>"), "\(text)")
    }
}
