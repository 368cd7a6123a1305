// The word-at-a-time line parser against a plain one written from the grammar a byte at a time
// (the specification): the same fields (offsets, forms, enriched flags) or the same error for
// sample lines, the benchmark's shapes, random lines dense in the grammar's special bytes, and
// every prefix of each; the stamp memo and the common record types against the plain reading.

import Foundation
import Testing
@testable import FileWatchCore
import TestSupport

@Suite struct AuditFastParseTests {
    /// The plain reading of `fields` (AuditLineParser's grammar), one byte at a time.
    static func plainFields(_ b: [UInt8], from: Int, end: Int, into out: inout [AuditField],
                            allowEnriched: Bool) throws(AuditLineError) {
        func first(_ i: Int, _ stops: Set<UInt8>) -> Int {
            var k = i
            while k < end, !stops.contains(b[k]) { k += 1 }
            return k
        }
        var enriched = false
        var i = from
        while i < end {
            let ch = b[i]
            if ch == 0x20 || ch == 0x09 || ch == 0x0A { i += 1; continue }
            if ch == 0x1D {
                guard allowEnriched, !enriched else { throw AuditLineError(reason: "unexpected 0x1D separator", column: i + 1) }
                enriched = true
                i += 1
                continue
            }
            let keyStart = i
            i = first(i, [0x3D, 0x20, 0x1D])
            guard i < end, b[i] == 0x3D, i > keyStart else {
                if i == keyStart { i += 1 }
                continue
            }
            let keyEnd = i
            i += 1
            if i < end, b[i] == 0x22 || b[i] == 0x27 {
                let quote = b[i]
                let start = i + 1
                let j = first(start, [quote])
                guard j < end || quote == 0x27 else {
                    throw AuditLineError(reason: "unterminated quoted value of '\(String(decoding: b[keyStart..<keyEnd], as: UTF8.self))'",
                                         column: start)
                }
                out.append(AuditField(keyStart: Int32(keyStart), keyEnd: Int32(keyEnd), valueStart: Int32(start),
                                      valueEnd: Int32(j), form: quote == 0x22 ? .quoted : .singleQuoted, enriched: enriched))
                if quote == 0x27 { try plainFields(b, from: start, end: j, into: &out, allowEnriched: false) }
                i = min(j + 1, end)
            } else {
                let start = i
                i = first(i, [0x20, 0x1D])
                out.append(AuditField(keyStart: Int32(keyStart), keyEnd: Int32(keyEnd), valueStart: Int32(start),
                                      valueEnd: Int32(i), form: .bare, enriched: enriched))
            }
        }
    }

    /// The fast scanner's result for `b[from...]`, in a buffer exactly as long as `b` (reads past
    /// its end would be caught by the address sanitizer; a wrong index by the comparison).
    static func fastFields(_ b: [UInt8], from: Int, allowEnriched: Bool = true) -> Result<[AuditField], AuditLineError> {
        b.withUnsafeBufferPointer { p in
            var room = AuditFieldRoom()
            return room.withRoom(forLine: b.count) { out in
                var n = 0
                do throws(AuditLineError) {
                    try AuditLineParser.parseFields(p, from: from, end: b.count, into: out, count: &n, allowEnriched: allowEnriched)
                    return .success(Array(out[0..<n]))
                } catch { return .failure(error) }
            }
        }
    }

    static func plain(_ b: [UInt8], from: Int, allowEnriched: Bool = true) -> Result<[AuditField], AuditLineError> {
        var out: [AuditField] = []
        do throws(AuditLineError) {
            try plainFields(b, from: from, end: b.count, into: &out, allowEnriched: allowEnriched)
            return .success(out)
        } catch { return .failure(error) }
    }

    /// Every prefix of `line`, read from `from`, the same both ways.
    static func agree(_ line: [UInt8], from: Int = 0) -> Bool {
        for cut in 0...line.count {
            let p = Array(line.prefix(cut))
            let f = min(from, cut)
            for allow in [true, false] where fastFields(p, from: f, allowEnriched: allow) != plain(p, from: f, allowEnriched: allow) {
                Issue.record("differs for \(String(decoding: p, as: UTF8.self).debugDescription) from \(f)")
                return false
            }
        }
        return true
    }

    static let benchmarkShapes = [
        "type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd a2=0 a3=0 items=1 ppid=100 pid=1000 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=2 comm=\"cat\" exe=\"/usr/bin/cat\" subj=unconfined key=\"fw\"",
        "type=CWD msg=audit(1700000000.002:3):  cwd=\"/var/spool/postfix\"",
        "type=PATH msg=audit(1700000000.000:1): item=0 name=\"file0.txt\" inode=11 dev=fe:01 mode=0100644 ouid=1000 ogid=1000 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
        "type=PROCTITLE msg=audit(1700000000.000:1): proctitle=636174006E6F7465732E747874",
        "type=EOE msg=audit(1700000000.000:1):",
        "type=EXECVE msg=audit(1700000000.001:2): argc=3 a0=\"grep\" a1=\"--color=auto\" a2=\"mapping\"",
        "type=USER_ACCT msg=audit(1700000000.003:4): pid=13015 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:accounting grantors=pam_unix acct=\"root\" exe=\"/usr/sbin/crond\" hostname=? addr=? terminal=cron res=success'",
        "node=web1 type=SYSCALL msg=audit(1700000000.007:42): arch=c000003e syscall=257 key=(null) msg='op=x acct=\"root\" res=success'\u{1D}ARCH=x86_64 UID=\"alice\"",
        "type=AVC msg=audit(1.5:2): avc:  denied  { read write } for  pid=7 comm=\"x\" tclass=dir",
        "type=SERVICE_STOP msg=audit(1.5:3): pid=1 msg='unit=x comm=\"systemd\" res=success",
        "type=X msg=audit(1.5:4): a=b\tc=d\u{0}e=f =g k==v k=\"\" k='' k= \u{1D}\u{1D} t\tk=v",
    ]

