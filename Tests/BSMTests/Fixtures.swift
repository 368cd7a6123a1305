@testable import BSM

/// One sample of every token type (IPv4 and IPv6 variants where a token has both).
enum Fixtures {
    static let v6 = IPAddress.v6(0xfe80_0000_0000_0000, 0x0000_0000_0000_0001)
    static let v4 = IPAddress.v4(0xc0a8_0001)
    static let subj = Subject(auid: 1000, euid: 0, egid: 0, ruid: 1000, rgid: 20, pid: 4242, sid: 100, port: 0x1234, address: .v4(0x7f00_0001))
    static func subjEx(_ a: IPAddress) -> Subject { var s = subj; s.address = a; return s }
    static let header = Header(size: 56, version: 11, eventType: 72, eventModifier: 0, address: nil, seconds: 1_700_000_000, milliseconds: 123)
    static func headerEx(_ a: IPAddress) -> Header { var h = header; h.address = a; return h }

    static let allTokens: [(String, Token)] = [
        ("header32", .header32(header)),
        ("header32_ex v4", .header32Ex(headerEx(v4))),
        ("header32_ex v6", .header32Ex(headerEx(v6))),
        ("header32_ex other type", .header32Ex(headerEx(.other(type: 7)))),
        ("header64", .header64(Header(size: 99, version: 11, eventType: 23, eventModifier: 1, seconds: 0x1_0000_0001, milliseconds: 999))),
        ("header64_ex v4", .header64Ex(headerEx(v4))),
        ("header64_ex v6", .header64Ex(headerEx(v6))),
        ("trailer", .trailer(Trailer(count: 1234))),
        ("file", .file(FileToken(seconds: 1, milliseconds: 2, name: "20240101000000.20240101000001\0"))),
        ("arg32", .arg32(Arg(number: 2, value: 0xdead_beef, text: "flags\0"))),
        ("arg64", .arg64(Arg(number: 1, value: 0xffff_ffff_ffff_fff0, text: "addr\0"))),
        ("data byte", .data(DataToken(howToPrint: 4, basicUnit: 0, unitCount: 5, bytes: "hello"))),
        ("data short", .data(DataToken(howToPrint: 3, basicUnit: 1, unitCount: 2, bytes: BSMBytes([0, 1, 0xff, 0xfe])))),
        ("data int32", .data(DataToken(howToPrint: 2, basicUnit: 2, unitCount: 1, bytes: BSMBytes([0x80, 0, 0, 1])))),
        ("data int64", .data(DataToken(howToPrint: 1, basicUnit: 3, unitCount: 1, bytes: BSMBytes([1, 2, 3, 4, 5, 6, 7, 8])))),
        ("attr", .attr(Attr(mode: 0o100644, uid: 501, gid: 20, fsid: 16777220, nodeid: 0x1234_5678_9abc, device: 0))),
        ("attr32", .attr32(Attr(mode: 0o40755, uid: 0, gid: 0, fsid: 1, nodeid: 2, device: 0xffff_ffff))),
        ("attr64", .attr64(Attr(mode: 0o20666, uid: 0, gid: 5, fsid: 3, nodeid: 4, device: 0x1_0000_0005))),
        ("exit", .exit(ExitToken(status: 1, ret: 0xffff_ffff))),
        ("exec_args", .execArgs(ExecStrings([Array("ls".utf8), Array("-l".utf8), [], Array("/tmp".utf8)]))),
        ("exec_env", .execEnv(ExecStrings([Array("PATH=/bin".utf8), Array("TERM=xterm".utf8)]))),
        ("exec_args empty", .execArgs(ExecStrings([]))),
        ("newgroups", .newgroups(GroupList([0, 20, 0xffff_fffe]))),
        ("in_addr", .inAddr(0x0a00_0001)),
        ("in_addr_ex v4", .inAddrEx(v4)),
        ("in_addr_ex v6", .inAddrEx(v6)),
        ("ip", .ip(IPHeaderToken(version: 0x45, tos: 0, length: 84, id: 0x1c46, offset: 0x4000, ttl: 64, prot: 6, checksum: 0xb1e6, source: 0xac10_0a63, destination: 0xac10_0a0c))),
        ("ipc", .ipc(IPCToken(type: 2, id: 0x30001))),
        ("ipc_perm", .ipcPerm(IPCPerm(uid: 1, gid: 2, puid: 3, pgid: 4, mode: 0o600, seq: 5, key: 0x1234))),
        ("iport", .iport(80)),
        ("opaque", .opaque(BSMBytes([0, 1, 2, 0xff]))),
        ("opaque empty", .opaque(.empty)),
        ("path", .path("/private/tmp/a file\0")),
        ("process32", .process32(subj)),
        ("process64", .process64(Subject(auid: 0xffff_ffff, euid: 1, egid: 2, ruid: 3, rgid: 4, pid: 5, sid: 6, port: 0x1_0000_0000, address: .v4(1)))),
        ("process32_ex v4", .process32Ex(subjEx(v4))),
        ("process32_ex v6", .process32Ex(subjEx(v6))),
        ("process64_ex v4", .process64Ex(subjEx(v4))),
        ("process64_ex v6", .process64Ex(subjEx(v6))),
        ("return32", .return32(ReturnToken(status: 2, value: 0xffff_ffff))),
        ("return64", .return64(ReturnToken(status: 0, value: 0xffff_ffff_ffff_ffff))),
        ("seq", .seq(42)),
        ("socket", .socket(SocketToken(type: 1, localPort: 22, localAddress: 0x7f00_0001, remotePort: 51000, remoteAddress: 0x0a00_0002))),
        ("socket_ex v4", .socketEx(SocketEx(domain: 2, type: 1, localPort: 443, localAddress: v4, remotePort: 1024, remoteAddress: .v4(0x0808_0808)))),
        ("socket_ex v6", .socketEx(SocketEx(domain: 28, type: 2, localPort: 53, localAddress: v6, remotePort: 5353, remoteAddress: .v6(1, 2)))),
        ("sockinet32", .sockInet32(SockInet(family: 2, port: 8080, address: v4))),
        ("sockinet128", .sockInet128(SockInet(family: 28, port: 8080, address: v6))),
        ("sockunix", .sockUnix(SockUnix(family: 1, path: "/var/run/sock\0"))),
        ("subject32", .subject32(subj)),
        ("subject64", .subject64(Subject(auid: 1, euid: 2, egid: 3, ruid: 4, rgid: 5, pid: 6, sid: 7, port: 0xffff_ffff_ffff, address: .v4(0)))),
        ("subject32_ex v4", .subject32Ex(subjEx(v4))),
        ("subject32_ex v6", .subject32Ex(subjEx(v6))),
        ("subject64_ex v4", .subject64Ex(subjEx(v4))),
        ("subject64_ex v6", .subject64Ex(subjEx(v6))),
        ("text", .text("some text, with a comma\n\0")),
        ("zonename", .zonename("global\0")),
        ("upriv", .upriv(UPriv(successOrFailure: 1, privilege: "PRIV_FILE_OWNER\0"))),
        ("privset", .priv(PrivSet(setType: "effective\0", privileges: "file_owner,proc_fork\0"))),
        ("arg_uuid", .argUUID(UUIDToken(number: 1, uuid: BSMUUID(high: 0x0011_2233_4455_6677, low: 0x8899_aabb_ccdd_eeff), text: "uuid\0"))),
        ("ret_uuid", .retUUID(UUIDToken(number: 0, uuid: BSMUUID(high: 1, low: 2), text: "\0"))),
        ("xatpath", .xatpath("/attr/x\0")),
        ("identity", .identity(Identity(signerType: 1, signingID: "com.apple.ls\0", signingIDTruncated: 0, teamID: "\0", teamIDTruncated: 1, cdHash: BSMBytes(Array(0..<20))))),
    ]

    /// Tokens that may appear inside a record body (no headers, trailers).
    static var bodyTokens: [Token] {
        allTokens.map(\.1).filter { !$0.id.isHeader && $0.id != .trailer }
    }

    /// A macOS-like file record.
    static func fileRecord(_ i: Int, kind: HeaderKind = .header32) -> [UInt8] {
        RecordBuilder(kind: kind, event: 72, seconds: 1_700_000_000 + UInt64(i), milliseconds: UInt64(i % 1000), tokens: [
            .arg32(Arg(number: 2, value: 0x601, text: "flags\0")),
            .path(BSMBytes("/Users/test/file\(i).txt\0")),
            .attr32(Attr(mode: 0o100644, uid: 501, gid: 20, fsid: 16777220, nodeid: UInt64(i), device: 0)),
            .subject32(subj),
            .return32(ReturnToken(status: 0, value: 3)),
        ]).bytes
    }
}
