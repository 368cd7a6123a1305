#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

private let mandoc: String? = ["/usr/bin/mandoc", "/usr/local/bin/mandoc"].first { FileManager.default.isExecutableFile(atPath: $0) }
private let manDir = TestEnvironment.packageRoot + "/doc/man"
private let completions = TestEnvironment.packageRoot + "/share/completions"

/// The committed man pages and completions (scripts/gen-docs.sh) as a user installs them.
@Suite(.serialized, .timeLimit(.minutes(2))) struct DocsTests {
    func pages() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: manDir).filter { $0.hasSuffix(".1") }.sorted()
    }

    @Test func onePagePerCommandNamedForMan() throws {
        let names = try pages()
        #expect(names.contains("filewatcher.1"))
        #expect(names.contains("filewatcher-watch.1"), "`man filewatcher-watch`: \(names)")
        #expect(names.contains("filewatcher-print.1"))
        #expect(!names.contains { $0.contains("help") }, "no page for ArgumentParser's help: \(names)")
        for name in names {
            let text = try String(contentsOfFile: manDir + "/" + name, encoding: .utf8)
            #expect(text.contains(".Sh DESCRIPTION") && text.count > 400, "\(name) is not empty")
            #expect(!text.contains("filewatcher.help") && !text.contains("Xr filewatcher.watch"), "\(name)")
        }
    }

    @Test func watchPageHasEveryOption() throws {
        let page = try String(contentsOfFile: manDir + "/filewatcher-watch.1", encoding: .utf8)
        let help = try run(["watch", "--help"]).out
        // Every long option the command has (its --help) is on the page.
        // The option lines of --help (indented by two; wrapped help text by more): `  -f, --file <TEXT>`.
        let options = Set(help.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let first = words.first, first.hasPrefix("-") else { return nil }
            let name = (first.hasPrefix("--") ? first : words.dropFirst().first ?? "").prefix { $0 != "/" && $0 != "," }
            return name.hasPrefix("--") ? String(name) : nil
        })
        #expect(options.count > 30)
        for option in options.sorted() where option != "--help" {
            #expect(page.contains("Fl " + option.dropFirst()), "\(option) missing: regenerate with scripts/gen-docs.sh")
        }
    }

    @Test(.enabled(if: mandoc != nil, "mandoc is not installed (apt-get install mandoc)"))
    func pagesHaveNoMdocWarnings() throws {
        for name in try pages() {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: mandoc!)
            p.arguments = ["-Tlint", "-Wwarning", manDir + "/" + name]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit(orKillAfter: Process.testChildBound)
            #expect(text.isEmpty, "\(name): \(text)")
        }
    }

    @Test func bashCompletionOffersFilesAndValuesAlsoWithoutWatch() throws {
        let script = try String(contentsOfFile: completions + "/filewatcher.bash", encoding: .utf8)
        let watch = try #require(script.range(of: "_filewatcher_watch() {")).upperBound
        let body = String(script[watch...].prefix { _ in true }.split(separator: "\n}\n").first ?? "")
        func completion(_ option: String) -> String? {
            guard let r = body.range(of: "'\(option)')\n") else { return nil }
            return body[r.upperBound...].split(separator: "\n").first.map(String.init)
        }
        for option in ["--read", "--rules", "-o'|'--output", "-d'|'--debug"] {
            #expect(completion(option)?.contains("__filewatcher_add_completions -f") == true, "\(option): \(completion(option) ?? "none")")
        }
        #expect(completion("--under")?.contains("__filewatcher_add_completions -d") == true)
        #expect(completion("--event")?.contains("'rename'") == true && completion("--event")?.contains("'all'") == true)
        #expect(completion("--format")?.contains("'json'") == true)
        #expect(completion("--fanotify-layout")?.contains("'fid'") == true)
        // An option as the first word: the default command's completions.
        #expect(script.contains("    -*)\n        # An option first: the default command (watch) without its name\n"), "no root fallback")
        #expect(try run(["--generate-completion-script", "bash"]).out.contains("'--read')\n        __filewatcher_add_completions -f"),
                "the binary's own script too")
    }
}
