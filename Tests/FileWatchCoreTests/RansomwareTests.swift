import Foundation
import Testing
@testable import FileWatchCore

/// Reads files by path (Foundation; the real readers live in EventSources).
final class TestPathReader: ContentReader {
    func readPrefix(of event: Event, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, ContentUnavailable> {
        guard let path = event.path?.utf8String, let h = FileHandle(forReadingAtPath: path) else {
            return .failure(ContentUnavailable("cannot open"))
        }
        defer { try? h.close() }
        let data = (try? h.read(upToCount: buffer.count)) ?? Data()
        data.copyBytes(to: buffer)
        return .success(min(data.count, buffer.count))
    }
}

/// Deterministic pseudo-random bytes (xorshift64*), as an encryptor's output would look.
func randomBytes(_ n: Int, seed: UInt64) -> [UInt8] {
    var x = seed | 1
    var out = [UInt8](); out.reserveCapacity(n)
    while out.count < n {
        x ^= x >> 12; x ^= x << 25; x ^= x >> 27
        let v = x &* 0x2545F4914F6CDD1D
        withUnsafeBytes(of: v) { out.append(contentsOf: $0.prefix(n - out.count)) }
    }
    return out
}

func documentText(_ n: Int, seed: Int) -> [UInt8] {
    let words = ["the", "quarterly", "report", "shows", "growth", "in", "revenue", "and", "costs", "for", "our",
                 "customers", "team", "meeting", "notes", "budget", "plan", "2026", "draft", "final"]
    var out = [UInt8]()
    var i = UInt(seed)
    while out.count < n {
        out += Array((words[Int(i % UInt(words.count))] + (i % 11 == 0 ? ".\n" : " ")).utf8)
        i = i &* 6364136223846793005 &+ 1442695040888963407
        i ^= i >> 33
    }
    return Array(out.prefix(n))
}

@Suite struct ContentAnalysisTests {
    @Test func entMatchesKnownValues() {
        // All 256 byte values equally often: exactly 8 bits/byte.
        let uniform = (0..<4096).map { UInt8($0 & 0xFF) }
        #expect(abs(ContentStatistics(uniform).entropy - 8) < 1e-9)
        #expect(ContentStatistics([UInt8](repeating: 65, count: 5000)).entropy == 0)
        // Two symbols 50/50: 1 bit.
        #expect(abs(ContentStatistics((0..<1000).map { UInt8($0 & 1) }).entropy - 1) < 1e-9)
        // log2 replacement is accurate.
        for x in [1e-9, 0.001, 0.1, 0.25, 0.3333, 0.5, 0.77, 1.0] {
            #expect(abs(entropyLog2(x) - Foundation.log2(x)) < 1e-12)
        }
        // Monte Carlo: all-zero coordinates are inside; all-0xFF outside.
        #expect(ContentStatistics([UInt8](repeating: 0, count: 600)).piEstimate == 4)
        #expect(ContentStatistics([UInt8](repeating: 0xFF, count: 600)).piEstimate == 0)
        let r = ContentStatistics(randomBytes(1 << 20, seed: 42))
        #expect(r.entropy > 7.999)
        #expect(r.piErrorPercent < 0.5)
    }

