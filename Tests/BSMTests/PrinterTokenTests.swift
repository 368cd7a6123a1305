import Testing
@testable import BSM

/// Printer output for tokens the public samples lack, on records made by our own encoder. The
/// expected texts follow OpenBSM's bsm_io.c print_* functions (and the README's deliberate
/// differences where marked).
@Suite struct PrinterTokenTests {
    static let events = [
        PrinterEvent(number: 72, name: Array("AUE_OPEN_R".utf8), description: Array("open(2) - read".utf8)),
        PrinterEvent(number: 1, name: Array("AUE_EXIT".utf8), description: Array("exit(2)".utf8)),
    ]

    /// One record holding `tokens` (header32 for event 72 at 1970-01-01 00:00:10.5 UTC).
    static func record(_ tokens: [Token], kind: HeaderKind = .header32, address: IPAddress? = nil) -> [UInt8] {
        RecordBuilder(kind: kind, event: 72, seconds: 10, milliseconds: 5, address: address, tokens: tokens).bytes
    }

    /// The body lines (between header and trailer) printed for `tokens`.
    static func body(_ tokens: [Token], flags: String = "n", terminal: Bool = false) -> [String] {
        let (text, problems) = printTrail(record(tokens), flags: flags, events: events, terminal: terminal)
        #expect(problems.isEmpty, "\(problems)")
        var lines = String(decoding: text, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if flags.contains("x") { lines = Array(lines.dropFirst(3).dropLast(3)) } else { lines = Array(lines.dropFirst().dropLast(2)) }
        return lines
    }

    static let subject = Subject(auid: 501, euid: 0, egid: 20, ruid: 0xffff_ffff, rgid: 0, pid: 42, sid: 100_004,
                                 port: 0x1_0000_0002, address: .v6(0xfe80_0000_0000_0000, 1))

    @Test func headerAndTrailerInEveryMode() {
        let rec = Self.record([])
        let n = String(decoding: printTrail(rec, flags: "n", events: Self.events).text, as: UTF8.self)
        #expect(n == "header,25,11,open(2) - read,0,Thu Jan  1 00:00:10 1970, + 5 msec\ntrailer,25\n")
        let s = String(decoding: printTrail(rec, flags: "sn", events: Self.events).text, as: UTF8.self)
        #expect(s == "header,25,11,AUE_OPEN_R,0,Thu Jan  1 00:00:10 1970, + 5 msec\ntrailer,25\n")
        let r = String(decoding: printTrail(rec, flags: "r", events: Self.events).text, as: UTF8.self)
        #expect(r == "20,25,11,72,0,10,5\n19,25\n")
        let l = String(decoding: printTrail(rec + rec, flags: "ln", events: Self.events).text, as: UTF8.self)
        #expect(l == String(repeating: "header,25,11,open(2) - read,0,Thu Jan  1 00:00:10 1970, + 5 msec,trailer,25,\n", count: 2))
        let x = String(decoding: printTrail(rec, flags: "xn", events: Self.events).text, as: UTF8.self)
        #expect(x == "<?xml version='1.0' ?>\n<audit>\n<record version=\"11\" event=\"open(2) - read\" modifier=\"0\" time=\"Thu Jan  1 00:00:10 1970\" msec=\" + 5 msec\" >\n</record>\n</audit>\n")
        var o = PrintOptions(numeric: true); o.delimiter = Array("::".utf8)
        let p = PrauditPrinter(options: o, events: Self.events, names: NoIdentityNames(), time: UTCTime(), errors: glibcErrorTexts)
        let rr = RecordReader.items(in: rec)
        if case .record(let record) = rr[0] { p.printRecord(record) }
        #expect(String(decoding: p.out.array, as: UTF8.self) == "header::25::11::open(2) - read::0::Thu Jan  1 00:00:10 1970:: + 5 msec\ntrailer::25\n")
    }

    @Test func header64AndExHeaders() {
        let big = RecordBuilder(kind: .header64, event: 9999, seconds: 0x1_0000_0010, milliseconds: 0x1_0000_0007).bytes
        #expect(String(decoding: printTrail(big, flags: "r", events: Self.events).text, as: UTF8.self)
                == "116,33,11,9999,0,16,7\n19,33\n")
        let n = String(decoding: printTrail(big, flags: "n", events: Self.events).text, as: UTF8.self)
        #expect(n.hasPrefix("header,33,11,9999,0,Sun Feb  7 06:28:32 2106, + 7 msec\n"))
        let ex = Self.record([], kind: .header32Ex, address: .v4(0x0a00_0001))
        #expect(String(decoding: printTrail(ex, flags: "n", events: Self.events).text, as: UTF8.self)
                == "header_ex,33,11,open(2) - read,0,10.0.0.1,Thu Jan  1 00:00:10 1970, + 5 msec\ntrailer,33\n")
        // Our fixes: -r prints the raw comma form, XML the attribute form.
        #expect(String(decoding: printTrail(ex, flags: "r", events: Self.events).text, as: UTF8.self)
                == "21,33,11,72,0,10.0.0.1,10,5\n19,33\n")
        #expect(String(decoding: printTrail(ex, flags: "xn", events: Self.events).text, as: UTF8.self).contains(
            "<record version=\"11\" event=\"open(2) - read\" modifier=\"0\" host=\"10.0.0.1\" time=\"Thu Jan  1 00:00:10 1970\" msec=\" + 5 msec\" >"))
        let ex6 = Self.record([], kind: .header64Ex, address: .v6(0x2001_0db8_0000_0000, 0x0000_0000_0000_0001))
        #expect(String(decoding: printTrail(ex6, flags: "n", events: Self.events).text, as: UTF8.self)
                .hasPrefix("header_ex,53,11,open(2) - read,0,2001:db8::1,Thu Jan  1 00:00:10 1970, + 5 msec\n"))
    }

    @Test func subjectsAndProcesses() {
        let s = Self.subject
        var s4 = s
        s4.address = .v4(0x0a00_0001)
        #expect(Self.body([.subject64(s4)]) == ["subject,501,0,20,-1,0,42,100004,4294967298,10.0.0.1"])
        #expect(Self.body([.process64(s4)], flags: "xn") == [
            "<process audit-uid=\"501\" uid=\"0\" gid=\"20\" ruid=\"-1\" rgid=\"0\" pid=\"42\" sid=\"100004\" tid=\"4294967298 10.0.0.1\" />"])
        #expect(Self.body([.subject32Ex(s)]) == ["subject_ex,501,0,20,-1,0,42,100004,2,fe80::1"])
        #expect(Self.body([.subject64Ex(s)]) == ["subject_ex,501,0,20,-1,0,42,100004,4294967298,fe80::1"])
        #expect(Self.body([.process64Ex(s)]) == ["process_ex,501,0,20,-1,0,42,100004,4294967298,fe80::1"])
        #expect(Self.body([.process32Ex(s)], flags: "r") == ["123,501,0,20,-1,0,42,100004,2,fe80::1"])
        // XML: tid port and address separated by a space (praudit runs them together).
        #expect(Self.body([.subject64Ex(s)], flags: "xn") == [
            "<subject audit-uid=\"501\" uid=\"0\" gid=\"20\" ruid=\"-1\" rgid=\"0\" pid=\"42\" sid=\"100004\" tid=\"4294967298 fe80::1\" />"])
    }

    @Test func ipv6Formatting() {
        func text(_ h: UInt64, _ l: UInt64) -> String { Self.body([.inAddrEx(.v6(h, l))])[0] }
        #expect(text(0, 0) == "ip addr ex,::")
        #expect(text(0, 1) == "ip addr ex,::1")
        #expect(text(0, 0x0000_ffff_c0a8_0001) == "ip addr ex,::ffff:192.168.0.1")
        #expect(text(0, 0x0000_0000_0102_0304) == "ip addr ex,::1.2.3.4")
        #expect(text(0x2001_0db8_0000_0001, 0x0000_0000_0000_0001) == "ip addr ex,2001:db8:0:1::1")
        #expect(text(0x2001_0000_0000_0001, 0x0001_0000_0000_0001) == "ip addr ex,2001::1:1:0:0:1")
        #expect(text(0x0001_0002_0003_0004, 0x0005_0006_0007_0008) == "ip addr ex,1:2:3:4:5:6:7:8")
        #expect(text(0x0001_0000_0003_0004, 0x0005_0006_0007_0008) == "ip addr ex,1:0:3:4:5:6:7:8")
        #expect(Self.body([.inAddrEx(.v4(0x7f00_0001))]) == ["ip addr ex,127.0.0.1"])
    }

    @Test func numbersAndMisc() {
        #expect(Self.body([.arg64(Arg(number: 1, value: 0xdead_beef_0000_0001, text: "fd\0"))]) == ["argument,1,0xdeadbeef00000001,fd"])
        #expect(Self.body([.attr64(Attr(mode: 0o40755, uid: 0, gid: 0, fsid: 7, nodeid: 0xffff_ffff_ffff_fffe, device: 0xffff_ffff_0000_0001))])
                == ["attribute,40755,0,0,7,-2,18446744069414584321"])
        #expect(Self.body([.return64(ReturnToken(status: 0, value: 0xffff_ffff_ffff_ffff))]) == ["return,success,-1"])
        #expect(Self.body([.return32(ReturnToken(status: 93, value: 1))]) == ["return,failure : Directory not empty,1"])
        #expect(Self.body([.return32(ReturnToken(status: 190, value: 1))]) == ["return,failure: Unknown error: 190,1"])
        #expect(Self.body([.return32(ReturnToken(status: 61, value: 1))], flags: "r") == ["39,61,1"])
        #expect(Self.body([.exit(ExitToken(status: 3, ret: 0xffff_ffff))]) == ["exit,Error 3,4294967295"])
        #expect(Self.body([.iport(0)]) == ["ip port,0"])
        #expect(Self.body([.opaque(.empty)]) == ["opaque,0,"])
        #expect(Self.body([.seq(7)], flags: "xn") == ["<sequence seq-num=\"7\" />"])
        #expect(Self.body([.ipc(IPCToken(type: 3, id: 9))]) == ["IPC,Shared Memory IPC,9"])
        #expect(Self.body([.ipc(IPCToken(type: 3, id: 9))], flags: "r") == ["34,3,9"])
        #expect(Self.body([.ipc(IPCToken(type: 2, id: 9))], flags: "xn") == ["<IPC ipc-type=\"Semaphore IPC\" ipc-id=\"9\" />"])
        #expect(Self.body([.ipcPerm(IPCPerm(uid: 1, gid: 2, puid: 3, pgid: 4, mode: 0o600, seq: 5, key: 6))])
                == ["IPC perm,1,2,3,4,600,5,6"])
        #expect(Self.body([.socket(SocketToken(type: 2, localPort: 80, localAddress: 0x7f00_0001, remotePort: 443, remoteAddress: 0x0a00_0002))])
                == ["socket,2,80,127.0.0.1,443,10.0.0.2"])
        #expect(Self.body([.socketEx(SocketEx(domain: 28, type: 1, localPort: 80, localAddress: .v6(0, 1), remotePort: 0, remoteAddress: .v6(0, 0)))])
                == ["socket,0x1c,0x1,0x50,::1,0,::"])
        #expect(Self.body([.sockInet32(SockInet(family: 2, port: 22, address: .v4(0x0102_0304)))]) == ["socket-inet,2,22,1.2.3.4"])
        #expect(Self.body([.sockInet128(SockInet(family: 26, port: 22, address: .v6(0, 1)))], flags: "xn")
                == ["<socket-inet6 type=\"26\" port=\"22\" addr=\"::1\" />"])
        #expect(Self.body([.sockUnix(SockUnix(family: 1, path: "/var/run/s\0"))]) == ["socket-unix,1,/var/run/s"])
        #expect(Self.body([.sockUnix(SockUnix(family: 1, path: "/var/run/s\0"))], flags: "xn")
                == ["<socket-unix type=\"1\" port=\"\" addr=\"/var/run/s\" />"])
        #expect(Self.body([.zonename("global\0")]) == ["zone,global"])
        #expect(Self.body([.upriv(UPriv(successOrFailure: 1, privilege: "PRIV_FILE_DAC_READ\0"))])
                == ["use of privilege,successful use of priv,PRIV_FILE_DAC_READ"])
        #expect(Self.body([.priv(PrivSet(setType: "Effective\0", privileges: "file_dac_read\0"))]) == ["privilege,Effective,file_dac_read"])
        #expect(Self.body([.priv(PrivSet(setType: "E\0", privileges: "p\0"))], flags: "xn") == ["<privilege type=\"E\" priv=\"p\" />"])
        #expect(Self.body([.ip(IPHeaderToken(version: 0x45, tos: 0, length: 20, id: 1, offset: 0, ttl: 64, prot: 6, checksum: 0xbeef,
                                              source: 0x0a00_0001, destination: 0x0a00_0002))])
                == ["ip,0x45,0x00,20,1,0,0x40,0x06,48879,10.0.0.1,10.0.0.2"])
    }

    @Test func execArgsAllPrintedAndEscapedInXML() {
        let args = (0..<200).map { Array("a\($0)".utf8) }
        let line = Self.body([.execArgs(ExecStrings(args))])[0]
        #expect(line == "exec arg," + (0..<200).map { "a\($0)" }.joined(separator: ","))
        let env: [[UInt8]] = [Array("A=<&>\"'\\".utf8), [0x1b, 0x7f, 0xc3, 0xa9, 0x20, 0x09]]
        #expect(Self.body([.execEnv(ExecStrings(env))], flags: "xn")
                == ["<exec_env><env>A=&lt;&amp;&gt;&quot;&apos;\\\\</env><env>\\^[\\^?\\M-C\\M-) \t</env></exec_env>"])
        #expect(Self.body([.execArgs(ExecStrings([]))]) == ["exec arg"])
    }

    @Test func newgroupsAllPrintedAndXMLWellFormed() {
        let g = GroupList(Array(0..<20))
        #expect(Self.body([.newgroups(g)]) == ["group," + (0..<20).map(String.init).joined(separator: ",")])
        #expect(Self.body([.newgroups(GroupList([1, 2]))], flags: "xn") == ["<group><gid>1</gid><gid>2</gid></group>"])
    }

    @Test func dataTokenUnitsBigEndianAndWhole() {
        func d(_ how: UInt8, _ unit: UInt8, _ bytes: [UInt8]) -> String {
            let size = DataToken.unitSize(unit)!
            return Self.body([.data(DataToken(howToPrint: how, basicUnit: unit, unitCount: UInt8(bytes.count / size), bytes: BSMBytes(bytes)))])[0]
        }
        #expect(d(3, 1, [0x12, 0x34, 0xab, 0xcd]) == "arbitrary,hex,short,2, 1234 abcd")
        #expect(d(2, 2, [0xff, 0xff, 0xff, 0xfe]) == "arbitrary,decimal,int,1, -2")
        #expect(d(2, 3, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd]) == "arbitrary,decimal,int64,1, -3")
        #expect(d(3, 3, [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]) == "arbitrary,hex,int64,1, 102030405060708")
        #expect(d(1, 0, [8, 9]) == "arbitrary,octal,byte,2, 10 11")
        #expect(d(2, 0, [200]) == "arbitrary,decimal,byte,1, 200")
        #expect(d(4, 0, Array("hi".utf8)) == "arbitrary,string,byte,2,hi")
        #expect(d(0, 0, Array("hi".utf8)) == "arbitrary,binary,byte,2, h i")
        // An unknown format: praudit's text (the type name alone), and the problem is reported.
        let (text, problems) = printTrail(Self.record([.data(DataToken(howToPrint: 9, basicUnit: 0, unitCount: 1, bytes: BSMBytes([1])))]),
                                          flags: "n", events: Self.events)
        #expect(String(decoding: text, as: UTF8.self).split(separator: "\n")[1] == "arbitrary,")
        #expect(problems.map(\.message.description).first?.hasPrefix("data token has unknown format 9") == true, "\(problems)")
        #expect(Self.body([.data(DataToken(howToPrint: 4, basicUnit: 0, unitCount: 3, bytes: BSMBytes(Array("a<\0".utf8))))], flags: "xn")
                == ["<arbitrary print=\"string\" type=\"1\" count=\"3\" >a&lt;\\0</arbitrary>"])
    }

    @Test func uuidTokens() {
        let u = UUIDToken(number: 4, uuid: BSMUUID(high: 0x5a62_ea53_d41c_11e6, low: 0xc8a3_2500_9d4b_b49c), text: "t\0")
        #expect(Self.body([.argUUID(u)]) == ["arg_uuid,4,5a62ea53-d41c-11e6-c8a3-25009d4bb49c,t"])
        #expect(Self.body([.retUUID(u)], flags: "r") == ["133,4,5a62ea53-d41c-11e6-c8a3-25009d4bb49c,t"])
        #expect(Self.body([.retUUID(u)], flags: "xn") == ["<ret_uuid ret_uuid-num=\"4\" uuid=\"5a62ea53-d41c-11e6-c8a3-25009d4bb49c\" desc=\"t\" />"])
    }

    @Test func identityToken() {
        let i = Identity(signerType: 1, signingID: "com.apple.ls\0", signingIDTruncated: 0, teamID: "\0",
                         teamIDTruncated: 1, cdHash: BSMBytes([0xde, 0xad, 0xbe, 0xef]))
        #expect(Self.body([.identity(i)]) == ["identity,1,com.apple.ls,complete,,truncated,0xdeadbeef"])
        #expect(Self.body([.identity(i)], flags: "r") == ["237,1,com.apple.ls,complete,,truncated,0xdeadbeef"])
        #expect(Self.body([.identity(i)], flags: "xn") == [
            "<identity signer-type=\"1\" signing-id=\"com.apple.ls\" signing-id-truncated=\"complete\" team-id=\"\" team-id-truncated=\"truncated\" cdhash=\"0xdeadbeef\" />"])
    }

    @Test func unknownAttrAndXatpathPrintedAsPrauditDoes() {
        // praudit has no printer for 0x31 / 0x25 (nor for 0xee): the rest of the record up to the
        // trailer is one `unknown` token.
        let attr = Attr(mode: 1, uid: 2, gid: 3, fsid: 4, nodeid: 5, device: 6)
        let lines = Self.body([.attr(attr), .text("x\0")])
        #expect(lines == ["unknown,0x" + "00000001000000020000000300000004000000000000000500000006" + "28000278" + "00"])
        #expect(Self.body([.xatpath("/a\0")], flags: "r") == ["37,0x00032f6100"])
        #expect(Self.body([.attr(attr)], flags: "xn") == [""])
    }

    @Test func stringsInXMLAreEscapedAndWellFormed() {
        let path: [UInt8] = Array("/tmp/a&b<c>\"d'".utf8) + [0x1b, 0x01, 0xff, 0xc3, 0xa9, 0]
        #expect(Self.body([.path(BSMBytes(path))], flags: "xn") == ["<path>/tmp/a&amp;b&lt;c>\"d'\\^[\\^A\\M^?é</path>"])
        #expect(Self.body([.text("]]>\0")], flags: "xn") == ["<text>]]&gt;</text>"])
        #expect(Self.body([.arg32(Arg(number: 1, value: 0, text: "a\"b\0"))], flags: "xn") == ["<argument arg-num=\"1\" value=\"0x0\" desc=\"a&quot;b\" />"])
        // Piped: raw bytes, NULs dropped (praudit's print_string).
        #expect(Self.body([.path(BSMBytes(path))]) == ["path,/tmp/a&b<c>\"d'" + String(decoding: [0x1b, 0x01, 0xff, 0xc3, 0xa9], as: UTF8.self)])
    }

    @Test func terminalOutputShowsControlBytesEscaped() {
        let path: [UInt8] = Array("/tmp/x".utf8) + [0x1b] + Array("[31mred\n".utf8) + [0x9b, 0xc2, 0x9b, 0xe2, 0x82, 0xac, 0]
        let text = printTrail(Self.record([.path(BSMBytes(path))]), flags: "n", events: Self.events, terminal: true).text
        let s = String(decoding: text, as: UTF8.self)
        // The one terminal escaper (the same as `watch`'s text output): ESC as \e, C1 and stray bytes as \xNN.
        #expect(s.contains(#"path,/tmp/x\e[31mred\n\x9b\xc2\x9b€"# + "\n"), "\(s)")
        #expect(!text.contains(0x1b))
        let raw = printTrail(Self.record([.path(BSMBytes(path))]), flags: "n", events: Self.events, terminal: false).text
        #expect(raw.contains(0x1b))
    }

    @Test func terminalOutputEscapesBidiControlsSeparatorsAndInnerNUL() {
        // U+202E (right-to-left override), U+2028, U+2066 (isolate), U+200F, a C1 control, `\`, and a NUL inside
        // the string: piped they go out raw (NUL dropped, as praudit); on a terminal all are visible escapes.
        let path: [UInt8] = Array("/tmp/\u{202E}gpj.sh\u{2028}\u{2066}\u{200F}\u{85}a\\b".utf8) + [0] + Array("c".utf8) + [0]
        let s = String(decoding: printTrail(Self.record([.path(BSMBytes(path))]), flags: "n", events: Self.events,
                                            terminal: true).text, as: UTF8.self)
        #expect(s.contains(#"path,/tmp/\xe2\x80\xaegpj.sh\xe2\x80\xa8\xe2\x81\xa6\xe2\x80\x8f\xc2\x85a\\b\x00c"# + "\n"), "\(s)")
        let raw = printTrail(Self.record([.path(BSMBytes(path))]), flags: "n", events: Self.events, terminal: false).text
        #expect(raw.contains(0xe2) && !raw.contains(0))
        // A data token's characters, one at a time.
        let data = Self.body([.data(DataToken(howToPrint: 4, basicUnit: 0, unitCount: 3, bytes: BSMBytes([0x1b, 0xc2, 0x5c])))],
                             terminal: true)
        #expect(data == [#"arbitrary,string,byte,3,\e\xc2\\"#])
    }

    @Test func standaloneFileTokenIsItsOwnRecord() {
        var trail: [UInt8] = []
        Token.file(FileToken(seconds: 0, milliseconds: 0, name: "20240101000000.not_terminated\0")).encode(into: &trail)
        trail += Self.record([])
        let t = String(decoding: printTrail(trail, flags: "ln", events: Self.events).text, as: UTF8.self)
        #expect(t == "file,Thu Jan  1 00:00:00 1970, + 0 msec,20240101000000.not_terminated,\nheader,25,11,open(2) - read,0,Thu Jan  1 00:00:10 1970, + 5 msec,trailer,25,\n")
        let x = String(decoding: printTrail(trail, flags: "xn", events: Self.events).text, as: UTF8.self)
        #expect(x.contains("<file time=\"Thu Jan  1 00:00:00 1970\" msec=\" + 0 msec\" >20240101000000.not_terminated</file>\n"))
    }

    @Test func headerAndTrailerInsideARecordKeepXMLWellFormed() {
        let inner = Token.header32(Header(size: 99, version: 11, eventType: 1, eventModifier: 0, seconds: 0, milliseconds: 0))
        let x = Self.body([inner, .trailer(Trailer(count: 5))], flags: "xn")
        #expect(x == ["<header version=\"11\" event=\"exit(2)\" modifier=\"0\" time=\"Thu Jan  1 00:00:00 1970\" msec=\" + 0 msec\" />",
                      "<trailer count=\"5\" />"])
        // Plain text: as praudit.
        #expect(Self.body([inner, .trailer(Trailer(count: 5))]) == ["header,99,11,exit(2),0,Thu Jan  1 00:00:00 1970, + 0 msec", "trailer,5"])
    }

    @Test func civilTimeMatchesKnownDates() {
        let b = OutputBuffer()
        for (t, off, want) in [(Int64(0), Int64(0), "Thu Jan  1 00:00:00 1970"), (1_700_000_000, 0, "Tue Nov 14 22:13:20 2023"),
                               (951_782_400, 0, "Tue Feb 29 00:00:00 2000"), (-1, 0, "Wed Dec 31 23:59:59 1969"),
                               (0, -18_000, "Wed Dec 31 19:00:00 1969"), (4_102_444_800, 3600, "Fri Jan  1 01:00:00 2100")] {
            b.removeAll()
            b.appendCTime(CivilTime(epochSeconds: t, utcOffset: off))
            #expect(String(decoding: b.array, as: UTF8.self) == want)
        }
    }

    @Test func fastPathAndTokenPathPrintTheSame() {
        let s = Subject(auid: 1, euid: 2, egid: 3, ruid: 4, rgid: 5, pid: 6, sid: 7, port: 8, address: .v4(9))
        let rec = Self.record([.arg32(Arg(number: 2, value: 0x10, text: "flags\0")), .path("/a&<\0"), .text("t\u{1b}\0"),
                               .attr32(Attr(mode: 0o644, uid: 1, gid: 2, fsid: 3, nodeid: 4, device: 5)),
                               .subject32(s), .process32(s), .return32(ReturnToken(status: 2, value: 3))])
        for flags in ["n", "ln", "r", "sn", "xn", "x", ""] {
            for terminal in [false, true] {
                var o = PrintOptions(raw: flags.contains("r"), short: flags.contains("s"), numeric: flags.contains("n"),
                                     oneLine: flags.contains("l"), xml: flags.contains("x"), isTerminal: terminal)
                o.delimiter = [UInt8(ascii: ",")]
                let fast = PrauditPrinter(options: o, events: Self.events, names: NoIdentityNames(), time: UTCTime(), errors: glibcErrorTexts)
                let slow = PrauditPrinter(options: o, events: Self.events, names: NoIdentityNames(), time: UTCTime(), errors: glibcErrorTexts)
                slow.fastPath = false
                guard case .record(let r) = RecordReader.items(in: rec)[0] else { Issue.record("no record"); return }
                fast.printRecord(r)
                slow.printRecord(r)
                #expect(fast.out.array == slow.out.array, "flags \(flags) terminal \(terminal)")
            }
        }
    }
}
