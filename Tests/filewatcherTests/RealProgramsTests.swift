// Real programs watched live, checked against `strace -f -y` of the same run (root, strace): every
// event strace shows the kernel must report is in filewatcher's output with the same path and process,
// and filewatcher reports nothing under the directory that strace does not explain.

#if os(Linux)
import Foundation
import Glibc
import Testing
import TestSupport

@Suite(.serialized, .timeLimit(.minutes(10))) struct RealProgramsTests {
    static let strace = ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var available: Bool { LiveTruthTests.available && strace != nil }
    static func has(_ program: String) -> Bool {
        ["/usr/bin/", "/bin/", "/usr/local/bin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + program) }
    }

    struct Comparison: CustomStringConvertible {
        var required = 0
        var missing: [OracleTuple] = []
        var invented: [String] = []
        var withoutPath = 0
        var seen = 0
        var description: String {
            "\(required - missing.count) of \(required) strace events reported, \(seen) reported under the directory, "
                + "\(invented.count) unexplained, \(withoutPath) without a path"
                + (missing.isEmpty ? "" : "\n  missing: " + missing.prefix(15).map(\.description).joined(separator: "\n           "))
                + (invented.isEmpty ? "" : "\n  unexplained: " + invented.prefix(15).joined(separator: "\n               "))
        }
        var isExact: Bool { missing.isEmpty && invented.isEmpty && withoutPath == 0 }
    }

    /// `setup` runs unwatched; `script` runs under strace (in `dir`) while filewatcher watches `dir`.
    func compare(setup: String? = nil, _ script: String) throws -> Comparison {
        let dir = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scratch = Oracle.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        if let setup {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "cd '\(dir)' && " + setup]
            try p.run()
            p.waitUntilExit(orKillAfter: Process.testChildBound)
            #expect(p.terminationStatus == 0, "setup failed: \(setup)")
        }
        let scriptFile = scratch + "/script.sh", trace = scratch + "/trace"
        try (script + "\n").write(toFile: scriptFile, atomically: true, encoding: .utf8)
        let run = try LiveRun.watch(dir, script: "\(Self.strace!) -f -y -s 16 -qq -o '\(trace)' "
                                    + "-e trace=%file,%desc,%process,copy_file_range,sendfile /bin/sh -e '\(scriptFile)'")
        let truth = StraceTruth(trace: try String(contentsOfFile: trace, encoding: .utf8), root: dir, cwd: dir)
        var result = Comparison()
        result.required = truth.required.count
        var reported = Set<OracleTuple>()
        for event in run.events {
            guard let path = event.path else {
                if event.dest.map({ $0.hasPrefix(dir + "/") }) ?? false { result.withoutPath += 1 }
                continue
            }
            guard path == dir || path.hasPrefix(dir + "/") || (event.dest ?? "").hasPrefix(dir + "/") else { continue }
            result.seen += 1
            let tuple = OracleTuple(kind: event.kind, path: path, dest: event.dest, pid: event.pid)
            reported.insert(tuple)
            if !truth.required.contains(tuple) && !truth.allowed.contains(tuple) {
                result.invented.append("line \(event.line): \(tuple) \(event.name)")
            }
        }
        result.missing = truth.required.subtracting(reported).sorted { $0.description < $1.description }
        if let file = Oracle.environment["FW_ORACLE_REPORT"], let handle = FileHandle(forWritingAtPath: file) {
            handle.seekToEndOfFile()
            handle.write(Data("\(script): \(result) (\(truth.calls) system calls traced)\n".utf8))
            try? handle.close()
        }
        return result
    }

    @Test(.enabled(if: available)) func sedInPlace() throws {
        let result = try compare(setup: "printf 'alpha\\nbeta\\n' > notes.txt", "sed -i s/alpha/gamma/ notes.txt")
        #expect(result.isExact, "\(result)")
    }

    @Test(.enabled(if: available && has("git"))) func gitCloneAndCheckout() throws {
        let setup = """
            git init -q src && cd src && git config user.email t@example.org && git config user.name t \
            && mkdir -p lib doc && echo 1 > lib/a.c && echo 2 > doc/readme && git add . && git commit -qm one \
            && echo 3 > lib/a.c && mkdir new && echo 4 > new/b.c && git rm -q doc/readme && git add . && git commit -qm two
            """
        let result = try compare(setup: setup, "git clone -q src copy && git -C copy checkout -q HEAD~1 && git -C copy checkout -q -")
        #expect(result.isExact, "\(result)")
    }

    @Test(.enabled(if: available && has("tar"))) func tarExtract() throws {
        let result = try compare(setup: "mkdir -p t/a/b && echo 1 > t/a/f && echo 2 > t/a/b/g && tar cf t.tar t && rm -r t",
                                 "mkdir out && tar xf t.tar -C out")
        #expect(result.isExact, "\(result)")
    }

    @Test(.enabled(if: available)) func copyMoveRemoveTree() throws {
        let result = try compare(setup: "mkdir -p src/sub && echo 1 > src/f && echo 2 > src/sub/g",
                                 "cp -r src copy && mv copy moved && mv moved/f moved/sub/f2 && rm -r moved")
        #expect(result.isExact, "\(result)")
    }

    /// An editor's save: the new content to a temporary file, renamed over the original.
    @Test(.enabled(if: available)) func editorStyleSave() throws {
        let result = try compare(setup: "echo draft > letter.txt",
                                 "{ cat letter.txt; echo final; } > .letter.txt.swp && mv .letter.txt.swp letter.txt && cat letter.txt > /dev/null")
        #expect(result.isExact, "\(result)")
    }

    @Test(.enabled(if: available && has("make") && (has("cc") || has("clang")))) func makeSmallCProject() throws {
        let cc = Self.has("cc") ? "cc" : "clang"
        let setup = """
            mkdir -p proj/src && printf 'int add(int a, int b) { return a + b; }\\n' > proj/src/add.c \
            && printf 'int add(int, int);\\nint main(void) { return add(1, 2) == 3 ? 0 : 1; }\\n' > proj/src/main.c \
            && printf 'prog: src/add.o src/main.o\\n\\t$(CC) -o $@ $^\\n%%.o: %%.c\\n\\t$(CC) -c -o $@ $<\\n' > proj/Makefile
            """
        let result = try compare(setup: setup, "make -s -C proj CC=\(cc) && ./proj/prog")
        #expect(result.isExact, "\(result)")
    }
}
#endif