    @Test func encryptionVerdicts() {
        let test = EncryptionTest()
        #expect(test.judge(randomBytes(64 << 10, seed: 7)).isEncrypted)
        #expect(test.judge(randomBytes(2 << 20, seed: 8)).isEncrypted, "only the first MiB is used")
        #expect(test.judge(randomBytes(1000, seed: 9)) == .tooSmall(1000))
        if case .plain(let s) = test.judge(documentText(100_000, seed: 1)) { #expect(s.entropy < 6) } else { Issue.record("text judged") }
        var gz = randomBytes(64 << 10, seed: 10); gz[0] = 0x1F; gz[1] = 0x8B
        #expect(test.judge(gz) == .knownFormat(.gzip))
        var zip = randomBytes(64 << 10, seed: 11); zip.replaceSubrange(0..<4, with: [0x50, 0x4B, 0x03, 0x04])
        #expect(test.judge(zip) == .knownFormat(.zip))
        var mp4 = randomBytes(64 << 10, seed: 12); mp4.replaceSubrange(4..<8, with: Array("ftyp".utf8))
        #expect(test.judge(mp4) == .knownFormat(.isoMedia))
        var z = randomBytes(64 << 10, seed: 13); z[0] = 0x78; z[1] = 0x9C
        #expect(test.judge(z) == .knownFormat(.zlib))
        // Biased bytes: high entropy is not enough without the π test, and vice versa.
        let biased = randomBytes(256 << 10, seed: 14).map { $0 & 0xFE }
        #expect(!test.judge(biased).isEncrypted)
    }

    @Test func magicNumbers() {
        let cases: [([UInt8], KnownFormat)] = [
            ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], .xz), (Array("BZh9".utf8), .bzip2), ([0x28, 0xB5, 0x2F, 0xFD], .zstd),
            ([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], .sevenZip), (Array("Rar!".utf8) + [0x1A, 0x07, 0x00], .rar),
            ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], .png), ([0xFF, 0xD8, 0xFF, 0xE0], .jpeg),
            (Array("GIF89a".utf8), .gif), (Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBP".utf8), .webp), (Array("%PDF-1.7".utf8), .pdf),
            (Array("ID3\u{4}".utf8), .mp3), ([0xFF, 0xFB, 0x90, 0x00], .mp3), (Array("OggS".utf8), .ogg), (Array("fLaC".utf8), .flac),
            (Array("PACK".utf8) + [0, 0, 0, 2], .gitPack), (Array("wOF2".utf8), .woff2),
        ]
        for (bytes, format) in cases { #expect(KnownFormat.detect(bytes + [UInt8](repeating: 0x20, count: 16)) == format) }
        #expect(KnownFormat.detect(Array("hello world, plain text".utf8)) == nil)
    }
}

@Suite struct RansomwareTests {
    let dir: URL
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fw-ransom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    let proc = ProcessSubject(pid: 777, name: "evil", executable: "/tmp/evil")

    func ev(_ kind: EventKind, _ p: String, t: Int64, dest: String? = nil, afterWrite: Bool? = nil,
            flags: OpenFlags = [], process: ProcessSubject? = nil) -> Event {
        Event(time: t, kind: kind, process: process ?? proc, path: ByteString(p), destinationPath: dest.map { ByteString($0) },
              openFlags: flags, closeAfterWrite: afterWrite, source: .fanotify)
    }

    @Test func inPlaceEncryptionFlaggedAtFifthFile() throws {
        let d = RansomwareDetector(reader: TestPathReader())
        var alerts: [(Int, Alert)] = []
        for i in 0..<10 {
            let p = path("doc\(i).txt")
            try Data(documentText(50_000, seed: i)).write(to: URL(fileURLWithPath: p))
            let t = Int64(i) * 100_000
            _ = d.inspect(ev(.open, p, t: t, flags: [.read, .write]))
            try Data(randomBytes(50_000, seed: UInt64(i + 1))).write(to: URL(fileURLWithPath: p))
            if let a = d.inspect(ev(.close, p, t: t + 1, afterWrite: true)) { alerts.append((i, a)) }
            try FileManager.default.moveItem(atPath: p, toPath: p + ".locked")
            if let a = d.inspect(ev(.rename, p, t: t + 2, dest: p + ".locked")) { alerts.append((i, a)) }
        }
        #expect(alerts.first?.0 == 4, "alert at the 5th file, got \(alerts.map(\.0))")
        let a = try #require(alerts.first?.1)
        #expect(a.origin == .ransomware)
        #expect(a.severity == .critical)
        #expect(a.evidence.count == 5)
        // The 5th file is flagged at its close, before its rename; the earlier evidence followed the renames.
        #expect(a.evidence.prefix(4).allSatisfy { $0.path.description.hasSuffix(".locked") }, "evidence follows the rename")
        #expect(a.evidence.last?.path.description.hasSuffix("doc4.txt") == true)
        #expect(alerts.count == 1, "10 files in 1 s: one alert, not one per 5 files")
        #expect(d.filesEncrypted == 10)
    }

