// The audit mapper's fast paths (the subject memo, the value caches, in-order exec arguments, the
// one-load field key words) against the plain path: every event mapped by one long-lived mapper
// must equal the same records mapped by a fresh mapper (empty memo and caches), on every shared
// sample and on random logs made to collide in the memo's slots.

import Foundation
import Testing
@testable import FileWatchCore
import TestSupport

@Suite struct AuditMapperFastPathTests {
    /// The records of each event of `text`, as the assembler groups them.
    static func events(_ bytes: [UInt8]) -> [AuditEventRecords] {
        var a = AuditEventAssembler()
        var out: [AuditEventRecords] = []
        for line in bytes.split(separator: 0x0A) {
            guard let r = try? AuditLineParser.parse(bytes: Array(line)), r.stamp != nil else { continue }
            a.push(r) { if case .event(let e) = $0 { out.append(e) } }
        }
        a.finish { if case .event(let e) = $0 { out.append(e) } }
        return out
    }

    /// Maps every event with one mapper and with a fresh one each; returns how many were compared.
    @discardableResult
    static func expectSameAsFresh(_ bytes: [UInt8], _ label: String) -> Int {
        let long = AuditEventMapper()
        var n = 0
        for records in events(bytes) {
            let kept = long.map(records)
            let fresh = AuditEventMapper().map(records)
            #expect(kept == fresh, "\(label): serial \(records.first?.stamp?.serial ?? 0)")
            n += 1
        }
        return n
    }

    @Test(.enabled(if: !LinuxAuditFixture.sampleFiles().isEmpty))
    func everySampleMapsAsWithAFreshMapper() throws {
        var total = 0
        for file in LinuxAuditFixture.sampleFiles() {
            let name = String(file.split(separator: "/").last ?? "")
            // Twice in a row: the second pass maps every event with the memo and caches warm.
            let bytes = try LinuxAuditFixture.sample(name)
            total += Self.expectSameAsFresh(bytes + [0x0A] + bytes, name)
        }
        #expect(total > 100)
    }

    /// Random events whose subjects differ in one part at a time (pid ≡ mod 256, ppid, ids, comm
    /// quoted or hex, exe, enriched UID, PROCTITLE present or not) and whose execve arguments
    /// come in order, out of order, twice, split in pieces or short of argc.
    @Test func randomLogsMapAsWithAFreshMapper() {
        var rng = SeededGenerator(seed: 13)
        for round in 0..<4 {
            var text = ""
            for serial in 1...400 {
                text += Self.randomEvent(serial: serial, &rng)
            }
            let n = Self.expectSameAsFresh(Array(text.utf8), "round \(round)")
            #expect(n == 400)
        }
    }

