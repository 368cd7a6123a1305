import Foundation
import Testing
@testable import BSM
import TestSupport

/// The glibc strerror texts the praudit outputs in ../shared/samples were made with.
let glibcErrorTexts = FixedErrorText([
    "EPERM": "Operation not permitted", "ENOENT": "No such file or directory", "ESRCH": "No such process",
    "EINTR": "Interrupted system call", "EIO": "Input/output error", "ENXIO": "No such device or address",
    "E2BIG": "Argument list too long", "ENOEXEC": "Exec format error", "EBADF": "Bad file descriptor",
    "ECHILD": "No child processes", "EAGAIN": "Resource temporarily unavailable", "ENOMEM": "Cannot allocate memory",
    "EACCES": "Permission denied", "EFAULT": "Bad address", "ENOTBLK": "Block device required",
    "EBUSY": "Device or resource busy", "EEXIST": "File exists", "EXDEV": "Invalid cross-device link",
    "ENODEV": "No such device", "ENOTDIR": "Not a directory", "EISDIR": "Is a directory",
    "EINVAL": "Invalid argument", "ENFILE": "Too many open files in system", "EMFILE": "Too many open files",
    "ENOTTY": "Inappropriate ioctl for device", "ETXTBSY": "Text file busy", "EFBIG": "File too large",
    "ENOSPC": "No space left on device", "ESPIPE": "Illegal seek", "EROFS": "Read-only file system",
    "EMLINK": "Too many links", "EPIPE": "Broken pipe", "EDEADLK": "Resource deadlock avoided",
    "ENOTEMPTY": "Directory not empty",
])

/// OpenBSM's event table from ../shared/openbsm/audit_event (the table the samples were made with).
func openBSMEvents() -> [PrinterEvent]? {
    guard let dir = TestEnvironment.openBSMTables, let data = FileManager.default.contents(atPath: dir + "/audit_event") else { return nil }
    var out: [PrinterEvent] = []
    for line in [UInt8](data).split(separator: UInt8(ascii: "\n")) where line.first != UInt8(ascii: "#") {
        let f = line.split(separator: UInt8(ascii: ":"), maxSplits: 3, omittingEmptySubsequences: false)
        guard f.count >= 3, let n = UInt16(String(decoding: f[0], as: UTF8.self)) else { continue }
        out.append(PrinterEvent(number: n, name: Array(f[1]), description: Array(f[2])))
    }
    return out
}

/// Prints `input` with praudit's flags; returns stdout and the problems.
func printTrail(_ input: [UInt8], flags: String, events: [PrinterEvent], terminal: Bool = false,
                chunk: Int = .max, partial: Bool = false) -> (text: [UInt8], problems: [PrintProblem]) {
    var o = PrintOptions()
    o.isTerminal = terminal
    for c in flags {
        switch c {
        case "n": o.numeric = true
        case "l": o.oneLine = true
        case "r": o.raw = true
        case "s": o.short = true
        case "x": o.xml = true
        default: break
        }
    }
    let p = PrauditPrinter(options: o, events: events, names: NoIdentityNames(), time: UTCTime(), errors: glibcErrorTexts)
    var s = PrauditStream(printer: p, partialStart: partial)
    var problems: [PrintProblem] = []
    p.beginStream()
    var i = 0
    while i < input.count {
        let e = min(input.count, i + max(chunk, 1))
        s.push(Array(input[i..<e])) { problems.append($0) }
        i = e
    }
    s.finish { problems.append($0) }
    p.endStream()
    return (p.out.array, problems)
}

