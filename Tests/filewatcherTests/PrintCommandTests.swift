import BSM
import Foundation
import Testing
import TestSupport

/// `filewatcher print` end to end (the built binary).
@Suite(.timeLimit(.minutes(3))) struct PrintCommandTests {
    static func record(_ i: Int, _ extra: [Token] = []) -> [UInt8] {
        RecordBuilder(event: 72, seconds: 1_700_000_000 + UInt64(i), milliseconds: 7, tokens: [
            .arg32(Arg(number: 2, value: 0, text: "flags\0")),
            .path(BSMBytes(Array("/tmp/f\(i)".utf8) + [0])),
            .subject32(Subject(auid: 4_000_000_001, euid: 4_000_000_001, egid: 4_000_000_002, ruid: 4_000_000_001,
                               rgid: 4_000_000_002, pid: 9, sid: 1, port: 0, address: .v4(0))),
        ] + extra + [.return32(ReturnToken(status: 2, value: 0xffff_ffff))]).bytes
    }

    static func expected(_ i: Int) -> String {
        let secs = 1_700_000_000 + i
        let t = ["Tue Nov 14 22:13:20 2023", "Tue Nov 14 22:13:21 2023", "Tue Nov 14 22:13:22 2023", "Tue Nov 14 22:13:23 2023"][secs - 1_700_000_000]
        let size = record(i).count
        return "header,\(size),11,open(2) - read,0,\(t), + 7 msec\nargument,2,0x0,flags\npath,/tmp/f\(i)\n"
            + "subject,-294967295,-294967295,-294967294,-294967295,-294967294,9,1,0,0.0.0.0\n"
            + "return,failure : No such file or directory,4294967295\ntrailer,\(size)\n"
    }

    func write(_ bytes: [UInt8], in dir: TemporaryDirectory, _ name: String) throws -> String {
        try dir.write(bytes, to: name)
    }

    @Test func printsFilesAndStdin() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let f = try write(Self.record(0) + Self.record(1), in: dir, "a.bsm")
        let r = try run(["print", f])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        #expect(r.out == Self.expected(0) + Self.expected(1))
        let s = try run(["print", "-n"], stdin: Data(Self.record(2)))
        #expect(s.status == 0)
        #expect(s.out == Self.expected(2))
        let l = try run(["print", "-l", "-d", "|", f])
        #expect(l.out.split(separator: "\n").count == 2)
        #expect(l.out.hasSuffix("|trailer|\(Self.record(1).count)|\n"))
        let x = try run(["print", "-x"], stdin: Data(Self.record(0)))
        #expect(x.out.hasPrefix("<?xml version='1.0' ?>\n<audit>\n<record "))
        #expect(x.out.hasSuffix("</record>\n</audit>\n"))
    }

    @Test func damagedTrailReportsAndKeepsGoing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let junk: [UInt8] = [0x99, 0x98, 0x97]
        var bad = Self.record(1)
        bad[bad.count - 5] = 0  // trailer magic
        let bytes = Self.record(0) + junk + Self.record(1) + bad + Self.record(2) + Array(Self.record(3).prefix(30))
        let f = try write(bytes, in: dir, "damaged.bsm")
        let r = try run(["print", f])
        #expect(r.status == 1)
        #expect(r.out == Self.expected(0) + Self.expected(1) + Self.expected(2))
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 3, "\(r.stderr)")
        let n0 = Self.record(0).count
        #expect(lines.first?.contains("\(f): offset \(n0): garbage") == true, "\(r.stderr)")
        #expect(r.stderr.contains("offset \(n0 + 3 + Self.record(1).count): "))
        #expect(r.stderr.contains("trailer magic"))
        #expect(r.stderr.contains("truncated"))
    }

    @Test func missingFileIsReportedOthersPrinted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let f = try write(Self.record(0), in: dir, "ok.bsm")
        let r = try run(["print", dir.file("nope.bsm"), f])
        #expect(r.status == 1)
        #expect(r.stderr.contains("nope.bsm"))
        #expect(r.out == Self.expected(0))
    }

    @Test func rawAndShortAreExclusive() throws {
        let r = try run(["print", "-r", "-s"], stdin: Data())
        #expect(r.status != 0 && r.status != 1)
        #expect(r.stderr.contains("-r and -s"))
        let h = try run(["print", "--help"])
        for flag in ["-l", "-n", "-p", "-r", "-s", "-x", "-d <del>"] { #expect(h.out.contains(flag)) }
    }

    @Test func partialStartFromTheMiddleOfARecord() throws {
        let bytes = Array(Self.record(0).dropFirst(20)) + Self.record(1)
        let p = try run(["print", "-p"], stdin: Data(bytes))
        #expect(p.status == 0, "\(p.stderr)")
        #expect(p.out == Self.expected(1))
        let q = try run(["print"], stdin: Data(bytes))
        #expect(q.status == 1)
        #expect(q.out == Self.expected(1))
    }

    /// Byte-identical to OpenBSM's praudit on our encoder's records, for every token type without
    /// a documented difference, in every mode (when FILEWATCHER_PRAUDIT names OpenBSM's praudit).
    @Test(.needsPraudit) func matchesPrauditOnEncoderRecords() throws {
        let praudit = URL(fileURLWithPath: try #require(TestEnvironment.praudit))
        let s = Subject(auid: 501, euid: 0, egid: 20, ruid: 0xffff_ffff, rgid: 0, pid: 42, sid: 7, port: 0x1_0000_0002, address: .v4(0x0a00_0001))
        var s6 = s
        s6.address = .v6(0xfe80_0000_0000_0000, 0x1)
        let tokens: [Token] = [
            .arg32(Arg(number: 1, value: 0xabc, text: "a\0")), .arg64(Arg(number: 2, value: 1 << 40, text: "b\0")),
            .attr32(Attr(mode: 0o100644, uid: 0, gid: 0, fsid: 1, nodeid: 2, device: 3)),
            .attr64(Attr(mode: 0o40755, uid: 1, gid: 2, fsid: 3, nodeid: 0xffff_ffff_ffff_fffe, device: 1 << 40)),
            .exit(ExitToken(status: 1, ret: 2)), .execArgs(ExecStrings([Array("ls".utf8), Array("-l".utf8)])),
            .execEnv(ExecStrings([Array("A=1".utf8)])), .newgroups(GroupList([0, 20, 0xffff_fffe])),
            .inAddr(0x0102_0304), .inAddrEx(.v6(0x2001_0db8_0000_0000, 1)), .inAddrEx(.v4(0x0a00_0001)),
            .ip(IPHeaderToken(version: 0x45, tos: 1, length: 20, id: 2, offset: 3, ttl: 64, prot: 6, checksum: 9, source: 1, destination: 2)),
            .ipc(IPCToken(type: 1, id: 5)), .ipcPerm(IPCPerm(uid: 1, gid: 2, puid: 3, pgid: 4, mode: 0o644, seq: 5, key: 6)),
            .iport(0x1234), .opaque(BSMBytes([1, 2, 255])), .path("/p\0"),
            .process32(s), .process64(s), .process32Ex(s6), .process64Ex(s), .subject32(s), .subject64(s),
            .subject32Ex(s), .subject64Ex(s6), .return32(ReturnToken(status: 22, value: 5)),
            .return64(ReturnToken(status: 93, value: 0xffff_ffff_ffff_ffff)), .return32(ReturnToken(status: 190, value: 1)),
            .seq(99), .socket(SocketToken(type: 1, localPort: 80, localAddress: 0x7f00_0001, remotePort: 0, remoteAddress: 0)),
            .socketEx(SocketEx(domain: 2, type: 1, localPort: 80, localAddress: .v4(1), remotePort: 443, remoteAddress: .v4(2))),
            .sockInet32(SockInet(family: 2, port: 22, address: .v4(0x0a00_0001))),
            .sockInet128(SockInet(family: 28, port: 22, address: .v6(0, 1))), .sockUnix(SockUnix(family: 1, path: "/s\0")),
            .text("hello, world\0"), .zonename("global\0"), .upriv(UPriv(successOrFailure: 0, privilege: "p\0")),
            .priv(PrivSet(setType: "E\0", privileges: "a,b\0")),
            .argUUID(UUIDToken(number: 1, uuid: BSMUUID(high: 1, low: 2), text: "u\0")),
            .retUUID(UUIDToken(number: 2, uuid: BSMUUID(high: 3, low: 4), text: "v\0")),
        ]
        var trail: [UInt8] = []
        Token.file(FileToken(seconds: 5, milliseconds: 6, name: "start\0")).encode(into: &trail)
        for (i, t) in tokens.enumerated() {
            trail += RecordBuilder(kind: i % 3 == 0 ? .header64 : .header32, event: UInt16([60001, 60002, 60003][i % 3]),
                                   seconds: 1_600_000_000 + UInt64(i), milliseconds: UInt64(i), tokens: [t]).bytes
        }
        // (Event numbers absent from every table: praudit here may have no /etc/security/audit_event.)
        let ex = RecordBuilder(kind: .header32Ex, event: 60004, seconds: 1, address: .v6(0, 1),
                               tokens: [.attr(Attr(mode: 1, uid: 2, gid: 3, fsid: 4, nodeid: 5, device: 6)), .text("t\0")]).bytes
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // XML: the tokens whose XML praudit gets right (README: Differences from praudit).
        var xmlTrail: [UInt8] = []
        let xmlSafe = Set([0x2d, 0x71, 0x3e, 0x73, 0x52, 0x3c, 0x3d, 0x2a, 0x7e, 0x2b, 0x32, 0x2c, 0x29, 0x23, 0x27, 0x72,
                           0x2f, 0x2e, 0x7f, 0x80, 0x81, 0x82, 0x24, 0x28, 0x60])
        for (i, t) in tokens.enumerated() where xmlSafe.contains(Int(t.id.rawValue)) {
            xmlTrail += RecordBuilder(kind: i % 3 == 0 ? .header64 : .header32, event: 60001, seconds: 1_600_000_000 + UInt64(i),
                                      milliseconds: UInt64(i), tokens: [t]).bytes
        }
        for flags in [["-n"], ["-l", "-n"], ["-s", "-n"], ["-r"], ["-l", "-r"], [], ["-x", "-n"], ["-x", "-l", "-r"]] {
            // header32_ex: praudit prints XML attributes with -r (a documented difference).
            let f = try write(flags.contains("-x") ? xmlTrail : flags.contains("-r") ? trail : trail + ex, in: dir, "all.bsm")
            let ours = try run(["print"] + flags + [f])
            let p = Process()
            p.executableURL = praudit
            p.arguments = flags + [f]
            var env = ProcessInfo.processInfo.environment
            env["TZ"] = "UTC"
            p.environment = env
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            p.killIfRunning()
            let theirs = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit(orKillAfter: Process.testChildBound)
            #expect(ours.status == 0, "\(ours.stderr)")
            let a = ours.out.split(separator: "\n", omittingEmptySubsequences: false)
            let b = String(decoding: theirs, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            for (x, y) in zip(a, b) where x != y { Issue.record("\(flags): ours \(x)\n   praudit \(y)"); break }
            #expect(a.count == b.count, "\(flags)")
        }
    }
}
