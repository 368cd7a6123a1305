// The printer's token forms shared by several token types (headers, subjects, returns, …) and the
// rarer ones, as praudit (libbsm/bsm_io.c) prints them.

extension PrauditPrinter {
    func header(_ id: UInt8, _ h: Header, ex: Bool) {
        if xml {
            out.append("<record ")
            openAttr("version"); out.appendDecimal(UInt64(h.version)); closeAttr()
            openAttr("event"); event(h.eventType); closeAttr()
            openAttr("modifier"); out.appendDecimal(UInt64(h.eventModifier)); closeAttr()
            if ex, let a = h.address { openAttr("host"); address(a); closeAttr() }
            openAttr("time"); seconds(h.seconds); closeAttr()
            openAttr("msec"); msec(h.milliseconds); closeAttr()
            out.append(UInt8(ascii: ">"))
            return
        }
        if raw { out.appendDecimal(UInt64(id)) } else { out.append(ex ? "header_ex" : "header") }
        delim(); out.appendDecimal(UInt64(h.size))
        delim(); out.appendDecimal(UInt64(h.version))
        delim(); event(h.eventType)
        delim(); out.appendDecimal(UInt64(h.eventModifier))
        if ex { delim(); address(h.address ?? .other(type: 0)) }
        delim(); seconds(h.seconds)
        delim(); msec(h.milliseconds)
    }

    func arg(_ id: UInt8, _ a: Arg, wide: Bool) {
        tokType(id, "argument", "<argument ")
        if xml {
            openAttr("arg-num"); out.appendDecimal(UInt64(a.number)); closeAttr()
            openAttr("value"); out.appendHex0x(a.value); closeAttr()
            openAttr("desc"); string(a.text); closeAttr()
            out.append("/>")
        } else {
            delim(); out.appendDecimal(UInt64(a.number))
            delim(); out.appendHex0x(a.value)
            delim(); string(a.text)
        }
    }

    func uuidText(_ u: BSMUUID) {
        var i = 0
        for b in u.bytes {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.appendHexByte(b)
            i += 1
        }
    }

    func uuid(_ id: UInt8, _ u: UUIDToken, _ name: StaticString, _ open: StaticString, _ numAttr: StaticString) {
        tokType(id, name, open)
        if xml {
            openAttr(numAttr); out.appendDecimal(UInt64(u.number)); closeAttr()
            openAttr("uuid"); uuidText(u.uuid); closeAttr()
            openAttr("desc"); string(u.text); closeAttr()
            out.append("/>")
        } else {
            delim(); out.appendDecimal(UInt64(u.number))
            delim(); uuidText(u.uuid)
            delim(); string(u.text)
        }
    }

    func attr(_ id: UInt8, _ a: Attr, wideDevice: Bool) {
        tokType(id, "attribute", "<attribute ")
        let nodeid = Int64(bitPattern: a.nodeid)
        let device = wideDevice ? a.device : UInt64(UInt32(truncatingIfNeeded: a.device))
        if xml {
            openAttr("mode"); out.appendOctal(UInt64(a.mode)); closeAttr()
            openAttr("uid"); user(a.uid); closeAttr()
            openAttr("gid"); group(a.gid); closeAttr()
            openAttr("fsid"); out.appendDecimal(UInt64(a.fsid)); closeAttr()
            openAttr("nodeid"); out.appendDecimal(signed: nodeid); closeAttr()
            openAttr("device"); out.appendDecimal(device); closeAttr()
            out.append("/>")
        } else {
            delim(); out.appendOctal(UInt64(a.mode))
            delim(); user(a.uid)
            delim(); group(a.gid)
            delim(); out.appendDecimal(UInt64(a.fsid))
            delim(); out.appendDecimal(signed: nodeid)
            delim(); out.appendDecimal(device)
        }
    }

