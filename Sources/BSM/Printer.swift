// A praudit-compatible printer. Output is byte-identical to OpenBSM's praudit (libbsm/bsm_io.c,
// bin/praudit/praudit.c) in every mode, except for the deliberate fixes listed in the README
// ("Differences from praudit"). Everything is appended to an `OutputBuffer`; nothing allocates
// per token once the caches are warm.

/// Prints tokens and records the way praudit does.
public final class PrauditPrinter {
    public let options: PrintOptions
    /// Where the text goes. The caller drains it (`out.bytes`, then `out.removeAll()`).
    public let out: OutputBuffer

    private let names: IdentityNames
    @exclusivity(unchecked) private var time: LocalTimeProvider
    private let delimiter: [UInt8]
    private let delimiterIsOneByte: Bool
    private let delimiterByte: UInt8
    // The record being printed: its storage's base address, so string fields (slices of that
    // storage) are read without going through Array.withUnsafeBytes.
    @exclusivity(unchecked) private var recordBase: UnsafeRawPointer? = nil
    // ctime text of the last second printed (records come many per second).
    @exclusivity(unchecked) private var lastSecond: UInt64 = .max
    @exclusivity(unchecked) private var lastSecondText = [UInt8](repeating: 0, count: 64)
    @exclusivity(unchecked) private var lastSecondLength = 0
    private let xml: Bool
    private let raw: Bool
    private let resolve: Bool
    private let terminal: Bool
    /// Print the common tokens straight from their bytes (see `printFast`). Off only to let the
    /// fuzzer compare both paths.
    public var fastPath = true

    // Event number → text (offset << 32 | length into eventBytes); `.max` = not in the catalog.
    @exclusivity(unchecked) private var eventSpan: [UInt64]
    @exclusivity(unchecked) private var eventBytes: [UInt8] = []
    private let eventText: UnsafeMutablePointer<UInt8>
    // BSM errno → the complete text praudit prints for it (`success`, `failure : …`).
    @exclusivity(unchecked) private var statusText: [[UInt8]]
    // Direct-mapped uid/gid → printed text caches: slot i (users 0..<256, groups 256..<512)
    // holds the id, and up to `idSlotSize` bytes of text at idText + i * idSlotSize.
    private static let idSlotSize = 48
    private let idKeys = UnsafeMutablePointer<UInt64>.allocate(capacity: 512)
    private let idLengths = UnsafeMutablePointer<Int>.allocate(capacity: 512)
    private let idText = UnsafeMutablePointer<UInt8>.allocate(capacity: 512 * 48)

    public init(options: PrintOptions, events: [PrinterEvent], names: IdentityNames,
                time: LocalTimeProvider, errors: HostErrorText, output: OutputBuffer = OutputBuffer()) {
        self.options = options
        self.out = output
        self.names = names
        self.time = time
        self.delimiter = options.delimiter
        self.delimiterIsOneByte = options.delimiter.count == 1
        self.delimiterByte = options.delimiter.first ?? 0
        self.xml = options.xml
        self.raw = options.raw
        self.resolve = !(options.raw || options.numeric)
        self.terminal = options.isTerminal

        idKeys.initialize(repeating: .max, count: 512)
        idLengths.initialize(repeating: 0, count: 512)
        idText.initialize(repeating: 0, count: 512 * Self.idSlotSize)
        eventSpan = [UInt64](repeating: .max, count: 65_536)
        if !options.raw {
            let scratch = OutputBuffer(capacity: 256)
            for e in events where eventSpan[Int(e.number)] == .max {
                let text = options.short ? e.name : e.description
                scratch.removeAll()
                text.withUnsafeBytes {
                    if options.xml { scratch.appendXMLSafe($0) }
                    else if options.isTerminal { scratch.appendTerminalEscaped($0) }
                    else { scratch.append($0) }
                }
                eventSpan[Int(e.number)] = UInt64(eventBytes.count) << 32 | UInt64(scratch.count)
                eventBytes.append(contentsOf: scratch.bytes)
            }
        }

        eventText = UnsafeMutablePointer<UInt8>.allocate(capacity: max(eventBytes.count, 1))
        eventText.initialize(from: eventBytes, count: eventBytes.count)
        statusText = []
        statusText.reserveCapacity(256)
        for s in 0...255 {
            let status = UInt8(s)
            if options.raw { statusText.append(Array(String(s).utf8)); continue }
            if let e = BSMErrno.entry(status), e.symbol == nil {
                statusText.append(Array("success".utf8))
            } else if let e = BSMErrno.entry(status), let sym = e.symbol,
                      let text = errors.errorText(symbol: sym.description) {
                var t = Array("failure : ".utf8)
                let b = OutputBuffer(capacity: 64)
                text.withUnsafeBytes { options.xml ? b.appendXMLSafe($0) : b.append($0) }
                t += b.array
                statusText.append(t)
            } else {
                statusText.append(Array("failure: Unknown error: \(s)".utf8))
            }
        }
    }

