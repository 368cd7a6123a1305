// `filewatcher report` pages rendered by a real headless Chromium: the shared BSM samples, hostile
// names, a live capture of a small build (git clone + cc), a simulated ransomware stopped by
// --stop-offenders. Each fails on a JavaScript error or an empty chart and keeps its screenshot in
// .build/test-artifacts (or FILEWATCHER_ARTIFACTS).

import FileWatchCore
import Foundation
import Testing
import TestSupport

@Suite(.serialized, .enabled(if: Chromium.path != nil, Comment(rawValue: Chromium.missing)), .timeLimit(.minutes(4)))
struct ReportBrowserTests {
    @Test(.needsSamples) func theSharedSamplesDrawAPageChromiumShowsWithoutError() throws {
        let dir = try TemporaryDirectory("fw-browser")
        defer { dir.remove() }
        let html = dir.file("samples.html")
        let samples = TestEnvironment.samples!
        let trails = try FileManager.default.contentsOfDirectory(atPath: samples).filter { $0.hasSuffix(".bsm") }.sorted().map { samples + "/" + $0 }
        let r = try run(["report", "-a", "-o", html] + trails)
        #expect(r.status == 1, "one sample is damaged: \(r.stderr)")
        let rendering = try Chromium.render(html, name: "report-samples")
        #expect(Chromium.problems(rendering) == [])
        #expect(rendering.dom.contains("Loss and damage reports (1)"))
        print("ReportBrowserTests: samples page \(try Data(contentsOf: URL(fileURLWithPath: html)).count) bytes, screenshot \(rendering.png) in \(rendering.seconds) s")
    }

    @Test(.needsSamples) func theScreenshotScriptMakesThePictureForPeople() throws {
        let dir = try TemporaryDirectory("fw-browser")
        defer { dir.remove() }
        let png = dir.file("plaso.png")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [TestEnvironment.packageRoot + "/scripts/report-screenshot.sh", TestEnvironment.samples! + "/macos-10.9-plaso.bsm", png, "-a"]
        var env = ProcessInfo.processInfo.environment
        env["FILEWATCHER"] = binary.path
        env["CHROMIUM"] = Chromium.path!
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        #expect(p.terminationStatus == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(Chromium.pngSize(bytes).map { [$0.width, $0.height] } == [1400, 2400])
        #expect(bytes.count > 40_000)
        #expect(FileManager.default.fileExists(atPath: dir.file("plaso.html")))
    }

    @Test func hostileNamesStayTextInTheBrowser() throws {
        let dir = try TemporaryDirectory("fw-browser")
        defer { dir.remove() }
        // A capture whose names try to run script: the page must show them and run none of it.
        let payloads: [ByteString] = [
            "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">",
            "\"><svg onload=document.documentElement.setAttribute('data-pwned','svg')>",
            "</code></td></tr></table><script>document.documentElement.setAttribute('data-pwned','script')</script>",
            "new\nline", "esc\u{1B}]0;title\u{7}", ByteString([0x2F, 0x74, 0xFF, 0xFE, 0x78]),
        ]
        let mem = MemoryWriter()
        let sink = JSONSink(output: OutputBuffer(writer: mem, lineBuffered: false))
        for (i, name) in payloads.enumerated() {
            var e = Event(time: 1_700_000_000_000_000 + Int64(i) * 500_000, kind: i % 2 == 0 ? .write : .open,
                          result: i == 3 ? .failure(errno: 13) : .success,
                          process: ProcessSubject(pid: Int32(40 + i), ppid: 1, name: name, arguments: [name, name], uid: 0, user: "root"),
                          path: ByteString(Array("/tmp/".utf8) + name.bytes), source: .fanotify)
            if i == 0 {
                e.alerts = [Alert(time: e.time, origin: .rule(String(decoding: name.bytes, as: UTF8.self)), severity: .critical,
                                  process: e.process, eventKind: .write, path: e.path, reason: String(decoding: name.bytes, as: UTF8.self))]
            }
            try sink.write(e)
        }
        try sink.flush()
        let capture = try dir.write(mem.bytes, to: "hostile.jsonl")
        let html = dir.file("hostile.html")
        #expect(try run(["report", "-o", html, capture]).status == 0)
        let rendering = try Chromium.render(html, name: "report-hostile")
        #expect(Chromium.problems(rendering, expectTreemap: true) == [])
        let root = Chromium.htmlStartTag(rendering.dom)
        #expect(!root.contains("data-pwned"), "a name from the capture ran as script: \(root)")
        let injected = rendering.dom.contains("<img") || rendering.dom.contains("<svg onload")
        #expect(!injected, "a name from the capture became an element")
        #expect(rendering.dom.contains("&lt;img src=x onerror="))
        #expect(rendering.dom.contains("new\\nline"))
        #expect(rendering.dom.contains("/t\\xff\\xfex"))
    }
}

