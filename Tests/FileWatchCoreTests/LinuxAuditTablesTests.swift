// The syscall and record-type tables are generated from the kernel's headers: spot checks against
// numbers the kernel ABI fixes forever, and the generator re-run against this machine's headers
// gives the committed file byte for byte (when the headers and the tools are here).

import Foundation
import Testing
@testable import FileWatchCore
import TestSupport

@Suite struct LinuxAuditTablesTests {
    @Test func syscallNumbersPerArch() {
        let x = AuditArch.x86_64, i = AuditArch.i386, a = AuditArch.aarch64
        #expect(x.syscallName(2).map { "\($0)" } == "open")
        #expect(x.syscallName(59).map { "\($0)" } == "execve")
        #expect(x.syscallName(257).map { "\($0)" } == "openat")
        #expect(x.syscallName(316).map { "\($0)" } == "renameat2")
        #expect(i.syscallName(5).map { "\($0)" } == "open")
        #expect(i.syscallName(11).map { "\($0)" } == "execve")
        #expect(i.syscallName(38).map { "\($0)" } == "rename")
        #expect(a.syscallName(56).map { "\($0)" } == "openat")
        #expect(a.syscallName(221).map { "\($0)" } == "execve")
        #expect(a.syscallName(276).map { "\($0)" } == "renameat2")
        #expect(a.syscallName(38).map { "\($0)" } == "renameat")  // arm64 wants renameat
        #expect(a.syscallName(79).map { "\($0)" } == "newfstatat")
        #expect(x.syscallName(-1) == nil && x.syscallName(100_000) == nil)
        #expect(x.syscallNumber("openat") == 257 && a.syscallNumber("openat") == 56 && i.syscallNumber("openat") == 295)
    }

    @Test func recordTypes() {
        #expect(AuditRecordTypes.number("SYSCALL") == 1300 && AuditRecordTypes.number("EOE") == 1320)
        #expect(AuditRecordTypes.number("USER_LOGIN") == 1112 && AuditRecordTypes.number("SERVICE_START") == 1130)
        #expect(AuditRecordTypes.name(1327) == "PROCTITLE" && AuditRecordTypes.name(1400) == "AVC")
        #expect(AuditRecordTypes.isSingleRecord(1112) && !AuditRecordTypes.isSingleRecord(1300))
    }

    static let generator = TestEnvironment.packageRoot + "/scripts/gen-linux-audit-tables.py"
    static var canRegenerate: Bool {
        FileManager.default.fileExists(atPath: "/usr/include/libaudit.h")
            && FileManager.default.fileExists(atPath: "/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
            && ["/usr/bin/python3", "/usr/bin/cpp"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: canRegenerate, "needs python3, cpp, linux-libc-dev and libaudit-dev headers"))
    func generatedFileIsUpToDate() throws {
        let committed = TestEnvironment.packageRoot + "/Sources/FileWatchCore/LinuxAudit/LinuxAuditTables.swift"
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let copy = dir.file("LinuxAuditTables.swift")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [Self.generator, "/usr/include", copy]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        #expect(p.terminationStatus == 0)
        let fresh = try String(contentsOfFile: copy, encoding: .utf8)
        let kept = try String(contentsOfFile: committed, encoding: .utf8)
        // The header package's version line may differ between machines; the tables may not.
        let body = { (s: String) in s.split(separator: "\n").dropFirst(2).joined(separator: "\n") }
        #expect(body(fresh) == body(kept))
    }
}
