// `--read audit.log --follow` of the real auditd (Debian's package auditd), started by the test
// with its own configuration directory (its log in a temporary directory, max_log_file_action =
// rotate) and made to rotate twice — `kill -USR1` and `auditctl --signal USR1` — while user
// messages (`auditctl -m`) keep coming: every message arrives once, in order. Skipped (visibly)
// when not root, without auditd or the kernel audit, or while another audit daemon is registered.
// The kernel's enabled flag is put back as it was; auditd is stopped (SIGTERM) at the end.

#if canImport(Glibc)
import Glibc
#endif
@testable import EventSources
import Foundation
import Testing
import TestSupport

enum Auditd {
    static let path = ["/usr/sbin/auditd", "/sbin/auditd"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `auditctl -s`: the registered audit daemon's pid (0: none).
    static func registeredPid() -> Int? {
        let s = KernelAudit.ctl(["-s"]).out
        return s.split(separator: "\n").first { $0.hasPrefix("pid ") }.flatMap { Int($0.dropFirst(4)) }
    }

    static var usable: Bool { KernelAudit.usable && path != nil && registeredPid() == 0 }
    static let skipReason = "needs root, the kernel audit, auditd and auditctl (package auditd), and no audit daemon running already"

    /// auditd.conf for a daemon writing `dir`/log/audit.log, rotating (sizes are not reached here:
    /// the test rotates by signal), never suspending or halting anything.
    static func configure(_ dir: TemporaryDirectory) throws {
        try FileManager.default.createDirectory(atPath: dir.file("log"), withIntermediateDirectories: false)
        chmod(dir.file("log"), 0o700)
        try FileManager.default.createDirectory(atPath: dir.file("plugins.d"), withIntermediateDirectories: false)
        let conf = try dir.write("""
            local_events = yes
            write_logs = yes
            log_file = \(dir.file("log/audit.log"))
            log_format = ENRICHED
            flush = INCREMENTAL_ASYNC
            freq = 1
            max_log_file = 8
            num_logs = 5
            max_log_file_action = ROTATE
            space_left = 2
            space_left_action = IGNORE
            admin_space_left = 1
            admin_space_left_action = IGNORE
            disk_full_action = IGNORE
            disk_error_action = IGNORE
            plugin_dir = \(dir.file("plugins.d"))
            end_of_event_timeout = 2

            """, to: "auditd.conf")
        chmod(conf, 0o600)
    }

    /// `auditctl -m TEXT` (an AUDIT_USER message the kernel logs with the sender's pid): that pid.
    static func message(_ text: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: KernelAudit.auditctl!)
        p.arguments = ["-m", text]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit(orKillAfter: 20)
        #expect(p.terminationStatus == 0, "auditctl -m \(text)")
        return p.processIdentifier
    }
}

// Nested in LiveAuditTests (a serialized suite): it registers as the audit daemon and turns auditing
// on, which would disturb the other live kernel-audit tests if it ran beside them.
extension LiveAuditTests {
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: Auditd.usable, Comment(rawValue: Auditd.skipReason)))
struct AuditdFollowLiveTests {
    @Test func followsTheRealAuditdAcrossItsRotations() throws {
        let enabledBefore = try #require(KernelAudit.enabled())
        let dir = try TemporaryDirectory("fw-auditd")
        defer { dir.remove() }
        try Auditd.configure(dir)
        let log = dir.file("log/audit.log"), out = dir.file("events.jsonl")
        // -n: in the foreground (our child); -s enable: auditing on while it runs; -c: our
        // configuration. Started with an empty signal mask (a test thread's children would inherit
        // its blocked signals, and auditd would never see SIGUSR1 or SIGTERM).
        let daemon = try ChildProcess(argv: [Auditd.path!, "-n", "-s", "enable", "-c", dir.path])
        defer {
            daemon.signal(SIGTERM)
            var ended = false
            for _ in 0..<200 where !ended { if daemon.reapIfEnded() != nil { ended = true } else { usleep(50_000) } }
            if !ended { daemon.signal(SIGKILL); _ = daemon.wait() }
            #expect(ended, "auditd ended on SIGTERM")
            if enabledBefore == 0 { KernelAudit.ctl(["-e", "0"]) }
            #expect(KernelAudit.enabled() == enabledBefore, "the kernel's enabled flag is as it was")
        }
        try waitUntil {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("type=DAEMON_START")
        }

        var pids: [Int32] = []
        let r = try watch(["--read", log, "--follow", "-a", "--format", "json", "-o", out]) { _ in
            for i in 1...30 {
                pids.append(try Auditd.message("filewatcher follow test \(i)"))
                if i == 10 { daemon.signal(SIGUSR1) }                               // rotate
                if i == 20 { #expect(KernelAudit.ctl(["--signal", "USR1"]).status == 0) }  // rotate again
            }
            try waitUntil(timeout: .seconds(30)) {
                LiveAuditTests.jsonLines(out).filter { line in pids.contains { line.contains("\"pid\":\($0),") } }.count >= 30
            }
            usleep(300_000)  // a duplicate would come now
        }
        #expect(r.status == 0, "\(r.stderr)")
        let lines = LiveAuditTests.jsonLines(out)
        let ours = lines.compactMap { line in pids.first { line.contains("\"pid\":\($0),") } }
        #expect(ours == pids, "each message once, in order: \(ours) vs \(pids)")
        #expect(lines.filter { $0.contains("\"type\":\"DAEMON_ROTATE\"") }.count == 2, "\(lines.filter { $0.contains("DAEMON") })")
        #expect(FileManager.default.fileExists(atPath: log + ".2") && FileManager.default.fileExists(atPath: log + ".1"))
        #expect(!r.stderr.contains("damaged") && !r.stderr.contains("never logged"), "\(r.stderr)")
    }
}
}