    func exec(_ id: UInt8, _ s: ExecStrings, _ name: StaticString, _ open: StaticString,
                      _ close: StaticString, _ itemOpen: StaticString, _ itemClose: StaticString) {
        tokType(id, name, open)
        // All strings (praudit stops after 128).
        var n: UInt32 = 0
        for str in s {
            if n == s.count { break }
            n += 1
            if xml {
                out.append(itemOpen)
                str.withUnsafeBytes { out.appendXMLVis($0) }
                out.append(itemClose)
            } else {
                delim()
                str.withUnsafeBytes { terminal ? out.appendTerminalString($0) : out.appendPlain($0) }
            }
        }
        if xml { out.append(close) }
    }

    func ipToken(_ ip: IPHeaderToken) {
        tokType(0x2b, "ip", "<ip ")
        @inline(__always) func byte(_ b: UInt8) { out.append("0x"); out.appendHexByte(b) }
        if xml {
            openAttr("version"); byte(ip.version); closeAttr()
            openAttr("service_type"); byte(ip.tos); closeAttr()
            openAttr("len"); out.appendDecimal(UInt64(ip.length)); closeAttr()
            openAttr("id"); out.appendDecimal(UInt64(ip.id)); closeAttr()
            openAttr("offset"); out.appendDecimal(UInt64(ip.offset)); closeAttr()
            openAttr("time_to_live"); byte(ip.ttl); closeAttr()
            openAttr("protocol"); byte(ip.prot); closeAttr()
            openAttr("cksum"); out.appendDecimal(UInt64(ip.checksum)); closeAttr()
            openAttr("src_addr"); ipv4(ip.source); closeAttr()
            openAttr("dest_addr"); ipv4(ip.destination); closeAttr()
            out.append("/>")
        } else {
            delim(); byte(ip.version)
            delim(); byte(ip.tos)
            delim(); out.appendDecimal(UInt64(ip.length))
            delim(); out.appendDecimal(UInt64(ip.id))
            delim(); out.appendDecimal(UInt64(ip.offset))
            delim(); byte(ip.ttl)
            delim(); byte(ip.prot)
            delim(); out.appendDecimal(UInt64(ip.checksum))
            delim(); ipv4(ip.source)
            delim(); ipv4(ip.destination)
        }
    }

    func ipcType(_ t: UInt8) {
        if raw { out.appendDecimal(UInt64(t)); return }
        switch t {
        case 1: out.append("Message IPC")
        case 2: out.append("Semaphore IPC")
        case 3: out.append("Shared Memory IPC")
        default: out.appendDecimal(UInt64(t))
        }
    }

    func subject(_ id: UInt8, _ s: Subject, _ name: StaticString, _ open: StaticString, wide: Bool, ex: Bool) {
        tokType(id, name, open)
        let port = wide ? s.port : UInt64(UInt32(truncatingIfNeeded: s.port))
        if xml {
            openAttr("audit-uid"); user(s.auid); closeAttr()
            openAttr("uid"); user(s.euid); closeAttr()
            openAttr("gid"); group(s.egid); closeAttr()
            openAttr("ruid"); user(s.ruid); closeAttr()
            openAttr("rgid"); group(s.rgid); closeAttr()
            openAttr("pid"); out.appendDecimal(UInt64(s.pid)); closeAttr()
            openAttr("sid"); out.appendDecimal(UInt64(s.sid)); closeAttr()
            // praudit runs port and address together here except for subject32; we always
            // separate them with a space.
            openAttr("tid"); out.appendDecimal(port); out.append(UInt8(ascii: " ")); address(s.address); closeAttr()
            out.append("/>")
        } else {
            delim(); user(s.auid)
            delim(); user(s.euid)
            delim(); group(s.egid)
            delim(); user(s.ruid)
            delim(); group(s.rgid)
            delim(); out.appendDecimal(UInt64(s.pid))
            delim(); out.appendDecimal(UInt64(s.sid))
            delim(); out.appendDecimal(port)
            delim(); address(s.address)
        }
    }