    @Test func benchmarkShapesAndEveryPrefixAgree() {
        for line in Self.benchmarkShapes {
            let b = Array(line.utf8)
            #expect(Self.agree(b))
            // From past the header, as the decoder reads them.
            if let r = line.range(of: "): ") { #expect(Self.agree(b, from: line.utf8.distance(from: line.startIndex, to: r.upperBound))) }
        }
    }

    @Test(.enabled(if: !LinuxAuditFixture.sampleFiles().isEmpty))
    func everySampleLineAgrees() throws {
        for file in LinuxAuditFixture.sampleFiles() {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            for line in bytes.split(separator: 0x0A) {
                let b = Array(line)
                guard Self.fastFields(b, from: 0) == Self.plain(b, from: 0) else {
                    Issue.record("\(file): \(String(decoding: b, as: UTF8.self))")
                    return
                }
            }
        }
    }

    /// Random lines of the grammar's special bytes and a few others (control bytes, high bytes,
    /// bytes just around the ones the word tests look for), every length 0…70 and every prefix.
    @Test func randomLinesAgree() {
        let alphabet: [UInt8] = [0x20, 0x20, 0x3D, 0x3D, 0x22, 0x27, 0x1D, 0x09, 0x0A, 0x00, 0x01, 0x1C, 0x1E, 0x21,
                                 0x3C, 0x3E, 0x23, 0x26, 0x28, 0x7F, 0x80, 0xA0, 0xA1, 0xFF, 0x61, 0x62, 0x30, 0x41]
        var rng = SplitMix(seed: 13)
        var checked = 0
        for length in 0...70 {
            for _ in 0..<40 {
                let line = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                let from = length == 0 ? 0 : Int(rng.next() % UInt64(min(length, 9)))
                let f = Self.fastFields(line, from: from), p = Self.plain(line, from: from)
                #expect(f == p, "\(line) from \(from)")
                if case .success(let fields) = f {
                    let inside = line.withUnsafeBufferPointer { b in
                        fields.withUnsafeBufferPointer { fs in
                            AuditEventRecords.fieldsInside(AuditRecordView(header: AuditRecordHeader(type: 0, typeNameRange: 0..<0, nodeRange: nil, stamp: nil, line: 0),
                                                                           bytes: b, fields: fs))
                        }
                    }
                    #expect(inside)
                }
                if f != p { return }
                checked += 1
            }
        }
        // Long runs without a stop byte, a stop at every offset of a word.
        for n in 0..<40 {
            for stop: UInt8 in [0x20, 0x3D, 0x1D, 0x22, 0x27, 0x09] {
                let line = Array("k=".utf8) + Array(repeating: 0x61, count: n) + [stop] + Array("v=\"w\" x".utf8)
                #expect(Self.agree(line))
                checked += 1
            }
        }
        #expect(checked > 3000)
    }

    /// The stamp memo: a line whose stamp text differs anywhere (a digit of each part, its length)
    /// gets its own stamp, a repeated one the same.
    @Test func stampMemoTellsEveryDifference() throws {
        let stamps = ["1700000000.000:1", "1700000000.000:1", "1700000000.000:2", "1700000000.001:2", "1700000001.001:2",
                      "1700000001.001:21", "1700000001.001:21", "2.5:1", "1700000001.001:12345678901234567890",
                      "1700000001.001:12345678901234567890", "1700000001.001:2", "17000000001.001:2"]
        var memo = AuditStampMemo()
        for s in stamps {
            let line = Array("audit(\(s)): x=1".utf8)
            let got = try line.withUnsafeBufferPointer { p throws(AuditLineError) -> AuditStamp in
                var c = Cursor(bytes: p)
                return try memo.parse(&c)
            }
            let parts = s.split(whereSeparator: { $0 == "." || $0 == ":" }).map(String.init)
            #expect(got == AuditStamp(seconds: UInt64(parts[0])!, milliseconds: UInt32(parts[1])!, serial: UInt64(parts[2])!), "\(s)")
        }
    }

    /// Every record type name of the table reads as its number (the common ones are told from
    /// their bytes without the table).
    @Test func everyTableTypeNameReadsAsItsNumber() throws {
        for (number, name) in LinuxAuditTables.recordTypes {
            let r = try LinuxAuditFixture.parse("type=\(name) msg=audit(1.000:1): a=b")
            #expect(r.type == AuditRecordTypes.number("\(name)") && AuditRecordTypes.number("\(name)") != nil, "\(name) \(number)")
        }
    }
}
