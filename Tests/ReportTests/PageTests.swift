import FileWatchCore
import Testing
@testable import Report

/// `page` contains `s` (a Bool, so a failure does not print the whole page).
func contains(_ page: String, _ s: String) -> Bool { page.contains(s) }

@Suite struct PageTests {
    static let hostile: [ByteString] = [
        "<img src=x onerror=alert(1)>", "x\"><script>alert(2)</script>", "new\nline", "esc\u{1B}[2Jclear",
        ByteString([0x62, 0x61, 0x64, 0xFF, 0xC0, 0x2E, 0x74, 0x78, 0x74]), "amp&lt;entity&gt;", "'single' `tick`",
    ]

    /// A capture where every name a person sees is hostile: paths, programs, command lines, users, rules, reasons.
    static func hostilePage() -> String {
        var a = ReportAggregator()
        for (i, name) in hostile.enumerated() {
            let path = ByteString(Array("/tmp/".utf8) + name.bytes)
            var e = Event(time: 1_700_000_000_000_000 + Int64(i) * 10_000, kind: .write,
                          process: ProcessSubject(pid: Int32(50 + i), ppid: 1, name: name, arguments: [name, name], uid: 0,
                                                  user: name.utf8String ?? "nobody"),
                          path: path, destinationPath: name, source: .fanotify)
            if i % 2 == 0 { e.result = .failure(errno: 13) }
            if i == 1 { e.kind = .rename }
            if i == 0 {
                var alert = Alert(time: e.time, origin: .rule(String(decoding: name.bytes, as: UTF8.self)), severity: .high,
                                  process: e.process, eventKind: .write, path: path, reason: "reason <b>bold</b>\u{1B}",
                                  responses: ["<i>response</i>"])
                alert.stopped = [StoppedProcess(pid: e.process.pid, name: name)]
                e.alerts = [alert]
            }
            a.add(e)
            a.add(event(e.time + 1, .create, pid: e.process.pid, name: name, path: path))
        }
        a.add(SourceNotice.damaged(file: "<b>cap</b>", offset: 3, reason: "bad <token>"))
        var c = ReportContext()
        c.title = "<title>t</title>"
        c.inputs = ["<in>.jsonl"]
        c.filters = describeFilters({ var f = FilterOptions(); f.files = ["<f>"]; return f }())
        c.generatedAt = 1_700_000_100_000_000
        return String(decoding: ReportPage.render(a, context: c), as: UTF8.self)
    }

    @Test func namesFromTheCaptureAreTextNeverMarkup() {
        let page = Self.hostilePage()
        for marker in ["<img", "<script>alert", "<b>", "<i>response", "<title>t", "<in>", "<f>", "<token>"] {
            let found = page.contains(marker)
            #expect(!found, "raw \(marker) in the page")
        }
        #expect(contains(page, "&lt;img src=x onerror=alert(1)&gt;"))
        #expect(contains(page, "x&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"))
        #expect(contains(page, "&lt;b&gt;bold&lt;/b&gt;\\e"))
        // Entities in names are shown as written, not decoded by the browser.
        #expect(contains(page, "amp&amp;lt;entity&amp;gt;"))
        #expect(contains(page, "&#39;single&#39;"))
        // Controls and invalid UTF-8 are shown visibly, never as raw bytes.
        #expect(contains(page, "new\\nline"))
        #expect(contains(page, "esc\\e[2Jclear"))
        #expect(contains(page, "bad\\xff\\xc0.txt"))
        let rawESC = page.utf8.contains(0x1B), replacement = page.contains("\u{FFFD}")
        #expect(!rawESC, "a raw ESC in the page")
        #expect(!replacement, "a replacement character: bytes were lost")
        // The only script is our own.
        #expect(page.components(separatedBy: "<script").count == 2)
    }

