// Live: benign work raises no ransomware alert and stops nothing (issues 17 and 18). Each workload runs under its
// own monitor with --stop-offenders; the numbers (events, files judged, encrypted-looking) are printed for
// BENCHMARKS.md.

import Foundation
import Testing
import TestSupport

extension LiveDetection {
    @Suite(.serialized, .timeLimit(.minutes(4)))
    struct LiveBenignDetectionTests {
        /// Runs `work` in the watched directory under a monitor with --ransomware --stop-offenders and expects no alert.
        func expectNoAlert(_ name: String, minEvents: Int = 100, prepare: (String, String, String, String) throws -> Void = { _, _, _, _ in },
                           work: (String, String, String, String) throws -> Void) throws {
            let (base, dir, sim, net) = try prepareLiveDirectory()
            defer { try? FileManager.default.removeItem(atPath: base) }
            try prepare(base, dir, sim, net)
            let monitor = try Monitor(dir: dir, extra: ["--ransomware", "--stop-offenders"])
            try monitor.waitReady()
            let t0 = Date()
            try work(base, dir, sim, net)
            let seconds = Date().timeIntervalSince(t0)
            let (objs, stderr) = try monitor.stop()
            let found = alerts(objs)
            print("LiveBenignDetectionTests.\(name): \(objs.count) events in \(String(format: "%.1f", seconds)) s, \(found.count) alerts; \(judgedLine(stderr))")
            for a in found { print("  false positive: \(a["reason"] ?? "")") }
            #expect(found.isEmpty, "false positives: \(found.map { $0["reason"] ?? "" })")
            #expect(!stderr.contains("stopped "), "\(stderr)")
            #expect(objs.count >= minEvents, "the workload was seen (\(objs.count) events)")
            #expect(judgedLine(stderr).contains("written files judged"))
        }

