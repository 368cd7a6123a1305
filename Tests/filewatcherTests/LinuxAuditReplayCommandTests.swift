// `--read` of auditd logs through the whole watch session: recognized from the first bytes or
// named with --input linux-audit, every filter and output, bad lines reported with exit status 1.

@testable import EventSources
import FileWatchCore
import Foundation
import Testing
import TestSupport
@testable import filewatcher

@Suite(.timeLimit(.minutes(2))) struct LinuxAuditReplayCommandTests {
    static let log = """
    type=SYSCALL msg=audit(1700000000.100:10): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=0 a2=0 a3=0 items=1 ppid=1 pid=77 auid=1000 uid=65534 gid=65534 euid=65534 suid=65534 fsuid=65534 egid=65534 sgid=65534 fsgid=65534 tty=pts0 ses=1 comm="cat" exe="/usr/bin/cat" key="filewatcher"
    type=CWD msg=audit(1700000000.100:10): cwd="/etc"
    type=PATH msg=audit(1700000000.100:10): item=0 name="shadow" inode=5 dev=fe:01 mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL
    type=EOE msg=audit(1700000000.100:10):
    type=SYSCALL msg=audit(1700000000.200:11): arch=c000003e syscall=87 success=yes exit=0 a0=1 a1=0 a2=0 a3=0 items=2 ppid=1 pid=78 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm="rm" exe="/usr/bin/rm" key=(null)
    type=PATH msg=audit(1700000000.200:11): item=0 name="/tmp/" nametype=PARENT mode=041777
    type=PATH msg=audit(1700000000.200:11): item=1 name="/tmp/x" nametype=DELETE mode=0100644
    type=EOE msg=audit(1700000000.200:11):

    """

    @Test func auditLogIsRecognizedAndReplayed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write(Self.log, to: "audit.log")
        let r = try watch(["--read", file, "--format", "json", "--no-summary"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.out.split(separator: "\n")
        try #require(lines.count == 2, "\(r.out)")
        #expect(lines[0].contains("\"event\":\"open\"") && lines[0].contains("\"path\":\"/etc/shadow\""))
        #expect(lines[0].contains("\"source\":\"audit_log\"") && lines[0].contains("\"key\":\"filewatcher\""))
        // A log may come from another machine: its uids stay numbers unless --resolve-users asks
        // for this host's names (ENRICHED logs carry the logging host's names: see the parser tests).
        #expect(lines[0].contains("\"user\":null"), "\(lines[0])")
        let resolved = try watch(["--read", file, "--format", "json", "--no-summary", "--resolve-users"])
        #expect(resolved.out.contains("\"user\":\"nobody\""), "uid 65534 resolved on this host: \(resolved.out)")
        #expect(lines[1].contains("\"event\":\"delete\"") && lines[1].contains("\"path\":\"/tmp/x\""))

        // --failed shows only the denied one; --input names the format.
        let failed = try watch(["--read", file, "--input", "linux-audit", "--failed", "--no-summary"])
        #expect(failed.status == 0)
        #expect(failed.out.contains("/etc/shadow") && failed.out.contains("FAILED") && !failed.out.contains("/tmp/x"))
    }

    @Test func standardInputIsRecognizedFromItsFirstBytes() throws {
        let r = try run(["--read", "-", "--format", "json", "--no-summary"], stdin: Data(Self.log.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.out.split(separator: "\n").count == 2 && r.out.contains("\"path\":\"/etc/shadow\""))
        let bad = try run(["--read", "-"], stdin: Data("hello, this is no recording\n".utf8))
        #expect(bad.status == 1 && bad.stderr.contains("standard input: not a recognized recording (first bytes 68 65 6c 6c"), "\(bad.stderr)")
    }

    /// `--format bsm` of an auditd log: a trail praudit reads (our `print`; OpenBSM's praudit too
    /// when FILEWATCHER_PRAUDIT names one).
    @Test func bsmOutputOfAnAuditLogIsPrauditReadable() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write(Self.log, to: "audit.log")
        let trail = dir.file("out.bsm")
        let r = try watch(["--read", file, "-a", "--format", "bsm", "-o", trail])
        #expect(r.status == 0, "\(r.stderr)")
        let printed = try run(["print", trail])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.out.contains("path,/etc/shadow") && printed.out.contains("path,/tmp/x"), "\(printed.out)")
        #expect(printed.out.contains("return,failure : Permission denied"), "\(printed.out)")
        if let praudit = TestEnvironment.praudit {
            let p = try run(["print", trail])  // the same bytes through OpenBSM's praudit
            let real = Process()
            real.executableURL = URL(fileURLWithPath: praudit)
            real.arguments = [trail]
            real.environment = ["TZ": "UTC"]
            let out = Pipe()
            real.standardOutput = out
            try real.run()
            real.killIfRunning()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            real.waitUntilExit(orKillAfter: Process.testChildBound)
            #expect(real.terminationStatus == 0)
            #expect(text.contains("path,/etc/shadow") && !p.out.isEmpty)
        }
    }

    @Test func badLinesAreReportedAndReplayGoesOn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bad = Self.log.replacingOccurrences(of: "type=CWD msg=audit(1700000000.100:10)", with: "type=CWD msg=audit(17000")
        let file = try dir.write(bad, to: "audit.log")
        let r = try watch(["--read", file, "--format", "json"])
        #expect(r.status == 1, "damage: exit status 1 at the end")
        #expect(r.stderr.contains("\(file): damaged input at byte offset") && r.stderr.contains("line 2: no '.' in the time stamp"), "\(r.stderr)")
        #expect(r.out.split(separator: "\n").count == 2, "the other events are all shown")
    }

    @Test(.needsSamples) func everySampleLogReplays() throws {
        let dir = try #require(TestEnvironment.samples.map { $0 + "/linux-audit" })
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".log") }
        #expect(names.count >= 13)
        for name in names {
            let r = try watch(["--read", dir + "/" + name, "-a", "--format", "json", "--no-summary"])
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(!r.out.isEmpty, "\(name)")
        }
    }

    @Test func rotatedLogsOfADirectoryAreReadOldestFirst() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // auditd rotates audit.log → audit.log.1 → audit.log.2: the highest number is the oldest.
        let line = { (serial: Int) in "type=SYSCALL msg=audit(1700000000.\(serial)00:\(serial)): arch=c000003e syscall=87 success=yes exit=0 items=0 pid=\(serial) uid=0 comm=\"rm\"\ntype=EOE msg=audit(1700000000.\(serial)00:\(serial)):\n" }
        try dir.write(line(3), to: "audit.log")
        try dir.write(line(2), to: "audit.log.1")
        try dir.write(line(1), to: "audit.log.2")
        let r = try watch(["--read", dir.path, "-a", "--format", "json", "--no-summary"])
        #expect(r.status == 0, "\(r.stderr)")
        let order = r.out.split(separator: "\n").map { line in ["\"pid\":1,", "\"pid\":2,", "\"pid\":3,"].firstIndex { line.contains($0) } ?? -1 }
        #expect(order == [0, 1, 2], "\(r.out)")
        #expect(SessionSources.rotationOrder(["audit.log", "audit.log.10", "audit.log.2", "a.bsm", "20231114221320.20231114221321"])
                == ["20231114221320.20231114221321", "a.bsm", "audit.log.10", "audit.log.2", "audit.log"])
    }
}