    func ret(_ id: UInt8, _ r: ReturnToken, wide: Bool) {
        tokType(id, "return", "<return ")
        if xml {
            openAttr("errval"); out.append(statusText[Int(r.status)]); closeAttr()
            openAttr("retval")
            if wide { out.appendDecimal(signed: Int64(bitPattern: r.value)) } else { out.appendDecimal(UInt64(UInt32(truncatingIfNeeded: r.value))) }
            closeAttr()
            out.append("/>")
        } else {
            delim(); out.append(statusText[Int(r.status)])
            delim()
            if wide { out.appendDecimal(signed: Int64(bitPattern: r.value)) } else { out.appendDecimal(UInt64(UInt32(truncatingIfNeeded: r.value))) }
        }
    }

    func sockInet(_ id: UInt8, _ s: SockInet, _ name: StaticString, _ open: StaticString) {
        tokType(id, name, open)
        if xml {
            openAttr("type"); out.appendDecimal(UInt64(s.family)); closeAttr()
            openAttr("port"); out.appendDecimal(UInt64(s.port)); closeAttr()
            openAttr("addr"); address(s.address); closeAttr()
            out.append("/>")
        } else {
            delim(); out.appendDecimal(UInt64(s.family))
            delim(); out.appendDecimal(UInt64(s.port))
            delim(); address(s.address)
        }
    }

    /// The data token ("arbitrary"). Units are read big-endian and printed whole (praudit reads
    /// them in host order and prints 4 bytes of a 64-bit unit).
    func data(_ d: DataToken) {
        tokType(0x21, "arbitrary", "<arbitrary ")
        if !xml { delim() }
        let how: StaticString
        switch d.howToPrint {
        case 0: how = "binary"
        case 1: how = "octal"
        case 2: how = "decimal"
        case 3: how = "hex"
        case 4: how = "string"
        default:
            if xml { out.append("print=\"") ; out.appendDecimal(UInt64(d.howToPrint)); out.append("\" />") }
            return
        }
        if xml { openAttr("print"); out.append(how); closeAttr() } else { out.append(how); delim() }
        let unitName: StaticString
        let size: Int
        switch d.basicUnit {
        case 0: unitName = "byte"; size = 1
        case 1: unitName = "short"; size = 2
        case 2: unitName = "int"; size = 4
        case 3: unitName = "int64"; size = 8
        default:
            if xml { out.append("/>") }
            return
        }
        if xml {
            openAttr("type"); out.appendDecimal(UInt64(size)); closeAttr()
            openAttr("count"); out.appendDecimal(UInt64(d.unitCount)); closeAttr()
            out.append(UInt8(ascii: ">"))
        } else {
            out.append(unitName); delim()
            out.appendDecimal(UInt64(d.unitCount)); delim()
        }
        let bytes = d.bytes
        let n = min(Int(d.unitCount), bytes.count / size)
        for i in 0..<n {
            var v: UInt64 = 0
            for k in 0..<size { v = v << 8 | UInt64(bytes[i * size + k]) }
            switch d.howToPrint {
            case 0, 4:
                if d.howToPrint == 0 { out.append(UInt8(ascii: " ")) }
                let c = UInt8(truncatingIfNeeded: v)
                if xml { charXML(c) } else if terminal { out.appendTerminalEscaped(byte: c) } else { out.append(c) }
            case 1: out.append(UInt8(ascii: " ")); out.appendOctal(v)
            case 2:
                out.append(UInt8(ascii: " "))
                switch size {
                case 4: out.appendDecimal(signed: Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: v))))
                case 8: out.appendDecimal(signed: Int64(bitPattern: v))
                default: out.appendDecimal(v)
                }
            default: out.append(UInt8(ascii: " ")); out.appendHex(v)
            }
        }
        if xml { out.append("</arbitrary>") }
    }

    func charXML(_ c: UInt8) {
        switch c {
        case UInt8(ascii: "&"): out.append("&amp;")
        case UInt8(ascii: "<"): out.append("&lt;")
        // `]]>` may not appear in content: the bytes before are this token's own (after `" >`).
        case UInt8(ascii: ">") where out.count >= 2 && out.base[out.count - 1] == 0x5d && out.base[out.count - 2] == 0x5d:
            out.append("&gt;")
        case 0x20..<0x7f, 0x09, 0x0a, 0x0d: out.append(c)
        default: out.appendVis(c, xml: true)
        }
    }
}
