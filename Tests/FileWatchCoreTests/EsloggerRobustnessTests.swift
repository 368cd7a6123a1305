#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport
@testable import FileWatchCore

/// Deterministic mutations of eslogger lines: cut short, members of the wrong type, huge numbers,
/// deep nesting, flipped and inserted bytes (control bytes, NUL, bad escapes), repeated members,
/// invented event names. The longer run is fuzz/eslogger.sh.
struct EsloggerMutator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }

    static let replacements: [[UInt8]] = [
        "1" + String(repeating: "0", count: 400), "-99999999999999999999", "1e999", "-0", "0.5", "1E-400",
        "\"text\"", "null", "true", "{}", "[]", "[1,2,3]", "{\"path\":7}", "\"\\ud800\"", "\"\\u12\"", "\"\\x\"",
        "18446744073709551616", "4294967296", "-2147483649", "\"\u{0}\"",
    ].map { Array($0.utf8) }

    mutating func mutate(_ line: [UInt8]) -> [UInt8] {
        var l = line
        switch below(9) {
        case 0:  // cut short
            l.removeLast(below(l.count) + 1)
        case 1, 2:  // a value replaced by another kind, a huge number or a bad string
            if let colon = colonPosition(l) {
                let end = valueEnd(l, from: colon + 1)
                l.replaceSubrange((colon + 1)..<end, with: Self.replacements[below(Self.replacements.count)])
            }
        case 3:  // deep nesting where a value was
            if let colon = colonPosition(l) {
                let depth = [10, 63, 64, 65, 500, 5000][below(6)]
                let open = [UInt8](repeating: UInt8(ascii: below(2) == 0 ? "[" : "{"), count: depth)
                l.replaceSubrange((colon + 1)..<(colon + 1), with: open + (open[0] == UInt8(ascii: "[") ? Array("1".utf8) + [UInt8](repeating: UInt8(ascii: "]"), count: depth) + [UInt8(ascii: ",")] : []))
            }
        case 4:  // flipped bytes
            for _ in 0...below(8) where !l.isEmpty { l[below(l.count)] ^= UInt8(truncatingIfNeeded: 1 << below(8)) }
        case 5:  // inserted bytes: control bytes, NUL, quotes, backslashes, high bytes
            for _ in 0...below(4) {
                let b: UInt8 = [0, 1, 0x1F, 0x22, 0x5C, 0x7F, 0x80, 0xFF, 0x7B, 0x5B][below(10)]
                l.insert(b, at: below(l.count + 1))
            }
        case 6:  // a member repeated
            if let colon = colonPosition(l), let quote = l[..<colon].lastIndex(of: UInt8(ascii: "\"")).flatMap({ l[..<$0].lastIndex(of: UInt8(ascii: "\"")) }) {
                let end = valueEnd(l, from: colon + 1)
                l.insert(contentsOf: l[quote..<end] + [UInt8(ascii: ",")], at: quote)
            }
        case 7:  // an invented or oversized event name
            let name = below(4) == 0 ? String(repeating: "x", count: 10_000) : "ev\(below(100_000))"
            l = Array("{\"seq_num\":\(below(50)),\"event\":{\"\(name)\":{\"target\":{\"path\":\"/p\"}}}}".utf8)
        default:  // left as it is
            break
        }
        return l
    }

    /// The offset of a random `:` (a member's value follows it).
    mutating func colonPosition(_ l: [UInt8]) -> Int? {
        guard !l.isEmpty else { return nil }
        let start = below(l.count)
        return l[start...].firstIndex(of: UInt8(ascii: ":")) ?? l[..<start].lastIndex(of: UInt8(ascii: ":"))
    }

    /// Roughly where the value after `from` ends (the next `,` or `}` at that level; good enough).
    func valueEnd(_ l: [UInt8], from: Int) -> Int {
        var depth = 0, i = from, inString = false
        while i < l.count {
            let b = l[i]
            if inString {
                if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                depth += 1
            } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                if depth == 0 { return i }
                depth -= 1
            } else if b == UInt8(ascii: ","), depth == 0 {
                return i
            }
            i += 1
        }
        return l.count
    }
}

