// The auditd line grammar, record grouping and mapping on written lines (the forms the shared
// samples lack: rename items, ENRICHED fields, split and hex execve arguments, bad lines), and
// property tests: hex round trip, truncated and interleaved input never crashes.

import Testing
@testable import FileWatchCore
import TestSupport

@Suite struct LinuxAuditParserTests {
    /// auditd numbers its own DAEMON_* records from a random start (its `seq_num`), apart from the
    /// kernel's serials: a DAEMON_START at 7000 before kernel serials 100… is no gap, and no loss.
    @Test func daemonRecordSerialsAreNotKernelSerials() throws {
        let log = """
            type=DAEMON_START msg=audit(1700000000.000:7000): op=start ver=3.0.9 format=enriched kernel=6.18 auid=0 pid=1 uid=0 ses=1 res=success
            type=USER msg=audit(1700000000.100:100): pid=2 uid=0 auid=0 ses=1 msg='text=one exe="/usr/sbin/auditctl" res=success'
            type=USER msg=audit(1700000000.200:101): pid=3 uid=0 auid=0 ses=1 msg='text=two exe="/usr/sbin/auditctl" res=success'
            type=DAEMON_ROTATE msg=audit(1700000000.300:7001): op=rotate-logs auid=0 pid=1 subj=? res=success
            type=USER msg=audit(1700000000.400:102): pid=4 uid=0 auid=0 ses=1 msg='text=three exe="/usr/sbin/auditctl" res=success'

            """
        let r = LinuxAuditFixture.decode(log)
        #expect(r.events.count == 5)
        #expect(r.losses.isEmpty, "\(r.losses)")
        // A real gap among the kernel's serials is still a loss.
        let gap = LinuxAuditFixture.decode(log.replacingOccurrences(of: ":102)", with: ":105)"))
        #expect(gap.losses.count == 1, "\(gap.notices)")
    }

    @Test func fieldForms() throws {
        let line = "node=web1 type=SYSCALL msg=audit(1700000000.007:42): arch=c000003e syscall=257 success=no exit=-2 "
            + "a0=ffffff9c a1=55aa a2=241 a3=1b6 items=1 comm=\"cat\" exe=2F746D702F6120622063 key=(null) tty=(none) "
            + "subj=? msg='op=x acct=\"root\" res=success'\u{1D}ARCH=x86_64 SYSCALL=openat UID=\"alice\" AUID=\"unset\""
        let r = try LinuxAuditFixture.parse(line)
        #expect(r.type == 1300 && r.typeName == "SYSCALL")
        #expect(r.node == "web1")
        #expect(r.stamp == AuditStamp(seconds: 1_700_000_000, milliseconds: 7, serial: 42))
        #expect(r.field("arch")?.hexNumber == 0xC000003E)
        #expect(r.field("exit")?.integer == -2)
        #expect(r.field("comm")?.text == Array("cat".utf8))
        #expect(r.field("exe")?.text == Array("/tmp/a b c".utf8))  // hex: the name has spaces
        #expect(r.field("key")?.text == nil && r.field("key")?.isAbsent == true)
        #expect(r.field("tty")?.text == nil && r.field("subj")?.text == nil)
        #expect(r.field("acct")?.text == Array("root".utf8))  // inside msg='…'
        #expect(r.field("res")?.raw == Array("success".utf8))
        #expect(r.field("UID", enriched: true)?.text == Array("alice".utf8))
        #expect(r.field("UID") == nil)  // the kernel's part has uid=, not UID=
        #expect(r.field("SYSCALL", enriched: true)?.text == Array("openat".utf8))

        let unknown = try LinuxAuditFixture.parse("type=UNKNOWN[1334] msg=audit(1.000:1): prog-id=5 op=LOAD")
        #expect(unknown.type == 1334 && unknown.typeName == "UNKNOWN[1334]")
        let noStamp = try LinuxAuditFixture.parse("type=UNKNOWN[1329] msg=?")
        #expect(noStamp.stamp == nil)
        let daemon = try LinuxAuditFixture.parse("type=DAEMON_CONFIG msg=audit(1490239800.477:34) config changed, auid=0 pid=1512 res=success")
        #expect(daemon.field("pid")?.integer == 1512)
        let avc = try LinuxAuditFixture.parse("type=AVC msg=audit(1.5:2): avc:  denied  { read write } for  pid=7 comm=\"x\" tclass=dir")
        #expect(avc.field("pid")?.integer == 7 && avc.field("tclass")?.raw == Array("dir".utf8))
    }

