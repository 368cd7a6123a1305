// The report checked in a real browser: Debian's `chromium`, headless, started by the test. It
// takes the screenshot a person would see (kept as an artifact) and dumps the DOM after the page's
// script ran; a JavaScript error or an empty chart fails the test.

import Foundation
import TestSupport

enum Chromium {
    /// The browser: FILEWATCHER_CHROMIUM, else chromium or chromium-browser on the PATH's usual places.
    static let path: String? = {
        if let p = ProcessInfo.processInfo.environment["FILEWATCHER_CHROMIUM"] { return p }
        return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    static let missing = "no chromium (apt-get install chromium) or FILEWATCHER_CHROMIUM"

    /// Where screenshots are kept: FILEWATCHER_ARTIFACTS, else .build/test-artifacts in the package.
    static let artifacts: String = {
        let dir = ProcessInfo.processInfo.environment["FILEWATCHER_ARTIFACTS"] ?? TestEnvironment.packageRoot + "/.build/test-artifacts"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    struct Rendering {
        /// The DOM after load (scripts run).
        var dom: String
        /// The screenshot's path.
        var png: String
        var pngBytes: Data
        /// The browser's console and log lines.
        var log: String
        /// How long the screenshot run took.
        var seconds: Double
    }

    /// Renders `html` at 1400×2400: a screenshot to `artifacts/NAME.png` and the DOM.
    static func render(_ html: String, name: String) throws -> Rendering {
        let png = artifacts + "/\(name).png"
        try? FileManager.default.removeItem(atPath: png)
        let url = URL(fileURLWithPath: html).absoluteString
        let start = Date()
        let shot = try browser(["--screenshot=\(png)", "--window-size=1400,2400", url])
        let seconds = Date().timeIntervalSince(start)
        let dom = try browser(["--dump-dom", "--window-size=1400,2400", url])
        let bytes = (try? Data(contentsOf: URL(fileURLWithPath: png))) ?? Data()
        return Rendering(dom: String(decoding: dom.stdout, as: UTF8.self), png: png, pngBytes: bytes,
                         log: shot.stderr + dom.stderr, seconds: seconds)
    }

    /// Runs the browser headless with a profile of its own (removed after), at most 90 s.
    static func browser(_ args: [String]) throws -> (stdout: Data, stderr: String) {
        guard let path else { throw ChromiumMissing() }
        let profile = try TemporaryDirectory("fw-chromium")
        defer { profile.remove() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        // --no-sandbox: tests run as root; no network, no first-run work, console messages to stderr.
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                       "--disable-extensions", "--disable-background-networking", "--user-data-dir=\(profile.path)",
                       "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000"] + args
        let outPath = profile.file("stdout"), errPath = profile.file("stderr")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(90)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit(orKillAfter: Process.testChildBound); throw ChromiumTimedOut() }
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        let out = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (out, err)
    }

    /// Width and height from a PNG's IHDR, or nil when `data` is no PNG.
    static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let b = [UInt8](data.prefix(24))
        guard b.count == 24, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], b[12..<16] == [0x49, 0x48, 0x44, 0x52] else { return nil }
        func be32(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        return (be32(16), be32(20))
    }

    /// The `<html …>` start tag of a dumped DOM (where the page's script records how it went).
    static func htmlStartTag(_ dom: String) -> String {
        guard let start = dom.range(of: "<html") else { return "" }
        return String(dom[start.lowerBound...].prefix { $0 != ">" })
    }

    /// What is wrong with a rendered report (empty: nothing): a script error, the script not run, an
    /// empty chart, a blank screenshot.
    static func problems(_ r: Rendering, expectTreemap: Bool = true) -> [String] {
        var out: [String] = []
        let root = htmlStartTag(r.dom)
        if !root.contains("data-js=\"ok\"") { out.append("the page's script did not finish (no data-js=\"ok\")") }
        if root.contains("data-js-error=") { out.append("a JavaScript error: " + (root.components(separatedBy: "data-js-error=").dropFirst().first?.prefix(200) ?? "")) }
        for line in r.log.split(separator: "\n") where line.contains("Uncaught") || line.contains("CONSOLE") && line.contains("rror") {
            out.append("browser console: \(line)")
        }
        // The timeline has bars of positive height.
        guard let tl = r.dom.range(of: "class=\"chart timeline\"") else { return out + ["no timeline chart"] }
        let timeline = r.dom[tl.lowerBound...].prefix { _ in true }.components(separatedBy: "</svg>").first ?? ""
        let heights = timeline.components(separatedBy: "height=\"").dropFirst().compactMap { Double($0.prefix { $0 != "\"" }) }
        if !heights.contains(where: { $0 > 0.5 }) || !timeline.contains("<g class=\"bar\">") { out.append("the timeline is empty") }
        if expectTreemap && !r.dom.contains("class=\"tm tm0\"") { out.append("the treemap is empty") }
        guard let size = pngSize(r.pngBytes) else { return out + ["no screenshot"] }
        if size.width != 1400 || size.height != 2400 { out.append("screenshot is \(size.width)x\(size.height)") }
        // A blank page compresses to a few kilobytes; a drawn report does not.
        if r.pngBytes.count < 40_000 { out.append("the screenshot looks blank (\(r.pngBytes.count) bytes)") }
        return out
    }
}

struct ChromiumMissing: Error {}
struct ChromiumTimedOut: Error, CustomStringConvertible { var description: String { "chromium did not finish within 90 s" } }