    @Test func theOnlyElementsAreOurs() {
        // Every tag name in the page is one the renderer writes.
        let page = Self.hostilePage()
        let allowed: Set<String> = ["!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "dl", "dt",
                                    "dd", "details", "summary", "ul", "li", "span", "p", "nav", "a", "section", "div", "svg", "g",
                                    "rect", "line", "path", "text", "table", "thead", "tbody", "tr", "th", "td", "code", "footer", "script"]
        var names = Set<String>()
        var rest = Substring(page)
        while let lt = rest.firstIndex(of: "<") {
            rest = rest[rest.index(after: lt)...]
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "!" || $0 == "/" || $0 == "-" || $0 == "_" }
            if name.hasPrefix("/") { names.insert(String(name.dropFirst())) } else { names.insert(String(name)) }
        }
        #expect(names.subtracting(allowed).isEmpty, "unexpected tags: \(names.subtracting(allowed))")
    }

    @Test func thePageHasEverySectionAndItsCharts() {
        var a = ReportAggregator()
        for i in 0..<3000 {
            a.add(event(1_700_000_000_000_000 + Int64(i) * 20_000, i % 3 == 0 ? .write : .read, pid: Int32(100 + i % 7),
                        name: ByteString("prog\(i % 7)"), path: ByteString("/home/u/dir\(i % 5)/file\(i % 40)")))
        }
        var c = ReportContext()
        c.read = 3500; c.filtered = 500
        c.filters = describeFilters({ var f = FilterOptions(); f.processes = ["prog"]; f.under = ["/home"]; return f }())
        let page = String(decoding: ReportPage.render(a, context: c), as: UTF8.self)
        for id in ["timeline", "programs", "tree", "files", "failures", "alerts"] { #expect(contains(page, "id=\"\(id)\"")) }
        #expect(contains(page, "3\u{202F}500 read, 3\u{202F}000 shown, 500 left out by the filters"))
        #expect(contains(page, "process contains prog; under /home; kinds: all but stat, exit and other"))
        #expect(page.components(separatedBy: "<g class=\"bar\">").count > 30)
        #expect(page.components(separatedBy: "class=\"tm tm").count >= 5)
        #expect(contains(page, "prog0"))
        #expect(!page.contains("http://") || page.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") })
    }

    @Test func filtersAreDescribed() {
        var f = FilterOptions()
        #expect(describeFilters(f) == ["kinds: all but stat, exit and other (the default without -a)"])
        f.all = true
        #expect(describeFilters(f).isEmpty)
        f.kinds = [.write, .delete]; f.result = .failed; f.users = [UserSelector(uid: 0, name: "root")]; f.pids = [1, 2]
        #expect(describeFilters(f) == ["pid 1 or 2", "user root / uid 0", "failed operations only", "kinds: write, delete"])
    }

    @Test func aLargeCaptureMakesABoundedPage() {
        var a = ReportAggregator()
        for i in 0..<200_000 {
            var e = event(1_700_000_000_000_000 + Int64(i) * 997, EventKind.allCases[i % 11], pid: Int32(i % 5000), ppid: Int32(i % 5000 / 2),
                          name: ByteString("program-\(i % 900)"), path: ByteString("/srv/data/d\(i % 3000)/file-\(i).bin"),
                          dest: ByteString("/srv/data/new-\(i)"), failed: i % 13 == 0 ? 13 : nil, args: [ByteString("arg-\(i % 77)")])
            if i % 5000 == 0 {
                e.alerts = [Alert(time: e.time, origin: .rule("r\(i)"), severity: .medium, process: e.process, eventKind: e.kind, path: e.path, reason: "x")]
            }
            a.add(e)
        }
        let page = ReportPage.render(a, context: ReportContext())
        #expect(page.count < 2_000_000, "\(page.count) bytes")  // the bound; this worst case makes about 1.3 MB
        let text = String(decoding: page, as: UTF8.self)
        #expect(text.contains("more programs") && text.contains("more files"))
    }
}