@Suite struct PrinterSampleTests {
    /// Every `praudit/<input>.<mode>.txt` with its input trail.
    static let cases: [String] = {
        guard let dir = samplesDir,
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("praudit").path)
        else { return [] }
        return names.filter { $0.hasSuffix(".txt") }.sorted()
    }()

    @Test(.needsSamples, .needsOpenBSMTables) func everySampleOutputIsByteIdentical() throws {
        let dir = try #require(samplesDir), events = try #require(openBSMEvents())
        var compared = 0
        var failures: [String] = []
        for name in Self.cases {
            // <input>.<mode>.txt
            let stem = String(name.dropLast(4))
            guard let dot = stem.lastIndex(of: ".") else { continue }
            let input = String(stem[..<dot]), mode = String(stem[stem.index(after: dot)...])
            let flags = mode.replacingOccurrences(of: "-", with: "")
            var url = dir.appendingPathComponent(input)
            if !FileManager.default.fileExists(atPath: url.path) { url = dir.appendingPathComponent("openbsm-reference/\(input)") }
            guard let bytes = try? readBytes(url) else { continue }
            var expected = try readBytes(dir.appendingPathComponent("praudit/\(name)"))
            if flags.contains("x") && input == "freebsd-13-damaged-size.bsm" {
                // praudit prints nothing for this damaged trail; we print the records it skipped.
                continue
            }
            if flags.contains("x") && expected.isEmpty { expected = [] }
            if input == "freebsd-13-damaged-size.bsm" { continue }  // praudit prints nothing; see PrinterDamageTests
            var got = printTrail(bytes, flags: flags, events: events).text
            if flags.contains("x") {
                // Undo our deliberate XML fixes (README "Differences from praudit") to show that
                // everything else is byte-identical.
                let rawLines = printTrail(bytes, flags: "r", events: events).text.split(separator: 10, omittingEmptySubsequences: false)
                got = Self.praudititize(xml: got, rawLines: rawLines.map(Array.init))
            }
            compared += 1
            if got != expected {
                failures.append(name)
                if failures.count <= 30 {
                    let g = String(decoding: got, as: UTF8.self), e = String(decoding: expected, as: UTF8.self)
                    let gl = g.split(separator: "\n", omittingEmptySubsequences: false), el = e.split(separator: "\n", omittingEmptySubsequences: false)
                    for (i, (a, b)) in zip(gl, el).enumerated() where a != b {
                        print("\(name) line \(i + 1):\n  got      \(a)\n  expected \(b)")
                        break
                    }
                    if gl.count != el.count { print("\(name): \(gl.count) lines, expected \(el.count)") }
                }
            }
        }
        print("printer: compared \(compared) praudit outputs, \(failures.count) differ: \(failures.prefix(20))")
        #expect(compared > 200)
        #expect(compared == Self.cases.count - 5)
        #expect(failures.isEmpty)
    }

    /// Our XML turned back into praudit's (broken) XML, token by token; `rawLines` (our `-r`
    /// output, itself compared with praudit's) says which token each XML line is.
    static func praudititize(xml: [UInt8], rawLines: [[UInt8]]) -> [UInt8] {
        var lines = xml.split(separator: 10, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        for i in 2..<max(2, lines.count) where i - 2 < rawLines.count {
            let raw = String(decoding: rawLines[i - 2], as: UTF8.self)
            guard let id = Int(raw.prefix { $0 != "," }) else { continue }
            var l = lines[i]
            switch id {
            case 132, 133:  // arg_uuid / ret_uuid: praudit prints no element
                l = String(l.dropFirst(id == 132 ? "<arg_uuid ".count : "<ret_uuid ".count).dropLast(2))
            case 34: l = l.replacingOccurrences(of: "<IPC ipc-type", with: "<IPCipc-type")
            case 38, 119, 123, 125, 117, 122, 124:  // tid port and address run together
                if let r = l.range(of: "tid=\""), let sp = l[r.upperBound...].firstIndex(of: " ") { l.remove(at: sp) }
            case 33: l = l.replacingOccurrences(of: "\\0", with: "\u{0}")  // data string bytes raw
            default: break
            }
            lines[i] = l
        }
        return Array(lines.joined(separator: "\n").utf8)
    }
}
