// The shared real auditd logs (../shared/samples/linux-audit, see its README) through the real
// decoder: every line parses, and the events the issue names are checked field by field.

import Foundation
import Testing
@testable import FileWatchCore
import TestSupport

@Suite(.needsSamples) struct LinuxAuditSampleTests {
    @Test func everyLineOfEverySampleParses() throws {
        let files = LinuxAuditFixture.sampleFiles()
        try #require(files.count >= 13, "the linux-audit samples are missing")
        var lines = 0
        for file in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            for (n, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                lines += 1
                do {
                    _ = try AuditLineParser.parse(bytes: Array(line))
                } catch {
                    Issue.record("\(file):\(n + 1): \(error)")
                }
            }
            let r = LinuxAuditFixture.decode(bytes, name: file)
            #expect(r.damages.isEmpty, "\(file): \(r.damages)")
            #expect(!r.events.isEmpty, "\(file): no events")
        }
        #expect(lines > 200)
    }

    /// A failed open(2) of a relative name: the CWD makes it absolute; exit=-13 is EACCES.
    @Test func failedOpenWithRelativeName() throws {
        let r = LinuxAuditFixture.decode(try LinuxAuditFixture.sample("audit-userspace-test.log"))
        let e = try #require(r.events.first { LinuxAuditFixture.serial($0) == 293 })
        #expect(e.kind == .open)
        #expect(e.result == .failure(errno: 13))
        #expect(e.path == "/var/spool/postfix/maildrop")
        #expect(e.isDirectory)  // mode=040730
        #expect(e.openFlags == [.read])  // a1=10800: O_RDONLY|O_NONBLOCK|O_DIRECTORY
        #expect(e.time == 1_170_021_493_977_000)
        #expect(e.process.pid == 13010 && e.process.ppid == 2013)
        #expect(e.process.uid == 890 && e.process.euid == 890 && e.process.gid == 890)
        #expect(e.process.auid == nil)  // 4294967295: unset
        #expect(e.process.name == "pickup")
        #expect(e.process.executable == "/usr/libexec/postfix/pickup")
        #expect(e.source == .auditLog)
        let d = try #require(LinuxAuditFixture.detail(e))
        #expect(d.arch == "x86_64" && d.syscall == 2 && d.syscallName == "open" && d.recordTypeName == "SYSCALL")
        #expect(d.key == nil)  // key=(null)
        // The AVC record of the same event does not make an event of its own.
        #expect(r.events.filter { LinuxAuditFixture.serial($0) == 293 }.count == 1)
        // User messages are events of their own, `other`, with their result.
        let acct = try #require(r.events.first { LinuxAuditFixture.serial($0) == 294 })
        #expect(acct.kind == .other && acct.process.pid == 13015 && acct.process.uid == 0)
        #expect(LinuxAuditFixture.detail(acct)?.recordTypeName == "USER_ACCT")
    }

    /// execve with 216 arguments (one EXECVE record of 7 KB) and with 48; PROCTITLE is truncated
    /// by the kernel, the EXECVE arguments are whole.
    @Test func execveWith216Arguments() throws {
        let r = LinuxAuditFixture.decode(try LinuxAuditFixture.sample("audit-userspace-test4.log"))
        #expect(r.events.count == 2)
        let m4 = try #require(r.events.first { LinuxAuditFixture.serial($0) == 27091 })
        #expect(m4.kind == .exec && m4.result == .success)
        let args = try #require(m4.process.arguments)
        #expect(args.count == 216)
        #expect(args.first == "/usr/bin/m4" && args[1] == "--nesting-limit=1024")
        #expect(args.last == "configure.ac")
        #expect(m4.path == "/usr/bin/m4")
        #expect(m4.process.name == "m4" && m4.process.executable == "/usr/bin/m4")
        #expect(m4.process.pid == 105933 && m4.process.ppid == 105932 && m4.process.uid == 583 && m4.process.auid == 573)
        let ld = try #require(r.events.first { LinuxAuditFixture.serial($0) == 25618 })
        #expect(ld.process.arguments?.count == 48)
        #expect(ld.process.arguments?.last == "/usr/lib64/gcc/aarch64-alt-linux/8/../../../../lib64/crtn.o")
        #expect(ld.process.executable == "/bin/sh4" && ld.process.name == "ld")
    }

    /// RHEL 7's `objtype=`: mknod(2) creating a file, PARENT + CREATE items; exe hex-encoded.
    @Test func parentAndCreateItemsOfRHEL7() throws {
        let r = LinuxAuditFixture.decode(try LinuxAuditFixture.sample("go-libaudit-events-rhel-7-linux-3.10.0.log"))
        let e = try #require(r.events.first { LinuxAuditFixture.serial($0) == 20294 })
        #expect(e.kind == .create)
        #expect(e.path == "/run/systemd/sessions/23.ref")
        #expect(!e.isDirectory)
        #expect(e.process.name == "systemd-logind" && e.process.pid == 326)
        #expect(LinuxAuditFixture.detail(e)?.syscallName == "mknod")
        #expect(e.process.executable == "/usr/lib/systemd/systemd-logind;58f98c85 (deleted)")  // hex-encoded
    }

    /// The same capture in order, shuffled, with lost records, and across the 32-bit serial
    /// rollover: the same events field by field; the loss is reported with its serial numbers.
    @Test func reorderedAndLostRecords() throws {
        let normal = LinuxAuditFixture.decode(try LinuxAuditFixture.sample("go-libaudit-reassembly-normal.log"))
        let shuffled = LinuxAuditFixture.decode(try LinuxAuditFixture.sample("go-libaudit-reassembly-out_of_order.log"))
        let lost = LinuxAuditFixture.decode(try LinuxAuditFixture.sample("go-libaudit-reassembly-lost_messages.log"))
        let bySerial = { (r: CollectingReceiver) in r.events.sorted { LinuxAuditFixture.serial($0)! < LinuxAuditFixture.serial($1)! } }
        let n = bySerial(normal)
        #expect(n.map { LinuxAuditFixture.serial($0)! } == [58, 59, 60, 61, 62])
        #expect(bySerial(shuffled) == n)
        #expect(normal.losses.isEmpty && shuffled.losses.isEmpty)

        let grep = n[1]
        #expect(grep.kind == .exec && grep.path == "/usr/bin/grep")
        #expect(grep.process.arguments == ["grep", "--color=auto", "mapping"])
        #expect(grep.process.pid == 13393 && grep.process.ppid == 12041 && grep.process.uid == 1000 && grep.process.gid == 1001)
        #expect(LinuxAuditFixture.detail(grep)?.key == "user_commands")
        let connect = n[3]
        #expect(connect.path == "/var/spool/postfix/public/pickup")  // relative name + CWD
        #expect(connect.kind == .other && LinuxAuditFixture.detail(connect)?.syscallName == "connect")
        let failed = n[0]
        #expect(failed.result == .failure(errno: 115))
        #expect(failed.process.executable == "/usr/bin/python2.7;58d1ccfb (deleted)")  // hex-encoded exe

        let l = bySerial(lost)
        #expect(l.map { LinuxAuditFixture.serial($0)! } == [49, 59, 60, 61, 62])
        #expect(Array(l.dropFirst()) == Array(n.dropFirst()))
        #expect(lost.losses.count == 1)
        if case .lost(let count, let reason) = lost.losses.first {
            #expect(count == 9)
            #expect(reason.contains("50…58"))
        }

        let rollover = LinuxAuditFixture.decode(try LinuxAuditFixture.sample("go-libaudit-reassembly-rollover.log"))
        #expect(rollover.events.map { LinuxAuditFixture.serial($0)! } == [4294967294, 4294967295, 0, 1, 2])
        #expect(rollover.losses.isEmpty)
    }

    /// Interleaved events with a node= prefix and hex PROCTITLE (the command line).
    @Test func interleavedNodeEvents() throws {
        let r = LinuxAuditFixture.decode(try LinuxAuditFixture.sample("audit-userspace-test3.log"))
        let sshd = try #require(r.events.first { LinuxAuditFixture.serial($0) == 194435 })
        #expect(LinuxAuditFixture.detail(sshd)?.node == "auditdtest.a1959.org")
        #expect(sshd.process.arguments == ["sshd: burn [priv]"])
        #expect(sshd.process.name == "sshd" && sshd.process.uid == 1000)
        let bash = try #require(r.events.first { LinuxAuditFixture.serial($0) == 194433 })
        #expect(bash.process.arguments == ["bash"])
        // Every serial once.
        let serials = r.events.compactMap(LinuxAuditFixture.serial)
        #expect(Set(serials).count == serials.count)
    }
}