    @Test func newFilePlusDeleteOfOriginal() throws {
        let d = RansomwareDetector(reader: TestPathReader())
        var first: Int?
        for i in 0..<6 {
            let p = path("f\(i).docx"), q = p + ".locked"
            let t = Int64(i) * 1_000_000
            _ = d.inspect(ev(.open, p, t: t, flags: [.read]))
            _ = d.inspect(ev(.close, p, t: t + 1, afterWrite: false))
            try Data(randomBytes(20_000, seed: UInt64(100 + i))).write(to: URL(fileURLWithPath: q))
            if d.inspect(ev(.close, q, t: t + 2, afterWrite: true)) != nil, first == nil { first = i }
            if d.inspect(ev(.delete, p, t: t + 3)) != nil, first == nil { first = i }
        }
        #expect(first == 2, "2 signals per victim: the 3rd victim crosses 5")
    }

    @Test func aBusyOffenderAlertsOncePerWindow() {
        let d = RansomwareDetector(options: RansomwareOptions(threshold: 5, windowSeconds: 30), reader: nil)
        var alertTimes: [Int64] = []
        // 200 renames to .locked, one every 0.5 s (100 s).
        for i in 0..<200 {
            let t = Int64(i) * 500_000
            if d.inspect(ev(.rename, "/d/f\(i).txt", t: t, dest: "/d/f\(i).txt.locked")) != nil { alertTimes.append(t) }
        }
        #expect(alertTimes == [2_000_000, 32_000_000, 62_000_000, 92_000_000])
    }

    @Test func deletesAfterReadNeedStrongEvidence() throws {
        // git rm / gzip / mv across filesystems: read then delete many files, nothing encrypted.
        let d = RansomwareDetector(reader: TestPathReader())
        for i in 0..<50 {
            _ = d.inspect(ev(.open, "/r/f\(i)", t: Int64(i) * 10, flags: [.read]))
            #expect(d.inspect(ev(.delete, "/r/f\(i)", t: Int64(i) * 10 + 1)) == nil)
        }
        // Then one file renamed to a new extension: now the deletes count too.
        let a = d.inspect(ev(.rename, "/r/x.doc", t: 1000, dest: "/r/x.doc.locked"))
        #expect(a != nil)
        #expect(a?.evidence.filter { $0.reason.isStrong }.count == 1)
    }

    @Test func windowAndThresholdAreHonoured() throws {
        let d = RansomwareDetector(options: RansomwareOptions(threshold: 3, windowSeconds: 10), reader: nil)
        // Renames to a new extension only, 6 s apart: never 3 within 10 s.
        for i in 0..<6 {
            #expect(d.inspect(ev(.rename, "/d/a\(i).txt", t: Int64(i) * 6_000_000, dest: "/d/a\(i).txt.enc")) == nil)
        }
        // Now 3 quickly.
        var got: Alert?
        for i in 0..<3 { got = d.inspect(ev(.rename, "/d/b\(i).txt", t: 40_000_000 + Int64(i), dest: "/d/b\(i).crypt")) ?? got }
        #expect(got?.evidence.count == 3)
    }

