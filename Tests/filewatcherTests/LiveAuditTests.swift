// `--source audit` against this machine's kernel (root; skipped visibly when the kernel audit
// cannot be used): a denied read by `nobody`, an execve of 300 arguments, our rules gone after
// stop (also after SIGTERM) while a rule that was there before stays, fanotify and audit merged.
// Every test restores the kernel's enabled state as it found it.

#if canImport(Glibc)
import Glibc
#endif
import EventSources
import FileWatchCore
import Foundation
import Testing
import TestSupport
@testable import filewatcher

/// The kernel audit through Debian's `auditctl` (package auditd): what the tests set up themselves.
enum KernelAudit {
    static let auditctl = ["/usr/sbin/auditctl", "/sbin/auditctl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let runuser = ["/usr/sbin/runuser", "/sbin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static var usable: Bool {
        guard TestEnvironment.isLinux, TestEnvironment.isRoot, auditctl != nil, runuser != nil else { return false }
        return enabled() != nil && AuditLiveSource.unavailable() == nil
    }
    static let skipReason = "needs root, the kernel audit (CONFIG_AUDIT, initial namespaces), auditctl (package auditd) and runuser"

    @discardableResult
    static func ctl(_ args: [String]) -> (status: Int32, out: String) {
        guard let auditctl else { return (127, "") }
        return shell(auditctl, args)
    }

    static func shell(_ path: String, _ args: [String]) -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (127, "\(error)") }
        p.killIfRunning()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `auditctl -s`: `enabled N`.
    static func enabled() -> Int? {
        let s = ctl(["-s"]).out
        guard let line = s.split(separator: "\n").first(where: { $0.hasPrefix("enabled ") }) else { return nil }
        return Int(line.dropFirst(8))
    }

    static func rules() -> [String] { ctl(["-l"]).out.split(separator: "\n").map(String.init) }

    /// Runs `body` with auditing enabled, then puts the enabled flag back as it was.
    static func withAuditEnabled<T>(_ body: () throws -> T) throws -> T {
        let before = try #require(enabled())
        if before == 0 { ctl(["-e", "1"]) }
        defer { if before == 0 { ctl(["-e", "0"]) } }
        #expect(enabled() != 0)
        return try body()
    }
}

@Suite(.serialized, .timeLimit(.minutes(3)),
       .enabled(if: KernelAudit.usable, Comment(rawValue: KernelAudit.skipReason)))
struct LiveAuditTests {
    /// A file mode 0600 owned by root, in a directory everyone may enter.
    static func secretFile() throws -> (TemporaryDirectory, String) {
        let dir = try TemporaryDirectory("fw-audit")
        chmod(dir.path, 0o755)
        let file = try dir.write("secret\n", to: "secret.txt")
        chmod(file, 0o600)
        return (dir, file)
    }

    /// `runuser -u nobody -- sh -c 'echo $$; exec cat FILE'`: the pid that tried (sh execs cat).
    static func catAsNobody(_ file: String) -> Int32? {
        let r = KernelAudit.shell(KernelAudit.runuser!, ["-u", "nobody", "--", "sh", "-c", "echo $$; exec cat \"$0\"", file])
        return r.out.split(separator: "\n").first.flatMap { Int32($0) }
    }

    static func jsonLines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func deniedReadByNobodyIsOneFailureEvent() throws {
        try KernelAudit.withAuditEnabled {
            let (dir, file) = try Self.secretFile()
            defer { dir.remove() }
            let out = dir.file("events.jsonl")
            var pid: Int32?
            let r = try watch(["--source", "audit", "--audit-rules", "failures", "--failed", "--format", "json", "-o", out, "-d", "-"]) { _ in
                // Our rules are in place once the kernel lists them.
                try waitUntil { KernelAudit.rules().filter { $0.contains("key=filewatcher") }.count == 5 }
                pid = Self.catAsNobody(file)
                try waitUntil { Self.jsonLines(out).contains { $0.contains(file) } }
                usleep(300_000)  // anything more for this file would come now
            }
            #expect(r.status == 0, "\(r.stderr)")
            let mine = Self.jsonLines(out).filter { $0.contains("\"path\":\"\(file)\"") }
            try #require(mine.count == 1, "\(mine)")
            let e = mine[0]
            #expect(e.contains("\"event\":\"open\"") && e.contains("\"result\":\"failure\"") && e.contains("\"errno\":13"), "\(e)")
            #expect(e.contains("\"pid\":\(try #require(pid)),"), "pid \(pid!): \(e)")
            #expect(e.contains("\"uid\":65534") && e.contains("\"user\":\"nobody\""), "\(e)")
            #expect(e.contains("\"name\":\"cat\"") && e.contains("\"source\":\"audit\"") && e.contains("\"key\":\"filewatcher\""), "\(e)")
            #expect(r.stderr.contains("added 5 audit rule(s) with key filewatcher"), "\(r.stderr)")
            #expect(r.stderr.contains("removed 5 of our 5 audit rule(s)"), "\(r.stderr)")
            // Stopped: none of our rules is left.
            #expect(!KernelAudit.rules().contains { $0.contains("key=filewatcher") })
        }
    }