    deinit {
        idKeys.deallocate()
        idLengths.deallocate()
        idText.deallocate()
        eventText.deallocate()
    }

    // MARK: stream and record framing (praudit.c's loop)

    /// `<?xml …?>` and `<audit>` in XML mode; nothing otherwise.
    public func beginStream() {
        if xml { out.append("<?xml version='1.0' ?>\n<audit>\n") }
    }

    /// `</audit>` in XML mode; nothing otherwise.
    public func endStream() {
        if xml { out.append("</audit>\n") }
    }

    /// What praudit writes after each token: the delimiter (`-l`, not XML) or a newline.
    @inline(__always)
    public func endToken() {
        if options.oneLine {
            if !xml { out.append(delimiter) }
        } else {
            out.append(UInt8(ascii: "\n"))
        }
    }

    /// What praudit writes after each record: a newline with `-l`.
    @inline(__always)
    public func endRecord() {
        if options.oneLine { out.append(UInt8(ascii: "\n")) }
    }

    /// Prints a whole record's tokens with praudit's separators.
    public func printRecord<S: Sequence>(_ tokens: S) where S.Element == Token {
        for t in tokens {
            printToken(t)
            endToken()
        }
        endRecord()
    }

    /// Closes an XML `<record>` that lost its trailer to damage, so the document stays well-formed.
    public func closeDamagedRecord() {
        if xml { out.append("</record>") ; endToken() }
    }

    // MARK: pieces

    @inline(__always) func delim() {
        if delimiterIsOneByte { out.append(delimiterByte) } else { out.append(delimiter) }
    }

    @inline(__always) private func openAttr(_ name: StaticString) {
        out.append(name)
        out.append("=\"")
    }
    @inline(__always) private func closeAttr() { out.append("\" ") }

    /// print_tok_type: XML element opening, raw id, or the token's name.
    @inline(__always)
    func tokType(_ id: UInt8, _ name: StaticString, _ xmlOpen: StaticString) {
        if xml { out.append(xmlOpen) }
        else if raw { out.appendDecimal(UInt64(id)) }
        else { out.append(name) }
    }

    /// A string field: praudit's print_string (NULs dropped), made safe in XML / on a terminal.
    @inline(__always)
    private func string(_ b: BSMBytes, element: Bool = false) {
        if let rb = recordBase {
            stringBytes(UnsafeRawBufferPointer(start: rb + b.lowerBound, count: b.count), element: element)
        } else {
            b.withUnsafeBytes { stringBytes($0, element: element) }
        }
    }

    @inline(__always)
    func stringBytes(_ p: UnsafeRawBufferPointer, element: Bool) {
        if xml { out.appendXMLSafe(p, attribute: !element) }
        else if terminal { out.appendTerminalString(p) }
        else { out.appendPlain(p) }
    }

    /// Sets (or clears) the base address of the storage the tokens being printed were decoded
    /// from; only `printRecord(_: Record)` uses it, for the duration of one record.
    func withRecordBase<R>(_ p: UnsafeRawBufferPointer, _ body: () -> R) -> R {
        recordBase = p.baseAddress
        defer { recordBase = nil }
        return body()
    }

    @inline(__always)
    private func user(_ uid: UInt32) {
        if !resolve { out.appendDecimal(signed: Int64(Int32(bitPattern: uid))); return }
        cachedID(Int(uid & 255), uid, group: false)
    }

    @inline(__always)
    private func group(_ gid: UInt32) {
        if !resolve { out.appendDecimal(signed: Int64(Int32(bitPattern: gid))); return }
        cachedID(256 + Int(gid & 255), gid, group: true)
    }

    @inline(__always)
    private func cachedID(_ slot: Int, _ id: UInt32, group: Bool) {
        if idKeys[slot] != UInt64(id) {
            let text = idText(id, group ? names.groupName(id) : names.userName(id))
            if text.count > Self.idSlotSize {
                out.append(text)  // too long to cache; rare
                return
            }
            idKeys[slot] = UInt64(id)
            idLengths[slot] = text.count
            for (i, b) in text.enumerated() { idText[slot * Self.idSlotSize + i] = b }
        }
        out.append(UnsafeRawBufferPointer(start: idText + slot * Self.idSlotSize, count: idLengths[slot]))
    }

    private func idText(_ id: UInt32, _ name: [UInt8]?) -> [UInt8] {
        let b = OutputBuffer(capacity: 64)
        if let name {
            name.withUnsafeBytes {
                if xml { b.appendXMLSafe($0) } else if terminal { b.appendTerminalEscaped($0) } else { b.append($0) }
            }
        } else {
            b.appendDecimal(signed: Int64(Int32(bitPattern: id)))
        }
        return b.array
    }

    @inline(__always)
    private func event(_ e: UInt16) {
        let span = eventSpan[Int(e)]
        if span == .max { out.appendDecimal(UInt64(e)); return }
        out.append(UnsafeRawBufferPointer(start: eventText + Int(span >> 32), count: Int(span & 0xffff_ffff)))
    }