    @Test func malformedLinesAreReportedAndSkipped() throws {
        let good = "type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=87 success=yes exit=0 a0=1 items=0 pid=5 uid=0 comm=\"rm\"\n"
        let text = "garbage here\n" + good
            + "type=PATH msg=audit(1700000000.000:2): name=\"unterminated\n"
            + "type=SYSCALL msg=audit(17000x.000:3): arch=c000003e\n"
            + "type=lower msg=audit(1.000:4):\n"
            + "type=SYSCALL msg=audit(1700000000.000:5): arch=c000003e syscall=87 success=yes exit=0 items=0 pid=6 uid=0\n"
            + "type=X msg=audit(1.0:6): a=" + String(repeating: "A", count: 17_000) + "\n"
            + "\n"
        let r = LinuxAuditFixture.decode(text, chunk: 100)
        #expect(r.events.map(\.process.pid) == [5, 6])
        let reasons = r.damages.map(\.message)
        #expect(reasons.count == 5)
        #expect(reasons[0].contains("test.log") && reasons[0].contains("line 1: no 'type='"))
        #expect(reasons[1].contains("line 3: unterminated quoted value of 'name'"))
        #expect(reasons[2].contains("line 4: no '.' in the time stamp"))
        #expect(reasons[3].contains("line 5: record type is not an upper-case name"))
        #expect(reasons[4].contains("line 7: line longer than 16384 bytes"))
        // A 16 KiB line is still one record.
        let long = "type=EXECVE msg=audit(1.000:9): argc=1 a0=\"" + String(repeating: "x", count: 16_000) + "\""
        #expect(try LinuxAuditFixture.parse(long).field("a0")?.raw.count == 16_000)
    }

    @Test func renameWithParentDeleteCreateItems() throws {
        // As kernel 6.x logs `mv a.txt "new name.txt"` in /home/u: PARENT items name the CWD
        // (relative names), DELETE the old name, CREATE the new one (hex: it has a space).
        let s = "msg=audit(1700000001.250:700):"
        let text = """
        type=SYSCALL \(s) arch=c000003e syscall=316 success=yes exit=0 a0=ffffff9c a1=7ffd1 a2=ffffff9c a3=7ffd2 items=4 ppid=900 pid=901 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=2 comm="mv" exe="/usr/bin/mv" key="fw"
        type=CWD \(s) cwd="/home/u"
        type=PATH \(s) item=0 name="/home/u" inode=10 dev=fe:01 mode=040755 ouid=1000 ogid=1000 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0
        type=PATH \(s) item=1 name="/home/u" inode=10 dev=fe:01 mode=040755 ouid=1000 ogid=1000 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0
        type=PATH \(s) item=2 name="a.txt" inode=11 dev=fe:01 mode=0100644 ouid=1000 ogid=1000 rdev=00:00 nametype=DELETE cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0
        type=PATH \(s) item=3 name=6E6577206E616D652E747874 inode=11 dev=fe:01 mode=0100644 ouid=1000 ogid=1000 rdev=00:00 nametype=CREATE cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0
        type=PROCTITLE \(s) proctitle=6D7600612E747874006E6577206E616D652E747874
        type=EOE \(s)

        """
        let r = LinuxAuditFixture.decode(text)
        try #require(r.events.count == 1)
        let e = r.events[0]
        #expect(e.kind == .rename)
        #expect(e.path == "/home/u/a.txt")
        #expect(e.destinationPath == "/home/u/new name.txt")
        #expect(e.process.arguments == ["mv", "a.txt", "new name.txt"])
        #expect(e.process.pid == 901 && e.process.ppid == 900 && e.process.uid == 1000)
        #expect(LinuxAuditFixture.detail(e)?.syscallName == "renameat2")
        #expect(LinuxAuditFixture.detail(e)?.key == "fw")
        // Completed at EOE, not at the end of input: nothing stays open.
        var d = AuditLogDecoder(name: "t")
        let rr = CollectingReceiver()
        Array(text.utf8).withUnsafeBytes { d.push($0, into: rr) }
        #expect(rr.events.count == 1 && d.assembler.openEventCount == 0)
    }

    @Test func splitAndHexExecveArguments() throws {
        let s = "msg=audit(1700000002.000:800):"
        let text = """
        type=SYSCALL \(s) arch=40000003 syscall=11 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=50 uid=0 comm="sh" exe="/bin/sh"
        type=EXECVE \(s) argc=3 a0="sh" a1_len=10 a1[0]=68656C6C a1[1]=6F20776F726C64
        type=EXECVE \(s) a2="tail"
        type=PATH \(s) item=0 name="./run" nametype=NORMAL mode=0100755
        type=CWD \(s) cwd="/opt"
        type=EOE \(s)

        """
        let e = try #require(LinuxAuditFixture.decode(text).events.first)
        #expect(e.kind == .exec)
        #expect(e.process.arguments == ["sh", "hello world", "tail"])
        #expect(e.path == "/opt/run")
        #expect(LinuxAuditFixture.detail(e)?.arch == "i386" && LinuxAuditFixture.detail(e)?.syscallName == "execve")
    }