    @Test func benignPatternsDoNotCount() throws {
        let d = RansomwareDetector(options: RansomwareOptions(threshold: 2), reader: TestPathReader())
        // Atomic save (temp → real name), lock files, backups, moves.
        let renames = [(".doc.txt.swp1", "doc.txt"), ("index.lock", "index"), ("a.txt", "b.txt"), ("a.txt", "/other/a.txt"),
                       ("x.tmp", "x"), ("report.docx", "report.docx~"), (".bashrc", ".bashrc")]
        for (i, (a, b)) in renames.enumerated() {
            #expect(d.inspect(ev(.rename, "/d/" + a, t: Int64(i), dest: b.hasPrefix("/") ? b : "/d/" + b)) == nil, "\(a) → \(b)")
        }
        // Deleting files it never read; writing text; writing compressed data.
        for i in 0..<5 { #expect(d.inspect(ev(.delete, "/d/tmp\(i)", t: 100 + Int64(i))) == nil) }
        for i in 0..<5 {
            let p = path("plain\(i).c")
            try Data(documentText(30_000, seed: i)).write(to: URL(fileURLWithPath: p))
            #expect(d.inspect(ev(.close, p, t: 200 + Int64(i), afterWrite: true)) == nil)
            var gz = randomBytes(30_000, seed: UInt64(i)); gz[0] = 0x1F; gz[1] = 0x8B
            let g = path("arch\(i).gz")
            try Data(gz).write(to: URL(fileURLWithPath: g))
            #expect(d.inspect(ev(.close, g, t: 300 + Int64(i), afterWrite: true)) == nil)
        }
        #expect(d.filesJudged == 10)
        #expect(d.filesEncrypted == 0)
    }

    @Test func extensionRules() {
        func ext(_ a: String, _ b: String) -> String? {
            RansomwareDetector.newExtension(from: ByteString(a), to: ByteString(b)).map { "\($0.0)>\($0.1)" }
        }
        #expect(ext("/d/a.docx", "/d/a.docx.locked") == "docx>locked")
        #expect(ext("/d/a.docx", "/d/a.crypt") == "docx>crypt")
        #expect(ext("/d/README", "/d/README.enc") == ">enc")
        #expect(ext("/d/a.docx", "/e/a.docx") == nil)
        #expect(ext("/d/a.tmp", "/d/a") == nil)
        #expect(ext("/d/.x.swp", "/d/x") == nil)
        // Seen live: swift-frontend's index store writes `X.o-HASH-suffix` and renames it to `X.o-HASH`.
        #expect(ext("/i/BSMStream.swift.o-38RGAZN1VWT0T-a9285e24", "/i/units/BSMStream.swift.o-38RGAZN1VWT0T") == nil)
        #expect(ext("/i/AuditPipeSource.swift-90W55IGN4I08-temp-fd13368b", "/i/AuditPipeSource.swift-90W55IGN4I08") == nil)
        #expect(ext("/var/log/syslog", "/var/log/syslog.1") == nil)
        #expect(ext("/var/log/app.log.1", "/var/log/app.log.2") == nil)
        #expect(ext("/d/a.conf", "/d/a.conf.bak") == nil)
        #expect(ext("/d/a.conf", "/d/a.conf.dpkg-old") == nil)
        #expect(ext("/d/movie.part", "/d/movie.mkv") == nil)
        #expect(ext("/d/a.tmp", "/d/a.txt") == nil)
        #expect(ext("/d/a.txt", "/d/a.txt.~1~") == nil)
        #expect(ext("/d/a.docx", "/d/a.docx.id-8A2F_wncry") == "docx>id-8A2F_wncry")
        #expect(ext("/d/photo.JPG", "/d/photo.JPG.ENCRYPTED") == "JPG>ENCRYPTED")
        #expect(ext("/d/photo.JPG", "/d/photo.jpg") == nil, "a case change is not a new extension")
    }

    @Test func processesAreSeparateAndPidReuseResets() {
        let d = RansomwareDetector(options: RansomwareOptions(threshold: 3), reader: nil)
        let other = ProcessSubject(pid: 778, name: "evil2")
        _ = d.inspect(ev(.rename, "/d/1.txt", t: 1, dest: "/d/1.txt.x"))
        _ = d.inspect(ev(.rename, "/d/2.txt", t: 2, dest: "/d/2.txt.x", process: other))
        _ = d.inspect(ev(.rename, "/d/3.txt", t: 3, dest: "/d/3.txt.x"))
        // Same pid, another program: its count starts at zero.
        let reused = ProcessSubject(pid: 777, name: "innocent")
        #expect(d.inspect(ev(.rename, "/d/4.txt", t: 4, dest: "/d/4.txt.x", process: reused)) == nil)
        #expect(d.inspect(ev(.rename, "/d/5.txt", t: 5, dest: "/d/5.txt.x", process: reused)) == nil)
        #expect(d.inspect(ev(.rename, "/d/6.txt", t: 6, dest: "/d/6.txt.x", process: reused)) != nil)
    }

    @Test func trailSourcesWithoutCloseDetailUseOpenFlags() throws {
        let d = RansomwareDetector(options: RansomwareOptions(threshold: 2), reader: TestPathReader())
        var alert: Alert?
        for i in 0..<2 {
            let p = path("t\(i).bin")
            try Data(randomBytes(8192, seed: UInt64(50 + i))).write(to: URL(fileURLWithPath: p))
            _ = d.inspect(ev(.open, p, t: Int64(i * 10), flags: [.write, .create, .truncate]))
            alert = d.inspect(ev(.close, p, t: Int64(i * 10 + 1))) ?? alert
        }
        #expect(alert != nil)
        // A close with no earlier write-open is not judged.
        let before = d.filesJudged
        _ = d.inspect(ev(.close, path("t0.bin"), t: 100))
        #expect(d.filesJudged == before)
    }
}
