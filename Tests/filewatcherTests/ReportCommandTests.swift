import Foundation
import Testing
import TestSupport

/// `filewatcher report` and `watch --report`, end to end through the binary (standard input) and in-process.
@Suite struct ReportCommandTests {
    static var samples: String { TestEnvironment.samples ?? "/nonexistent" }
    static var trails: [String] {
        ["freebsd-13-logins-execs.bsm", "macos-10.9-plaso.bsm", "openbsm-execve-long-args.bsm"].map { samples + "/" + $0 }
    }

    static func page(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test(.needsSamples) func drawsTheSharedTrails() throws {
        let dir = try TemporaryDirectory("fw-report")
        defer { dir.remove() }
        let out = dir.file("r.html")
        let r = try run(["report", "-a", "-o", out] + Self.trails)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("report written to \(out)"))
        let page = try Self.page(out)
        for id in ["timeline", "programs", "tree", "files", "failures", "alerts"] { #expect(page.contains("id=\"\(id)\"")) }
        #expect(page.contains("macos-10.9-plaso.bsm"))
        #expect(page.contains("<g class=\"bar\">"))
        #expect(page.contains("none: every event is shown"))
        let attributes = try FileManager.default.attributesOfItem(atPath: out)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test(.needsSamples) func damagedInputIsReportedAndThePageStillWritten() throws {
        let dir = try TemporaryDirectory("fw-report")
        defer { dir.remove() }
        let out = dir.file("r.html")
        let r = try run(["report", "-o", out, Self.samples + "/freebsd-13-damaged-size.bsm", Self.trails[0]])
        #expect(r.status == 1)
        #expect(r.stderr.contains("freebsd-13-damaged-size.bsm: damaged input at byte offset 0"))
        let page = try Self.page(out)
        #expect(page.contains("1 stretch skipped"))
        #expect(page.contains("damaged input at byte offset 0"))
    }

    @Test(.needsSamples) func jsonLinesRoundTripAndReportTheSameEvents() throws {
        let dir = try TemporaryDirectory("fw-report")
        defer { dir.remove() }
        let jsonl = dir.file("capture.jsonl")
        #expect(try run(["watch", "-a", "--format", "json", "-o", jsonl, "--no-summary", "--read"] + Self.trails).status == 0)
        // Our JSON Lines read back and written again are the same bytes.
        let again = try run(["watch", "-a", "--format", "json", "--no-summary", "--read", jsonl])
        #expect(again.status == 0, "\(again.stderr)")
        let original = try Data(contentsOf: URL(fileURLWithPath: jsonl))
        #expect(again.stdout == original)
        // The report of the JSON Lines equals the report of the trails (but for the inputs named).
        let fromTrails = try run(["report", "-a", "-o", dir.file("a.html")] + Self.trails)
        let fromJSON = try run(["report", "-a", "-o", dir.file("b.html"), jsonl])
        #expect(fromTrails.status == 0 && fromJSON.status == 0)
        func body(_ p: String) throws -> String {
            let page = try Self.page(p)
            let start = page.range(of: "<section id=\"timeline\">")!.lowerBound
            let end = page.range(of: "<footer>")!.lowerBound
            return String(page[start..<end])
        }
        #expect(try body(dir.file("a.html")) == body(dir.file("b.html")))
    }

    @Test(.needsSamples) func readsStandardInputInEitherFormat() throws {
        let dir = try TemporaryDirectory("fw-report")
        defer { dir.remove() }
        let trail = try Data(contentsOf: URL(fileURLWithPath: Self.trails[0]))
        let fromTrail = try run(["report", "-a", "-o", dir.file("t.html"), "-"], stdin: trail)
        #expect(fromTrail.status == 0, "\(fromTrail.stderr)")
        let jsonl = try run(["watch", "-a", "--format", "json", "--no-summary", "--read", Self.trails[0]]).stdout
        let fromJSON = try run(["report", "-a", "-o", dir.file("j.html")], stdin: jsonl)
        #expect(fromJSON.status == 0, "\(fromJSON.stderr)")
        #expect(try Self.page(dir.file("t.html")).contains("standard input"))
        func drawn(_ stderr: String) -> String? {
            guard let r = stderr.range(of: #"[0-9]+ of [0-9]+ events drawn"#, options: .regularExpression) else { return nil }
            return String(stderr[r])
        }
        #expect(drawn(fromTrail.stderr) != nil)
        #expect(drawn(fromTrail.stderr) == drawn(fromJSON.stderr), "\(fromTrail.stderr) vs \(fromJSON.stderr)")
    }

    @Test(.needsSamples) func filtersLimitWhatIsDrawnAndAreNamed() throws {
        let dir = try TemporaryDirectory("fw-report")
        defer { dir.remove() }
        let all = try run(["report", "-a", "-o", dir.file("all.html")] + Self.trails)
        let some = try run(["report", "-a", "-p", "grep", "--event", "exec", "-o", dir.file("some.html")] + Self.trails)
        #expect(all.status == 0 && some.status == 0)
        let page = try Self.page(dir.file("some.html"))
        #expect(page.contains("process contains grep; kinds: exec"))
        #expect(page.contains("left out by the filters"))
        #expect(!page.contains(">mkdir<"))
        #expect(page.contains(">grep<"))
    }

    @Test func theSameCaptureDrawsTheSamePageInEveryRun() throws {
        // 100,000 events with 5,000 failures over thousands of paths: the failures table (2,048
        // keys) evicts, with ties; what it kept followed each process's hash seed before.
        let dir = try TemporaryDirectory("fw-report")
        defer { dir.remove() }
        let trail = dir.file("t.bsm")
        let gen = Process()
        gen.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gen.arguments = ["python3", TestEnvironment.packageRoot + "/scripts/gen-bench-trail.py", "100000", trail]
        try gen.run()
        #expect(gen.waitUntilExit(orKillAfter: 120) && gen.terminationStatus == 0)
        func body(_ p: String) throws -> String {
            let page = try Self.page(p)
            let start = try #require(page.range(of: "<section id=\"timeline\">")).lowerBound
            let end = try #require(page.range(of: "<footer>")).lowerBound
            return String(page[start..<end])
        }
        var pages: [String] = []
        for i in 0..<3 {
            let r = try run(["report", "-a", "-o", dir.file("\(i).html"), trail])
            #expect(r.status == 0, "\(r.stderr)")
            pages.append(try body(dir.file("\(i).html")))
        }
        #expect(pages[0].contains("id=\"failures\""))
        #expect(pages[1] == pages[0] && pages[2] == pages[0], "the same page from the same capture")
    }

    @Test func refusesWhatItCannotRead() throws {
        let dir = try TemporaryDirectory("fw-report")
        defer { dir.remove() }
        let text = try dir.write("hello, this is not a capture\n", to: "notes.txt")
        let r = try run(["report", "-o", dir.file("r.html"), text])
        #expect(r.status == 1)
        #expect(r.stderr.contains("notes.txt: not a recognized recording"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("r.html")))
        let usage = try run(["report", text])
        #expect(usage.status == 2 && usage.stderr.contains("-o"))
    }

    @Test(.needsSamples) func watchWritesTheReportWhenItStops() throws {
        let dir = try TemporaryDirectory("fw-report")
        defer { dir.remove() }
        let out = dir.file("w.html")
        let r = try watch(["--read", Self.trails[0], "-a", "--report", out, "-f", "/usr"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("report: \(out) ("))
        let page = try Self.page(out)
        #expect(page.contains("file contains /usr"))
        #expect(page.contains("<section id=\"tree\">"))
    }
}