/// The lines mutated: short real-shaped messages of every mapped event (both token shapes), and
/// the release fixtures' full lines.
func esloggerTemplates() throws -> [[UInt8]] {
    let events = [
        "\"open\":{\"fflag\":3,\"file\":{\"path\":\"/a/b\",\"path_truncated\":false,\"stat\":{\"st_mode\":33188}}}",
        "\"close\":{\"modified\":true,\"target\":{\"path\":\"/a/b\"}}",
        "\"create\":{\"destination_type\":1,\"destination\":{\"new_path\":{\"dir\":{\"path\":\"/a\"},\"filename\":\"c\",\"mode\":420}}}",
        "\"rename\":{\"source\":{\"path\":\"/a/b\"},\"destination\":{\"existing_file\":{\"path\":\"/a/c\"}}}",
        "\"link\":{\"source\":{\"path\":\"/a/b\"},\"target_dir\":{\"path\":\"/a\"},\"target_filename\":\"l\"}",
        "\"exec\":{\"target\":{\"audit_token\":[0,0,0,0,0,9,1,2],\"executable\":{\"path\":\"/bin/sh\"}},\"args\":[\"sh\",\"-c\"],\"cwd\":{\"path\":\"/\"}}",
        "\"fork\":{\"child\":{\"audit_token\":{\"pid\":10,\"pidversion\":3}}}",
        "\"exit\":{\"stat\":0}",
        "\"unlink\":{\"target\":{\"path\":\"/a/c\"},\"parent_dir\":{\"path\":\"/a\"}}",
    ]
    var out = events.enumerated().map { i, e in
        Array(("{\"version\":\(4 + i % 7),\"time\":\"2026-01-01T00:00:0\(i).5Z\",\"global_seq_num\":\(i + 1),\"seq_num\":\(i),"
            + "\"process\":{\"audit_token\":" + (i % 2 == 0 ? "{\"pid\":9,\"pidversion\":2,\"euid\":0}" : "[501,501,20,501,20,9,100,2]")
            + ",\"ppid\":1,\"signing_id\":\"com.x\",\"cdhash\":\"00FF\",\"executable\":{\"path\":\"/bin/sh\"}},\"event\":{\(e)}}").utf8)
    }
    for file in EsloggerFixtures.releases { out += try EsloggerFixtures.lines(file).prefix(3) }
    return out
}

@Suite struct EsloggerRobustnessTests {
    /// 1,000,000 mutated lines: every one is either an event or a counted skip, nothing crashes or
    /// hangs, and what the decoder keeps between lines stays bounded.
    @Test(.timeLimit(.minutes(5))) func aMillionMutatedLines() throws {
        let templates = try esloggerTemplates()
        var mutator = EsloggerMutator(state: 14)
        let receiver = EventCounter()
        let stream = EsloggerStream(name: "mutated")
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 20)
        let total = 1_000_000
        var blanks: UInt64 = 0
        for n in 0..<total {
            // Mostly the short templates (their decoding dominates the time); every 100th a real full line.
            let template = n % 100 == 0 ? templates[9 + mutator.below(templates.count - 9)] : templates[mutator.below(9)]
            var line = mutator.mutate(template)
            // A newline inside the mutation would split it: count lines as the stream sees them.
            for i in line.indices where line[i] == 0x0A { line[i] = 0x20 }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { blanks += 1 }
            chunk += line
            chunk.append(0x0A)
            if chunk.count >= 1 << 20 || n == total - 1 {
                // Cut at an odd place: lines cross chunk boundaries.
                let cut = chunk.count / 3
                chunk.withUnsafeBytes { raw in
                    stream.push(UnsafeRawBufferPointer(rebasing: raw[..<cut]), into: receiver)
                    stream.push(UnsafeRawBufferPointer(rebasing: raw[cut...]), into: receiver)
                }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        stream.finish(into: receiver)
        #expect(stream.lines == UInt64(total))
        #expect(stream.events + stream.skippedLines + blanks == UInt64(total), "every line is an event, a counted skip or blank")
        #expect(stream.events > 100_000, "mutations leave many lines valid: \(stream.events)")
        #expect(stream.malformedLines > 100_000, "\(stream.malformedLines)")
        #expect(receiver.events == stream.events)
        // Bounded state: remembered processes, followed event types; the notices thinned out.
        #expect(stream.mapper.rememberedPIDs <= stream.mapper.capacity)
        #expect(stream.trackedTypes <= EsloggerStream.maxTrackedTypes)
        #expect(receiver.damages <= 5 + 6, "one by one, then at 10, 100, …")
    }
}

/// Counts instead of keeping (a million events would be a lot to keep).
final class EventCounter: EventReceiver {
    var events: UInt64 = 0
    var damages = 0
    var notices = 0
    func receive(_ event: Event) { events += 1 }
    func notice(_ notice: SourceNotice) {
        notices += 1
        if case .damaged = notice { damages += 1 }
    }
}