        /// Issue 18: an unprivileged client uploads eight 64 KiB random files over loopback to a root server.
        @Test func uploadsToARootServer() throws {
            var server: Process?
            try expectNoAlert("uploads", minEvents: 16, prepare: { (base, dir, _, net) throws in
                try FileManager.default.createDirectory(atPath: base + "/src", withIntermediateDirectories: true)
                for i in 0..<8 { try randomFile(base + "/src/f\(i).bin", 65536) }
                _ = chmod(base + "/src", 0o755)
                try FileManager.default.createDirectory(atPath: dir + "/incoming", withIntermediateDirectories: true)
                // The server starts before the monitor: a long-lived daemon.
                server = try startServer(net, ["serve-upload", "47811", dir + "/incoming", "8"])
            }, work: { (base, dir, _, net) throws in
                for i in 0..<8 {
                    #expect(try sh(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", net, "upload", "47811",
                                    base + "/src/f\(i).bin", "u\(i).bin"]) == 0)
                }
                server?.waitUntilExit(orKillAfter: Process.testChildBound)
                let got = try FileManager.default.contentsOfDirectory(atPath: dir + "/incoming")
                #expect(got.count == 8)
            })
            if let server, let state = procState(server.processIdentifier) { #expect(state != "T") }
        }

        /// Downloads: one process fetching eight random files, and eight processes fetching one each from a script.
        @Test func downloads() throws {
            var server: Process?
            try expectNoAlert("downloads", minEvents: 32, prepare: { (base, _, _, net) throws in
                try randomFile(base + "/payload", 256 << 10)
                server = try startServer(net, ["serve-download", "47812", base + "/payload", "16"])
            }, work: { (_, dir, _, net) throws in
                #expect(try sh([net, "download", "47812"] + (0..<8).map { "\(dir)/a\($0).iso" }) == 0)
                #expect(try sh(["sh", "-c", "for i in 0 1 2 3 4 5 6 7; do '\(net)' download 47812 '\(dir)'/b$i.iso; done"]) == 0)
                server?.waitUntilExit(orKillAfter: Process.testChildBound)
            })
        }

        /// Backups: encrypted archives written, then written again over last run's (never read back).
        @Test func encryptedBackups() throws {
            try expectNoAlert("backups", prepare: { (_, dir, sim, _) throws in
                try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
                #expect(try sh([sim, dir + "/data", "80", "16384", "inplace", "0", "generate"]) == 0)
            }, work: { (_, dir, _, _) throws in
                try FileManager.default.createDirectory(atPath: dir + "/backup", withIntermediateDirectories: true)
                for round in 0..<2 {
                    for s in 0..<4 {
                        #expect(try sh(["sh", "-c", "tar cf - -C '\(dir)/data' sub\(s) | openssl enc -aes-256-cbc -pbkdf2 -pass pass:x -out '\(dir)/backup/sub\(s).tar.enc'"]) == 0)
                    }
                    _ = round
                }
                // A plain copy of the tree, and a tar.gz of it.
                #expect(try sh(["cp", "-r", dir + "/data", dir + "/backup/copy"]) == 0)
                #expect(try sh(["tar", "czf", dir + "/backup/data.tgz", "-C", dir, "data"]) == 0)
            })
        }

        /// `git gc` writing packs of incompressible content, and deleting the loose objects it packed.
        @Test func gitWithRandomContent() throws {
            try expectNoAlert("git", prepare: { (_, dir, _, _) throws in
                let repo = dir + "/repo"
                try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
                for i in 0..<60 { try randomFile("\(repo)/blob\(i).bin", 32 << 10) }
            }, work: { (_, dir, _, _) throws in
                let repo = dir + "/repo"
                #expect(try sh(["git", "init", "-q", "-b", "main"], cwd: repo) == 0)
                #expect(try sh(["git", "add", "-A"], cwd: repo) == 0)
                #expect(try sh(["git", "commit", "-qm", "random"], cwd: repo) == 0)
                for i in 0..<20 { try randomFile("\(repo)/blob\(i).bin", 32 << 10) }
                #expect(try sh(["git", "commit", "-qam", "changed"], cwd: repo) == 0)
                #expect(try sh(["git", "gc", "-q", "--prune=now"], cwd: repo) == 0)
                #expect(try sh(["git", "clone", "-q", repo, dir + "/clone"]) == 0)
                #expect(try sh(["git", "checkout", "-q", "HEAD~1"], cwd: dir + "/clone") == 0)
            })
        }

        /// cp -r, tar, gzip -r, make -j, git on text, and an apt-like unpack (files staged, then renamed over the old).
        @Test func bulkWork() throws {
            try expectNoAlert("bulk", minEvents: 2000, prepare: { (_, dir, sim, _) throws in
                try FileManager.default.createDirectory(atPath: dir + "/docs", withIntermediateDirectories: true)
                #expect(try sh([sim, dir + "/docs", "400", "16384", "inplace", "0", "generate"]) == 0)
                // The "installed" files an upgrade replaces: half text, half random (firmware-like blobs).
                try FileManager.default.createDirectory(atPath: dir + "/root/lib", withIntermediateDirectories: true)
                for i in 0..<40 {
                    if i % 2 == 0 { try randomFile("\(dir)/root/lib/f\(i)", 32 << 10) } else { try textFile("\(dir)/root/lib/f\(i)", 32 << 10) }
                }
            }, work: { (base, dir, _, _) throws in
                #expect(try sh(["cp", "-r", dir + "/docs", dir + "/docs-copy"]) == 0)
                #expect(try sh(["tar", "czf", dir + "/docs.tgz", "-C", dir, "docs"]) == 0)
                try FileManager.default.createDirectory(atPath: dir + "/untar", withIntermediateDirectories: true)
                #expect(try sh(["tar", "xzf", dir + "/docs.tgz", "-C", dir + "/untar"]) == 0)
                #expect(try sh(["gzip", "-r", dir + "/untar"]) == 0)
                // make -j4 over 24 translation units.
                let src = dir + "/build"
                try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
                var objects: [String] = []
                for i in 0..<24 {
                    var body = "#include <string.h>\n#include <stdio.h>\n"
                    for k in 0..<40 { body += "int f\(i)_\(k)(int x) { char b[64]; snprintf(b, sizeof b, \"%d-\(k)\", x * \(k + i)); return (int)strlen(b) + x; }\n" }
                    try Data(body.utf8).write(to: URL(fileURLWithPath: "\(src)/u\(i).c"))
                    objects.append("u\(i).o")
                }
                try Data("int main(void) { return 0; }\n".utf8).write(to: URL(fileURLWithPath: src + "/main.c"))
                try Data("prog: main.o \(objects.joined(separator: " "))\n\tcc -o $@ $^\n%.o: %.c\n\tcc -O1 -g -c $< -o $@\n".utf8)
                    .write(to: URL(fileURLWithPath: src + "/Makefile"))
                #expect(try sh(["make", "-s", "-j4"], cwd: src) == 0)
                // apt-like: a new version of every file unpacked (random blobs stay random), each renamed over the old.
                try FileManager.default.createDirectory(atPath: base + "/pkg/lib", withIntermediateDirectories: true)
                for i in 0..<40 {
                    if i % 2 == 0 { try randomFile("\(base)/pkg/lib/f\(i)", 32 << 10) } else { try textFile("\(base)/pkg/lib/f\(i)", 32 << 10) }
                }
                #expect(try sh(["tar", "cf", base + "/data.tar", "-C", base + "/pkg", "lib"]) == 0)
                #expect(try sh(["sh", "-c", """
                    cd '\(dir)/root' && tar xf '\(base)/data.tar' --transform 's/$/.dpkg-new/' && \
                    for f in lib/f*.dpkg-new; do mv "$f" "${f%.dpkg-new}"; done
                    """]) == 0)
                // git on text: commit, clone, branch switches, rm, gc.
                let repo = dir + "/repo"
                #expect(try sh(["cp", "-r", dir + "/docs", repo]) == 0)
                #expect(try sh(["git", "init", "-q", "-b", "main"], cwd: repo) == 0)
                #expect(try sh(["git", "add", "-A"], cwd: repo) == 0)
                #expect(try sh(["git", "commit", "-qm", "docs"], cwd: repo) == 0)
                #expect(try sh(["git", "clone", "-q", repo, dir + "/clone"]) == 0)
                #expect(try sh(["git", "checkout", "-q", "-b", "empty"], cwd: dir + "/clone") == 0)
                #expect(try sh(["git", "rm", "-rq", "sub0", "sub1"], cwd: dir + "/clone") == 0)
                #expect(try sh(["git", "commit", "-qm", "rm"], cwd: dir + "/clone") == 0)
                #expect(try sh(["git", "checkout", "-q", "main"], cwd: dir + "/clone") == 0)
                #expect(try sh(["git", "gc", "-q"], cwd: dir + "/clone") == 0)
            })
        }
    }
}

private func randomFile(_ path: String, _ size: Int) throws {
    var g = SystemRandomNumberGenerator()
    var bytes = [UInt8](repeating: 0, count: size)
    for i in stride(from: 0, to: size, by: 8) {
        let v = g.next()
        withUnsafeBytes(of: v) { for k in 0..<min(8, size - i) { bytes[i + k] = $0[k] } }
    }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

private func textFile(_ path: String, _ size: Int) throws {
    let words = ["alpha ", "beta ", "gamma ", "delta\n"]
    var s = ""
    while s.utf8.count < size { s += words[s.utf8.count % 4] }
    try Data(s.utf8).write(to: URL(fileURLWithPath: path))
}

/// Starts `net` with `args` and waits for "listening".
private func startServer(_ net: String, _ args: [String]) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: net)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    _ = out.fileHandleForReading.readData(ofLength: 10)
    return p
}