    @Test func execveWith300ArgumentsArrivesWholeAndOtherRulesStay() throws {
        try KernelAudit.withAuditEnabled {
            let dir = try TemporaryDirectory("fw-audit-exec")
            defer { dir.remove() }
            let program = dir.file("true-fw")
            try FileManager.default.copyItem(atPath: "/bin/true", toPath: program)
            // A rule of someone else's, there before we start: a watch on executing our copy.
            let key = "fw-test-\(getpid())"
            #expect(KernelAudit.ctl(["-w", program, "-p", "x", "-k", key]).status == 0)
            defer { KernelAudit.ctl(["-W", program, "-p", "x", "-k", key]) }
            let out = dir.file("events.jsonl")
            let args = (0..<299).map { String(format: "argument-%03d-with some spaces", $0) }
            let r = try watch(["--source", "audit", "--audit-rules", "failures", "--format", "json", "-o", out]) { _ in
                try waitUntil { KernelAudit.rules().filter { $0.contains("key=filewatcher") }.count == 5 }
                let p = Process()
                p.executableURL = URL(fileURLWithPath: program)
                p.arguments = args
                try p.run()
                p.waitUntilExit(orKillAfter: Process.testChildBound)
                try waitUntil { Self.jsonLines(out).contains { $0.contains("\"event\":\"exec\"") && $0.contains(program) } }
            }
            #expect(r.status == 0, "\(r.stderr)")
            let exec = try #require(Self.jsonLines(out).first { $0.contains("\"event\":\"exec\"") && $0.contains(program) })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(exec.utf8)) as? [String: Any])
            let process = try #require(object["process"] as? [String: Any])
            let argv = try #require(process["args"] as? [String])
            #expect(argv.count == 300)
            #expect(Array(argv.dropFirst()) == args)
            #expect(object["path"] as? String == program)
            // Ours are gone, theirs is still there.
            let rules = KernelAudit.rules()
            #expect(!rules.contains { $0.contains("key=filewatcher") }, "\(rules)")
            #expect(rules.contains { $0.contains(key) }, "\(rules)")
        }
    }

    @Test func sigtermRemovesOurRulesAndAStartRemovesStaleOnes() throws {
        try KernelAudit.withAuditEnabled {
            // A stale rule with our key, as a killed run would leave it.
            #expect(KernelAudit.ctl(["-a", "exit,always", "-F", "arch=b64", "-S", "mknodat", "-F", "exit=-EACCES", "-k", "filewatcher"]).status == 0)
            let r = try run(["--source", "audit", "--audit-rules", "failures", "-d", "-", "--no-summary"]) { p in
                try waitUntil { KernelAudit.rules().filter { $0.contains("key=filewatcher") }.count == 5 }
                #expect(!KernelAudit.rules().contains { $0.contains("mknodat") && $0.contains("key=filewatcher") }, "the stale rule was removed")
                kill(p.processIdentifier, SIGTERM)
            }
            let stderr = r.stderr
            #expect(r.status == 0, "\(stderr)")
            #expect(stderr.contains("removed 1 stale audit rule(s)"), "\(stderr)")
            #expect(!KernelAudit.rules().contains { $0.contains("key=filewatcher") })
        }
    }

    @Test func fanotifyAndAuditMerged() throws {
        try KernelAudit.withAuditEnabled {
            let (dir, file) = try Self.secretFile()
            defer { dir.remove() }
            let readable = try dir.write("hello\n", to: "open.txt")
            let out = dir.file("events.jsonl")
            let r = try watch(["--source", "fanotify,audit", "--audit-rules", "failures", "--under", dir.path,
                               "--format", "json", "-o", out]) { _ in
                try waitUntil { KernelAudit.rules().filter { $0.contains("key=filewatcher") }.count == 5 }
                usleep(200_000)
                _ = Self.catAsNobody(file)
                _ = KernelAudit.shell("/bin/cat", [readable])
                try waitUntil {
                    let lines = Self.jsonLines(out)
                    return lines.contains { $0.contains("\"source\":\"audit\"") && $0.contains(file) }
                        && lines.contains { $0.contains("\"source\":\"fanotify\"") && $0.contains(readable) }
                }
            }
            #expect(r.status == 0, "\(r.stderr)")
        }
    }

    @Test func disabledAuditIsOneSentence() throws {
        let before = try #require(KernelAudit.enabled())
        guard before != 2 else { return }  // locked: cannot be turned off to try
        KernelAudit.ctl(["-e", "0"])
        defer { KernelAudit.ctl(["-e", "\(before)"]) }
        let r = try watch(["--source", "audit"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("auditing is disabled in the kernel") && r.stderr.contains("auditctl -e 1"), "\(r.stderr)")
    }
}

/// Polls `condition` every 50 ms for up to `timeout`.
func waitUntil(timeout: Duration = .seconds(20), _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout.seconds)
    while Date() < deadline {
        if try condition() { return }
        usleep(50_000)
    }
    throw TimedOut("condition not met within \(timeout)")
}