    @Test func aarch64OpenatRelativeToAnotherDirectoryStaysRelative() throws {
        let s = "msg=audit(1700000003.000:900):"
        let text = """
        type=SYSCALL \(s) arch=c00000b7 syscall=56 success=yes exit=3 a0=5 a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=60 uid=0 comm="x"
        type=CWD \(s) cwd="/root"
        type=PATH \(s) item=0 name="sub/" nametype=PARENT mode=040755
        type=PATH \(s) item=1 name="sub/f" nametype=CREATE mode=0100644
        type=EOE \(s)
        type=SYSCALL msg=audit(1700000003.000:901): arch=c00000b7 syscall=56 success=no exit=-13 a0=ffffffffffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=61 uid=65534 comm="cat"\u{1D}UID="nobody" SYSCALL=openat
        type=CWD msg=audit(1700000003.000:901): cwd="/tmp"
        type=PATH msg=audit(1700000003.000:901): item=0 name="secret" nametype=NORMAL mode=0100600
        type=EOE msg=audit(1700000003.000:901):

        """
        let r = LinuxAuditFixture.decode(text)
        try #require(r.events.count == 2)
        let created = r.events[0]
        #expect(created.kind == .open && created.openFlags == [.write, .create, .truncate])  // 0x241
        #expect(created.path == "sub/f")  // dirfd 5: not the CWD, so not made absolute
        #expect(LinuxAuditFixture.detail(created)?.syscallName == "openat")
        let denied = r.events[1]
        #expect(denied.path == "/tmp/secret" && denied.result == .failure(errno: 13))
        #expect(denied.process.user == "nobody")  // ENRICHED
        #expect(denied.openFlags == [.read])
    }

    @Test func eventsWithoutEOEEndByRecordTimeAndBound() throws {
        // No EOE: an event ends once 2 s of record time and 32 records of others have passed.
        var a = AuditEventAssembler(timeoutMilliseconds: 2000, maxOpenEvents: 8)
        var out: [AuditEventRecords] = []
        func rec(_ t: Int, _ serial: Int) throws -> AuditRecord {
            try LinuxAuditFixture.parse("type=SYSCALL msg=audit(\(t).000:\(serial)): syscall=0 pid=1")
        }
        try a.push(rec(100, 1)) { if case .event(let r) = $0 { out.append(r) } }
        for i in 0..<40 { try a.push(rec(103, 2 + i)) { if case .event(let r) = $0 { out.append(r) } } }
        #expect(out.first?.first?.stamp?.serial == 1)
        #expect(a.openEventCount <= 8)  // bounded: the oldest went
        a.finish { if case .event(let r) = $0 { out.append(r) } }
        #expect(out.count == 41 && a.openEventCount == 0)
    }

    // MARK: Properties

    @Test func randomValuesRoundTripThroughTheKernelsEncoding() throws {
        var rng = SplitMix(seed: 0x5EED)
        for _ in 0..<2000 {
            let n = Int(rng.next() % 40) + 1
            let value = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let encoded = AuditHex.encode(value)
            let line = Array("type=PATH msg=audit(1.000:1): item=0 name=".utf8) + encoded + Array(" nametype=NORMAL".utf8)
            let r = try AuditLineParser.parse(bytes: line)
            #expect(r.field("name")?.text == value, "\(value)")
            #expect(r.field("nametype")?.raw == Array("NORMAL".utf8))
        }
    }

    @Test func truncatedAndInterleavedInputNeverCrashes() throws {
        // The shared reassembly capture when present, else a written event.
        let sample = LinuxAuditFixture.sampleFiles().first { $0.hasSuffix("reassembly-normal.log") }
        try truncations(of: try sample.map { Array(try String(contentsOfFile: $0, encoding: .utf8).utf8) } ?? Array(Self.fallback.utf8))
    }

    static let fallback = "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=2 success=yes exit=3 a1=0 items=1 pid=2 comm=\"a\"\ntype=PATH msg=audit(1.000:1): item=0 name=\"x\" nametype=NORMAL\ntype=EOE msg=audit(1.000:1):\n"

    private func truncations(of bytes: [UInt8]) throws {
        // Every prefix of every line parses or fails with a reason.
        for line in bytes.split(separator: 0x0A) {
            for cut in 0...line.count {
                let prefix = Array(line.prefix(cut))
                _ = try? AuditLineParser.parse(bytes: prefix)
            }
        }
        // Every prefix of the log, and its lines shuffled and cut at random, decode without a trap.
        var rng = SplitMix(seed: 7)
        for cut in stride(from: 0, through: bytes.count, by: max(1, bytes.count / 300)) {
            _ = LinuxAuditFixture.decode(Array(bytes.prefix(cut)), chunk: Int(rng.next() % 64) + 1)
        }
        var lines = bytes.split(separator: 0x0A).map(Array.init)
        for _ in 0..<50 {
            for i in lines.indices.reversed() { lines.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            var mixed: [UInt8] = []
            for l in lines { mixed += l.prefix(Int(rng.next() % UInt64(l.count + 1))) + [0x0A] }
            let r = LinuxAuditFixture.decode(mixed, chunk: Int(rng.next() % 500) + 1)
            #expect(r.events.count <= lines.count)
        }
    }
}

/// A small seeded generator (reproducible property tests).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