/// Live captures drawn and checked in the browser (root, fanotify, a C compiler, git).
@Suite(.serialized, .enabled(if: Chromium.path != nil, Comment(rawValue: Chromium.missing)),
       .enabled(if: liveDetectionSkipReason == nil, "\(liveDetectionSkipReason ?? "")"), .timeLimit(.minutes(4)))
struct LiveReportBrowserTests {
    @Test func aSmallBuildUnderWatch() throws {
        let (base, dir, _, _) = try prepareLiveDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        // A small project in a git repository outside the watched directory.
        let src = base + "/src"
        try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
        try Data("#include <stdio.h>\n#include \"greet.h\"\nint main(void) { greet(); return 0; }\n".utf8).write(to: URL(fileURLWithPath: src + "/main.c"))
        try Data("#include <stdio.h>\nvoid greet(void) { puts(\"hello\"); }\n".utf8).write(to: URL(fileURLWithPath: src + "/greet.c"))
        try Data("void greet(void);\n".utf8).write(to: URL(fileURLWithPath: src + "/greet.h"))
        try Data("hello: main.c greet.c\n\tcc -O1 -o hello main.c greet.c\n".utf8).write(to: URL(fileURLWithPath: src + "/Makefile"))
        #expect(try sh(["git", "init", "-q", src]) == 0)
        #expect(try sh(["git", "-C", src, "add", "."]) == 0)
        #expect(try sh(["git", "-C", src, "commit", "-q", "-m", "hello"]) == 0)

        let html = base + "/build.html"
        let monitor = try Monitor(dir: dir, extra: ["-a", "--report", html])
        try monitor.waitReady()
        #expect(try sh(["git", "clone", "-q", src, dir + "/hello"]) == 0)
        #expect(try sh(["cc", "-O1", "-c", "-o", dir + "/hello/greet.o", dir + "/hello/greet.c"]) == 0)
        #expect(try sh(["cc", "-O1", "-o", dir + "/hello/hello", dir + "/hello/main.c", dir + "/hello/greet.o"]) == 0)
        #expect(try sh([dir + "/hello/hello"]) == 0)
        usleep(300_000)
        let (events, stderr) = try monitor.stop()
        #expect(stderr.contains("report: \(html) ("), "\(stderr)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        // The build's programs and what they made are on the page.
        // (A compiler tool that exits before its events are read may be named by what the live source could
        // still learn; git runs long enough to be named every time.)
        func shown(_ program: String) -> Bool { page.contains("<span class=\"pname\">\(program)</span>") }
        #expect(shown("git"), "git missing from the programs")
        let tools = ["cc1", "as", "ld", "collect2", "cc"].filter(shown)
        #expect(tools.count >= 2, "the compiler's tools among the programs: \(tools)")
        // (Live fanotify events carry no command lines: the tree shows them for captures that have them, BSM exec records.)
        let object = page.contains(dir + "/hello/greet.o"), tree = page.contains("<details class=\"proc\"")
        #expect(object, "the object file the build wrote")
        #expect(tree, "the build's processes under their parent")
        #expect(page.contains("\(events.count) shown") || page.contains("\u{202F}"), "the header counts the events")
        let rendering = try Chromium.render(html, name: "report-live-build")
        #expect(Chromium.problems(rendering) == [])
        print("LiveReportBrowserTests: build capture of \(events.count) events, page \(page.utf8.count) bytes, screenshot \(rendering.png)")
    }

    @Test func aSimulatedRansomwareStoppedByStopOffenders() throws {
        let (base, dir, sim, _) = try prepareLiveDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        #expect(try sh([sim, dir, "40", "65536", "inplace", "0", "generate"]) == 0)
        let html = base + "/ransom.html"
        let monitor = try Monitor(dir: dir, extra: ["--ransomware", "--stop-offenders", "--report", html])
        try monitor.waitReady()
        let victim = Process()
        victim.executableURL = URL(fileURLWithPath: sim)
        victim.arguments = [dir, "40", "65536", "inplace", "100", "encrypt"]
        victim.standardOutput = FileHandle.nullDevice
        try victim.run()
        let pid = victim.processIdentifier
        defer { kill(pid, SIGKILL); victim.waitUntilExit(orKillAfter: Process.testChildBound) }
        var state: String?
        for _ in 0..<150 {
            state = procState(pid)
            if state == "T" || !victim.isRunning { break }
            usleep(100_000)
        }
        #expect(state == "T", "the simulated ransomware was stopped")
        let (_, stderr) = try monitor.stop()
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<td>ransomware</td>"), "\(stderr)")
        #expect(page.contains("yes: \(pid)"), "the alert says the process was stopped")
        #expect(page.contains("<span class=\"pid\">\(pid)</span>"))
        #expect(page.contains("<span class=\"badge stopped\">stopped</span>"))
        #expect(page.contains("class=\"mark alert\""), "the alert is marked on the timeline")
        #expect(page.contains(".locked"))
        let rendering = try Chromium.render(html, name: "report-ransomware")
        #expect(Chromium.problems(rendering) == [])
        print("LiveReportBrowserTests: ransomware page \(page.utf8.count) bytes, screenshot \(rendering.png)")
    }
}