    static func randomEvent(serial: Int, _ rng: inout SeededGenerator) -> String {
        let s = "msg=audit(1700000000.\(String(format: "%03d", serial % 1000)):\(serial)):"
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let pid = pick([7, 7 + 256, 7 + 512, 9, 1000])
        let comm = pick(["comm=\"cat\"", "comm=636174", "comm=\"ca\"", "comm=(null)", ""])
        let exe = pick(["exe=\"/usr/bin/cat\"", "exe=2F7573722F62696E2F636174", "exe=\"/bin/cat\"", ""])
        let ids = pick(["uid=0 euid=0", "uid=1000 euid=0", "uid=1000 euid=1000 auid=4294967295", "uid=1000"])
        let ppid = pick(["ppid=1", "ppid=2", ""])
        let enriched = pick(["", "\u{1D}UID=\"root\"", "\u{1D}UID=\"alice\" SYSCALL=\"execve\""])
        let exec = rng.next() % 3 == 0
        var lines = ["type=SYSCALL \(s) arch=c000003e syscall=\(exec ? 59 : 257) success=yes exit=0 a0=ffffff9c a1=0 items=1 \(ppid) pid=\(pid) \(ids) gid=0 \(comm) \(exe) key=(null)\(enriched)"]
        if exec {
            let args: String = pick([
                "argc=3 a0=\"ls\" a1=\"-l\" a2=\"/tmp\"",
                "argc=3 a1=\"-l\" a0=\"ls\" a2=\"/tmp\"",
                "argc=2 a0=\"ls\" a0=\"again\" a1=\"x\"",
                "argc=2 a0=\"ls\" a1_len=4 a1[0]=\"ab\" a1[1]=\"cd\"",
                "argc=4 a0=\"ls\" a1=\"-l\"",
                "argc=1 a0=\"ls\" a1=\"extra\"",
                "argc=2 a0=6C73 a1=\"x y\"",
            ])
            lines.append("type=EXECVE \(s) \(args)")
        }
        lines.append("type=CWD \(s) cwd=\"/home/u\"")
        lines.append("type=PATH \(s) item=0 name=\"\(pick(["f", "/abs/f", "./g"]))\" mode=0100644 nametype=NORMAL")
        if rng.next() % 2 == 0 {
            lines.append("type=PROCTITLE \(s) proctitle=\(pick(["636174002F746D70", "\"cat\"", "636174", "(null)"]))")
        }
        lines.append("type=EOE \(s)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The one-load key word equals the key's bytes read one by one, for keys at any place,
    /// including the last bytes of a record (where the load would run past it).
    @Test func keyWordsAtEveryPlaceAreTheKeysBytes() throws {
        for line in ["type=X msg=audit(1.000:1): a=1 pid=2 longerthanseven=3 uid=4 e=",
                     "type=X msg=audit(1.000:1): syscall=1 x=\"y\" comm=c",
                     "type=X msg=audit(1.000:1): k=v\u{1D}UID=\"root\" AUID=u"] {
            let r = try LinuxAuditFixture.parse(line)
            r.withView { v in
                for f in v.fields {
                    let key = Array(v.bytes[Int(f.keyStart)..<Int(f.keyEnd)])
                    var plain: UInt64 = 0
                    if key.count <= 7 {
                        plain = UInt64(key.count) << 56
                        for (i, b) in key.enumerated() { plain |= UInt64(b) << (8 * UInt64(i)) }
                    }
                    #expect(v.keyCode(f) == plain, "\(String(decoding: key, as: UTF8.self)) in \(line)")
                }
            }
        }
    }

    /// The JSON sink's memos (`"process"` by pid, `"linux_audit"` by syscall) against a fresh
    /// sink per event: the same bytes, for events whose details collide in a slot and differ in
    /// one member at a time, and for every event of the random logs.
    @Test func jsonOfEachEventIsAsFromAFreshSink() {
        var rng = SeededGenerator(seed: 14)
        var events: [Event] = []
        var text = ""
        for serial in 1...300 { text += Self.randomEvent(serial: serial, &rng) }
        let mapper = AuditEventMapper()
        for records in Self.events(Array(text.utf8)) { if let e = mapper.map(records) { events.append(e) } }
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        for serial in 0..<300 {
            var e = pick(events)
            e.detail = .linuxAudit(LinuxAuditDetail(
                recordType: pick([1300, 1300 + 32, 1109]), recordTypeName: pick(["SYSCALL", "USER_ACCT", "X\"Y"]),
                arch: pick(["x86_64", "i386", nil]), syscall: pick([2, 34, 2 + 64, nil]), syscallName: pick(["open", "pause", nil]),
                serial: UInt64(serial), key: pick(["k", nil]), node: pick(["n", nil])))
            events.append(e)
        }
        let shared = MemoryWriter()
        let sink = JSONSink(output: OutputBuffer(writer: shared, lineBuffered: false))
        var fresh: [UInt8] = []
        for e in events {
            try? sink.write(e)
            let w = MemoryWriter()
            let one = JSONSink(output: OutputBuffer(writer: w, lineBuffered: false))
            try? one.write(e)
            try? one.flush()
            fresh += w.bytes
        }
        try? sink.flush()
        #expect(shared.bytes.count == fresh.count)
        #expect(shared.text == String(decoding: fresh, as: UTF8.self))
    }
}
