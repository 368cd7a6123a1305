import Testing
@testable import FileWatchCore
import TestSupport

/// A stream decoder keeps the process and `bsm_event` objects it decoded and recognizes them by
/// their exact bytes on later lines (JSONObjectCache): what it delivers must be what decoding each
/// line alone gives, whatever repeats, changes or breaks off.
@Suite struct JSONObjectCacheTests {
    /// Events whose process objects repeat exactly, share their first bytes but differ later (an
    /// exec: same pid, new name and command line; a name that is not UTF-8, written with its
    /// base64 twin; escapes), and whose bsm_event objects differ only in the modifier.
    static func events() -> [Event] {
        var out: [Event] = []
        let names: [ByteString] = ["prog", "prog2", ByteString([0x70, 0xFF, 0x71]), "tab\there \"quoted\" \\ é",
                                   "<img src=x onerror=alert(1)>"]
        for i in 0..<60 {
            let name = names[(i / 3) % names.count]
            let p = ProcessSubject(pid: Int32(100 + i % 4), ppid: 1, name: name, executable: ByteString(Array("/usr/bin/".utf8) + name.bytes),
                                   arguments: [name, ByteString("-x\(i / 7)")], uid: 501, euid: 501, auid: 501, gid: 20)
            var e = Event(time: 1_700_000_000_000_000 + Int64(i) * 1_001, kind: i % 5 == 0 ? .exec : .open, process: p,
                          path: ByteString(Array("/home/u/f\(i % 9)-".utf8) + name.bytes), source: .trail,
                          detail: .bsm(event: 72, name: "AUE_OPEN_R", modifier: UInt16(i % 2)))
            if i % 7 == 3 { e.result = .failure(errno: 13) }
            out.append(e)
        }
        return out
    }

    @Test func repeatedAndChangedObjectsDecodeAsEachLineAlone() throws {
        let events = Self.events()
        var bytes: [UInt8] = []
        var alone: [Event] = []
        for e in events {
            let l = try jsonLinesBytes([e])
            bytes += l
            alone.append(try l.dropLast().withUnsafeBytes { try EventJSONDecoder.decode($0) })
        }
        for chunk in [1 << 20, 97, 7] {
            let c = decodeJSONLines(bytes, chunk: chunk)
            #expect(c.notices.isEmpty)
            #expect(c.events == alone, "chunk \(chunk)")
            #expect(c.events == events, "chunk \(chunk)")
        }
    }

    @Test func aLineCutOffAfterAKnownObjectFailsCleanly() throws {
        let e = Self.events()[4]
        var first = try jsonLinesBytes([e])
        first.removeLast()
        // Every prefix of the same line after the whole line: the cache knows its process and
        // bsm_event objects, and must not carry a prefix past its end.
        for n in 1..<first.count {
            var bytes = first + [0x0A]
            bytes += first[0..<n] + [0x0A]
            bytes += first + [0x0A]
            let c = decodeJSONLines(bytes)
            #expect(c.events.count == 2 && c.events.allSatisfy { $0 == e }, "prefix \(n)")
            guard c.notices.count == 1, case .damaged(_, let offset, let reason) = c.notices[0] else {
                Issue.record("prefix \(n): \(c.notices)"); continue
            }
            #expect(reason.hasPrefix("line 2:"), "prefix \(n): \(reason)")
            #expect(offset >= UInt64(first.count + 1) && offset <= UInt64(first.count + 1 + n), "prefix \(n): offset \(offset)")
        }
    }

    @Test func aLookupNeedsTheWholeObject() throws {
        var cache = JSONObjectCache<Int>(slots: 4, keyBytes: 16)
        let object = Array(#"{"pid":12345,"name":"a long enough name"}"#.utf8)
        object.withUnsafeBytes { cache.store($0, 0..<$0.count, 7) }
        // The same object, with something after it: a hit, past the object only.
        let later = Array(#"  {"pid":12345,"name":"a long enough name"},"x":1}"#.utf8)
        later.withUnsafeBytes { p in
            var s = JSONScanner(p)
            #expect(cache.lookup(&s) == 7)
            #expect(s.position == 2 + object.count)
        }
        // Its first bytes only (cut off), or the same start and another end: misses, nothing consumed.
        for other in [#"{"pid":12345,"name":"a long enough"#, #"{"pid":12345,"name":"a long enough nam!"}"#] {
            Array(other.utf8).withUnsafeBytes { p in
                var s = JSONScanner(p)
                #expect(cache.lookup(&s) == nil, "\(other)")
                #expect(s.position == 0)
            }
        }
        // Objects shorter than the key are not kept.
        let short = Array(#"{"pid":1}"#.utf8)
        short.withUnsafeBytes { cache.store($0, 0..<$0.count, 8) }
        (short + Array("          ".utf8)).withUnsafeBytes { p in
            var s = JSONScanner(p)
            #expect(cache.lookup(&s) == nil)
        }
    }
}