    /// print_sec32/print_sec64: raw seconds (32 bits) or ctime in the local time zone.
    @inline(__always)
    private func seconds(_ s: UInt64) {
        if raw { out.appendDecimal(UInt64(UInt32(truncatingIfNeeded: s))); return }
        if s == lastSecond {
            lastSecondText.withUnsafeBytes { out.append(UnsafeRawBufferPointer(rebasing: $0[0..<lastSecondLength])) }
            return
        }
        let t = Int64(bitPattern: s)
        let start = out.count
        if let off = time.utcOffset(at: t) {
            out.appendCTime(CivilTime(epochSeconds: t, utcOffset: off))
        } else {
            out.appendDecimal(s)
        }
        let n = out.count - start
        if n <= 64 {
            lastSecond = s
            lastSecondLength = n
            let src = out.bytes
            lastSecondText.withUnsafeMutableBytes { d in
                for i in 0..<n { d[i] = src[start + i] }
            }
        }
    }

    /// print_msec32/64: raw or ` + N msec` (low 32 bits).
    @inline(__always)
    private func msec(_ ms: UInt64) {
        if !raw { out.append(" + ") }
        out.appendDecimal(UInt64(UInt32(truncatingIfNeeded: ms)))
        if !raw { out.append(" msec") }
    }

    /// inet_ntoa.
    @inline(__always)
    private func ipv4(_ a: UInt32) {
        out.appendDecimal(UInt64(a >> 24)); out.append(UInt8(ascii: "."))
        out.appendDecimal(UInt64((a >> 16) & 0xff)); out.append(UInt8(ascii: "."))
        out.appendDecimal(UInt64((a >> 8) & 0xff)); out.append(UInt8(ascii: "."))
        out.appendDecimal(UInt64(a & 0xff))
    }

    /// inet_ntop(AF_INET6) as glibc formats it.
    private func ipv6(_ h: UInt64, _ l: UInt64) {
        var w = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 {
            w[i] = UInt16(truncatingIfNeeded: h >> (48 - 16 * UInt64(i)))
            w[4 + i] = UInt16(truncatingIfNeeded: l >> (48 - 16 * UInt64(i)))
        }
        // Longest run of zero words (first on ties), only if at least two long.
        var bestBase = -1, bestLen = 0, curBase = -1, curLen = 0
        for i in 0..<8 {
            if w[i] == 0 {
                if curBase == -1 { curBase = i; curLen = 1 } else { curLen += 1 }
            } else if curBase != -1 {
                if bestBase == -1 || curLen > bestLen { bestBase = curBase; bestLen = curLen }
                curBase = -1
            }
        }
        if curBase != -1 && (bestBase == -1 || curLen > bestLen) { bestBase = curBase; bestLen = curLen }
        if bestBase != -1 && bestLen < 2 { bestBase = -1 }
        var i = 0
        while i < 8 {
            if bestBase != -1 && i >= bestBase && i < bestBase + bestLen {
                if i == bestBase { out.append(UInt8(ascii: ":")) }
                i += 1
                continue
            }
            if i != 0 { out.append(UInt8(ascii: ":")) }
            if i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff)) {
                ipv4(UInt32(truncatingIfNeeded: l))
                return
            }
            out.appendHex(UInt64(w[i]))
            i += 1
        }
        if bestBase != -1 && bestBase + bestLen == 8 { out.append(UInt8(ascii: ":")) }
    }

    /// print_ip_ex_address.
    private func address(_ a: IPAddress) {
        switch a {
        case .v4(let v): ipv4(v)
        case .v6(let h, let l): ipv6(h, l)
        case .other: out.append("invalid")
        }
    }

    private func memory(_ b: BSMBytes) { b.withUnsafeBytes { out.appendMemory($0) } }

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

    private func arg(_ id: UInt8, _ a: Arg, wide: Bool) {
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

    private func uuidText(_ u: BSMUUID) {
        var i = 0
        for b in u.bytes {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.appendHexByte(b)
            i += 1
        }
    }

    private func uuid(_ id: UInt8, _ u: UUIDToken, _ name: StaticString, _ open: StaticString, _ numAttr: StaticString) {
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

    private func exec(_ id: UInt8, _ s: ExecStrings, _ name: StaticString, _ open: StaticString,
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

    private func ipToken(_ ip: IPHeaderToken) {
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

    private func ipcType(_ t: UInt8) {
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

    private func sockInet(_ id: UInt8, _ s: SockInet, _ name: StaticString, _ open: StaticString) {
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
    private func data(_ d: DataToken) {
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

    private func charXML(_ c: UInt8) {
        switch c {
        case UInt8(ascii: "&"): out.append("&amp;")
        case UInt8(ascii: "<"): out.append("&lt;")
        case 0x20..<0x7f, 0x09, 0x0a, 0x0d: out.append(c)
        default: out.appendVis(c)
        }
    }
}
