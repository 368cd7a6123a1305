// The printer's token dispatch: one praudit print_* form per token type.

extension PrauditPrinter {
    // MARK: tokens

    /// Prints one token exactly as praudit's au_print_flags_tok (with our documented fixes).
    public func printToken(_ token: Token) {
        switch token {
        case .header32(let h): header(0x14, h, ex: false)
        case .header64(let h): header(0x74, h, ex: false)
        case .header32Ex(let h): header(0x15, h, ex: true)
        case .header64Ex(let h): header(0x79, h, ex: true)
        case .trailer(let t):
            tokType(0x13, "trailer", "</record>")
            if !xml { delim(); out.appendDecimal(UInt64(t.count)) }
        case .file(let f):
            tokType(0x11, "file", "<file ")
            if xml {
                openAttr("time"); seconds(UInt64(f.seconds)); closeAttr()
                openAttr("msec"); msec(UInt64(f.milliseconds)); closeAttr()
                out.append(UInt8(ascii: ">"))
                string(f.name, element: true)
                out.append("</file>")
            } else {
                delim(); seconds(UInt64(f.seconds))
                delim(); msec(UInt64(f.milliseconds))
                delim(); string(f.name)
            }
        case .arg32(let a): arg(0x2d, a, wide: false)
        case .arg64(let a): arg(0x71, a, wide: true)
        case .argUUID(let u): uuid(0x84, u, "arg_uuid", "<arg_uuid ", "arg_uuid-num")
        case .retUUID(let u): uuid(0x85, u, "ret_uuid", "<ret_uuid ", "ret_uuid-num")
        case .data(let d): data(d)
        case .attr32(let a): attr(0x3e, a, wideDevice: false)
        case .attr64(let a): attr(0x73, a, wideDevice: true)
        case .attr(let a): attr(0x31, a, wideDevice: false)
        case .exit(let e):
            tokType(0x52, "exit", "<exit ")
            if xml {
                openAttr("errval"); out.append("Error "); out.appendDecimal(UInt64(e.status)); closeAttr()
                openAttr("retval"); out.appendDecimal(UInt64(e.ret)); closeAttr()
                out.append("/>")
            } else {
                delim(); out.append("Error "); out.appendDecimal(UInt64(e.status))
                delim(); out.appendDecimal(UInt64(e.ret))
            }
        case .execArgs(let s): exec(0x3c, s, "exec arg", "<exec_args>", "</exec_args>", "<arg>", "</arg>")
        case .execEnv(let s): exec(0x3d, s, "exec env", "<exec_env>", "</exec_env>", "<env>", "</env>")
        case .newgroups(let g):
            tokType(0x3b, "group", "<group>")
            for i in 0..<g.count {
                if xml {
                    out.append("<gid>"); group(g[i]); out.append("</gid>")
                } else {
                    delim(); group(g[i])
                }
            }
            if xml { out.append("</group>") }
        case .inAddr(let a):
            tokType(0x2a, "ip addr", "<ip_address>")
            if xml { ipv4(a); out.append("</ip_address>") } else { delim(); ipv4(a) }
        case .inAddrEx(let a):
            tokType(0x7e, "ip addr ex", "<ip_address>")
            if xml { address(a); out.append("</ip_address>") } else { delim(); address(a) }
        case .ip(let ip): ipToken(ip)
        case .ipc(let i):
            tokType(0x22, "IPC", "<IPC ")
            if xml {
                openAttr("ipc-type"); ipcType(i.type); closeAttr()
                openAttr("ipc-id"); out.appendDecimal(UInt64(i.id)); closeAttr()
                out.append("/>")
            } else {
                delim(); ipcType(i.type)
                delim(); out.appendDecimal(UInt64(i.id))
            }
        case .ipcPerm(let p):
            tokType(0x32, "IPC perm", "<IPC_perm ")
            if xml {
                openAttr("uid"); user(p.uid); closeAttr()
                openAttr("gid"); group(p.gid); closeAttr()
                openAttr("creator-uid"); user(p.puid); closeAttr()
                openAttr("creator-gid"); group(p.pgid); closeAttr()
                openAttr("mode"); out.appendOctal(UInt64(p.mode)); closeAttr()
                openAttr("seq"); out.appendDecimal(UInt64(p.seq)); closeAttr()
                openAttr("key"); out.appendDecimal(UInt64(p.key)); closeAttr()
                out.append("/>")
            } else {
                delim(); user(p.uid)
                delim(); group(p.gid)
                delim(); user(p.puid)
                delim(); group(p.pgid)
                delim(); out.appendOctal(UInt64(p.mode))
                delim(); out.appendDecimal(UInt64(p.seq))
                delim(); out.appendDecimal(UInt64(p.key))
            }
        case .iport(let p):
            tokType(0x2c, "ip port", "<ip_port>")
            if xml { out.appendAltHex(UInt64(p)); out.append("</ip_port>") } else { delim(); out.appendAltHex(UInt64(p)) }
        case .opaque(let b):
            tokType(0x29, "opaque", "<opaque>")
            if xml { memory(b); out.append("</opaque>") } else {
                delim(); out.appendDecimal(UInt64(b.count))
                delim(); memory(b)
            }
        case .path(let p):
            tokType(0x23, "path", "<path>")
            if xml { string(p, element: true); out.append("</path>") } else { delim(); string(p) }
        case .process32(let s): subject(0x26, s, "process", "<process ", wide: false, ex: false)
        case .process64(let s): subject(0x77, s, "process", "<process ", wide: true, ex: false)
        case .process32Ex(let s): subject(0x7b, s, "process_ex", "<process ", wide: false, ex: true)
        case .process64Ex(let s): subject(0x7d, s, "process_ex", "<process ", wide: true, ex: true)
        case .subject32(let s): subject(0x24, s, "subject", "<subject ", wide: false, ex: false)
        case .subject64(let s): subject(0x75, s, "subject", "<subject ", wide: true, ex: false)
        case .subject32Ex(let s): subject(0x7a, s, "subject_ex", "<subject ", wide: false, ex: true)
        case .subject64Ex(let s): subject(0x7c, s, "subject_ex", "<subject ", wide: true, ex: true)
        case .return32(let r): ret(0x27, r, wide: false)
        case .return64(let r): ret(0x72, r, wide: true)
        case .seq(let n):
            tokType(0x2f, "sequence", "<sequence ")
            if xml { openAttr("seq-num"); out.appendDecimal(UInt64(n)); closeAttr(); out.append("/>") }
            else { delim(); out.appendDecimal(UInt64(n)) }
        case .socket(let s):
            tokType(0x2e, "socket", "<socket ")
            if xml {
                openAttr("sock_type"); out.appendDecimal(UInt64(s.type)); closeAttr()
                openAttr("lport"); out.appendDecimal(UInt64(s.localPort)); closeAttr()
                openAttr("laddr"); ipv4(s.localAddress); closeAttr()
                openAttr("fport"); out.appendDecimal(UInt64(s.remotePort)); closeAttr()
                openAttr("faddr"); ipv4(s.remoteAddress); closeAttr()
                out.append("/>")
            } else {
                delim(); out.appendDecimal(UInt64(s.type))
                delim(); out.appendDecimal(UInt64(s.localPort))
                delim(); ipv4(s.localAddress)
                delim(); out.appendDecimal(UInt64(s.remotePort))
                delim(); ipv4(s.remoteAddress)
            }
        case .socketEx(let s):
            tokType(0x7f, "socket", "<socket ")
            if xml {
                openAttr("sock_dom"); out.appendAltHex(UInt64(s.domain)); closeAttr()
                openAttr("sock_type"); out.appendAltHex(UInt64(s.type)); closeAttr()
                openAttr("lport"); out.appendAltHex(UInt64(s.localPort)); closeAttr()
                openAttr("laddr"); address(s.localAddress); closeAttr()
                openAttr("faddr"); address(s.remoteAddress); closeAttr()
                openAttr("fport"); out.appendAltHex(UInt64(s.remotePort)); closeAttr()
                out.append("/>")
            } else {
                delim(); out.appendAltHex(UInt64(s.domain))
                delim(); out.appendAltHex(UInt64(s.type))
                delim(); out.appendAltHex(UInt64(s.localPort))
                delim(); address(s.localAddress)
                delim(); out.appendAltHex(UInt64(s.remotePort))
                delim(); address(s.remoteAddress)
            }
        case .sockInet32(let s): sockInet(0x80, s, "socket-inet", "<socket-inet ")
        case .sockInet128(let s): sockInet(0x81, s, "socket-inet6", "<socket-inet6 ")
        case .sockUnix(let s):
            tokType(0x82, "socket-unix", "<socket-unix ")
            // praudit prints the path up to its first NUL.
            var p = s.path
            if let z = p.firstIndex(of: 0) { p = BSMBytes(storage: p.storage, range: p.lowerBound..<(p.lowerBound + z)) }
            if xml {
                openAttr("type"); out.appendDecimal(UInt64(s.family)); closeAttr()
                openAttr("port"); closeAttr()
                openAttr("addr"); string(p); closeAttr()
                out.append("/>")
            } else {
                delim(); out.appendDecimal(UInt64(s.family))
                delim(); string(p)
            }
        case .text(let t):
            tokType(0x28, "text", "<text>")
            if xml { string(t, element: true); out.append("</text>") } else { delim(); string(t) }
        case .zonename(let z):
            tokType(0x60, "zone", "<zone ")
            if xml { openAttr("name"); string(z); closeAttr(); out.append("/>") } else { delim(); string(z) }
        case .upriv(let u):
            tokType(0x39, "use of privilege", "<use_of_privilege ")
            if xml {
                openAttr("status")
                out.append(u.successOrFailure != 0 ? "successful use of priv" : "failed use of priv")
                closeAttr()
                openAttr("name"); string(u.privilege); closeAttr()
                out.append("/>")
            } else {
                delim(); out.append(u.successOrFailure != 0 ? "successful use of priv" : "failed use of priv")
                delim(); string(u.privilege)
            }
        case .priv(let p):
            tokType(0x38, "privilege", "<privilege ")
            if xml {
                openAttr("type"); string(p.setType); closeAttr()
                openAttr("priv"); string(p.privileges); closeAttr()
                out.append("/>")
            } else {
                delim(); string(p.setType)
                delim(); string(p.privileges)
            }
        case .identity(let i):
            tokType(0xed, "identity", "<identity ")
            let signing: StaticString = i.signingIDTruncated != 0 ? "truncated" : "complete"
            let team: StaticString = i.teamIDTruncated != 0 ? "truncated" : "complete"
            if xml {
                openAttr("signer-type"); out.appendDecimal(UInt64(i.signerType)); closeAttr()
                openAttr("signing-id"); string(i.signingID); closeAttr()
                openAttr("signing-id-truncated"); out.append(signing); closeAttr()
                openAttr("team-id"); string(i.teamID); closeAttr()
                openAttr("team-id-truncated"); out.append(team); closeAttr()
                openAttr("cdhash"); memory(i.cdHash); closeAttr()
                out.append("/>")
            } else {
                delim(); out.appendDecimal(UInt64(i.signerType))
                delim(); string(i.signingID)
                delim(); out.append(signing)
                delim(); string(i.teamID)
                delim(); out.append(team)
                delim(); memory(i.cdHash)
            }
        case .xatpath(let p):
            // OpenBSM's praudit has no printer for AUT_XATPATH (0x25).
            unknownToken(0x25, prefix: nil, p)
        case .unknown(let id, let bytes):
            unknownToken(id, prefix: nil, bytes)
        }
    }

    /// print_invalid_tok: `unknown,0x<hex>` (raw: the decimal id); nothing in XML.
    public func unknownToken(_ id: UInt8, prefix: BSMBytes?, _ bytes: BSMBytes) {
        if xml { return }
        if raw { out.appendDecimal(UInt64(id)) } else { out.append("unknown") }
        delim()
        memory(bytes)
    }

    /// XML for a header token found inside a record (praudit would open a nested `<record>`):
    /// the same attributes on a self-closed `<header/>`.
    func printInnerHeaderXML(_ token: Token) {
        guard let h = token.header else { return }
        out.append("<header ")
        openAttr("version"); out.appendDecimal(UInt64(h.version)); closeAttr()
        openAttr("event"); event(h.eventType); closeAttr()
        openAttr("modifier"); out.appendDecimal(UInt64(h.eventModifier)); closeAttr()
        if let a = h.address { openAttr("host"); address(a); closeAttr() }
        openAttr("time"); seconds(h.seconds); closeAttr()
        openAttr("msec"); msec(h.milliseconds); closeAttr()
        out.append("/>")
    }
}
