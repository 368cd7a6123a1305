// A praudit-compatible printer. Output is byte-identical to OpenBSM's praudit (libbsm/bsm_io.c,
// bin/praudit/praudit.c) in every mode, except for the deliberate fixes listed in the README
// ("Differences from praudit"). Everything is appended to an `OutputBuffer`; nothing allocates
// per token once the caches are warm.

/// Prints tokens and records the way praudit does.
public final class PrauditPrinter {
    public let options: PrintOptions
    /// Where the text goes. The caller drains it (`out.bytes`, then `out.removeAll()`).
    public let out: OutputBuffer

    let names: IdentityNames
    @exclusivity(unchecked) var time: LocalTimeProvider
    let delimiter: [UInt8]
    let delimiterIsOneByte: Bool
    let delimiterByte: UInt8
    // The record being printed: its storage's base address, so string fields (slices of that
    // storage) are read without going through Array.withUnsafeBytes.
    @exclusivity(unchecked) var recordBase: UnsafeRawPointer? = nil
    // ctime text of the last second printed (records come many per second).
    @exclusivity(unchecked) var lastSecond: UInt64 = .max
    @exclusivity(unchecked) var lastSecondText = [UInt8](repeating: 0, count: 64)
    @exclusivity(unchecked) var lastSecondLength = 0
    let xml: Bool
    let raw: Bool
    let resolve: Bool
    let terminal: Bool
    /// Print the common tokens straight from their bytes (see `printFast`). Off only to let the
    /// fuzzer compare both paths.
    public var fastPath = true

    // Event number → text (offset << 32 | length into eventBytes); `.max` = not in the catalog.
    @exclusivity(unchecked) var eventSpan: [UInt64]
    @exclusivity(unchecked) var eventBytes: [UInt8] = []
    let eventText: UnsafeMutablePointer<UInt8>
    // BSM errno → the complete text praudit prints for it (`success`, `failure : …`).
    @exclusivity(unchecked) var statusText: [[UInt8]]
    // Direct-mapped uid/gid → printed text caches: slot i (users 0..<256, groups 256..<512)
    // holds the id, and up to `idSlotSize` bytes of text at idText + i * idSlotSize.
    static let idSlotSize = 48
    let idKeys = UnsafeMutablePointer<UInt64>.allocate(capacity: 512)
    let idLengths = UnsafeMutablePointer<Int>.allocate(capacity: 512)
    let idText = UnsafeMutablePointer<UInt8>.allocate(capacity: 512 * 48)

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

    @inline(__always) func openAttr(_ name: StaticString) {
        out.append(name)
        out.append("=\"")
    }
    @inline(__always) func closeAttr() { out.append("\" ") }

    /// print_tok_type: XML element opening, raw id, or the token's name.
    @inline(__always)
    func tokType(_ id: UInt8, _ name: StaticString, _ xmlOpen: StaticString) {
        if xml { out.append(xmlOpen) }
        else if raw { out.appendDecimal(UInt64(id)) }
        else { out.append(name) }
    }

    /// A string field: praudit's print_string (NULs dropped), made safe in XML / on a terminal.
    @inline(__always)
    func string(_ b: BSMBytes, element: Bool = false) {
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
    func user(_ uid: UInt32) {
        if !resolve { out.appendDecimal(signed: Int64(Int32(bitPattern: uid))); return }
        cachedID(Int(uid & 255), uid, group: false)
    }

    @inline(__always)
    func group(_ gid: UInt32) {
        if !resolve { out.appendDecimal(signed: Int64(Int32(bitPattern: gid))); return }
        cachedID(256 + Int(gid & 255), gid, group: true)
    }

    @inline(__always)
    func cachedID(_ slot: Int, _ id: UInt32, group: Bool) {
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

    func idText(_ id: UInt32, _ name: [UInt8]?) -> [UInt8] {
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
    func event(_ e: UInt16) {
        let span = eventSpan[Int(e)]
        if span == .max { out.appendDecimal(UInt64(e)); return }
        out.append(UnsafeRawBufferPointer(start: eventText + Int(span >> 32), count: Int(span & 0xffff_ffff)))
    }

    /// print_sec32/print_sec64: raw seconds (32 bits) or ctime in the local time zone.
    @inline(__always)
    func seconds(_ s: UInt64) {
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
    func msec(_ ms: UInt64) {
        if !raw { out.append(" + ") }
        out.appendDecimal(UInt64(UInt32(truncatingIfNeeded: ms)))
        if !raw { out.append(" msec") }
    }

    /// inet_ntoa.
    @inline(__always)
    func ipv4(_ a: UInt32) {
        out.appendDecimal(UInt64(a >> 24)); out.append(UInt8(ascii: "."))
        out.appendDecimal(UInt64((a >> 16) & 0xff)); out.append(UInt8(ascii: "."))
        out.appendDecimal(UInt64((a >> 8) & 0xff)); out.append(UInt8(ascii: "."))
        out.appendDecimal(UInt64(a & 0xff))
    }

    /// inet_ntop(AF_INET6) as glibc formats it.
    func ipv6(_ h: UInt64, _ l: UInt64) {
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
    func address(_ a: IPAddress) {
        switch a {
        case .v4(let v): ipv4(v)
        case .v6(let h, let l): ipv6(h, l)
        case .other: out.append("invalid")
        }
    }

    func memory(_ b: BSMBytes) { b.withUnsafeBytes { out.appendMemory($0) } }
}
