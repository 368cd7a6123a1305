// libFuzzer entry: framing (RecordReader with chunked pushes), decoding and printing (every
// praudit mode) over arbitrary bytes. Built together with Sources/BSM/*.swift by fuzz/run.sh.
// Besides memory errors (ASan) and traps, it checks that XML and terminal output contain no
// raw control bytes, and that the framer's reports account for every input byte.

/// Names with bytes that need escaping, to exercise the escapers.
struct FuzzNames: IdentityNames {
    func userName(_ uid: UInt32) -> [UInt8]? { uid % 3 == 0 ? Array("us<&\"\u{1b}]]>er".utf8) + [0xff, 0] : nil }
    func groupName(_ gid: UInt32) -> [UInt8]? { gid % 5 == 0 ? Array("gr'\u{7f}oup".utf8) : nil }
}

struct FuzzTime: LocalTimeProvider {
    func utcOffset(at epochSeconds: Int64) -> Int64? {
        epochSeconds > 1 << 40 ? nil : (epochSeconds & 1 == 0 ? 3600 : -34_200)
    }
}

let fuzzErrors = FixedErrorText(["EPERM": "Operation not permitted", "ENOENT": "No such <file>", "EINVAL": "Invalid argument"])

let fuzzEvents: [PrinterEvent] = [
    PrinterEvent(number: 72, name: Array("AUE_OPEN_R".utf8), description: Array("open(2) - read".utf8)),
    PrinterEvent(number: 0x1234, name: Array("AUE_<X>".utf8), description: Array("desc & \"q\" \u{1}".utf8)),
]

nonisolated(unsafe) var printers = [PrauditPrinter?](repeating: nil, count: 128)
nonisolated(unsafe) var slowPrinters = [PrauditPrinter?](repeating: nil, count: 128)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let mode = data[0], split = (Int(data[1]) + 1) * 16
    let input = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    var o = PrintOptions()
    o.raw = mode & 1 != 0
    o.short = !o.raw && mode & 2 != 0
    o.numeric = mode & 4 != 0
    o.oneLine = mode & 8 != 0
    o.xml = mode & 16 != 0
    o.isTerminal = mode & 32 != 0
    if mode & 64 != 0 { o.delimiter = Array("|\t".utf8) }
    // Printers are built once per option set (building one fills 64K-entry tables).
    let key = Int(mode & 127)
    let printer: PrauditPrinter
    if let p = printers[key] { printer = p } else {
        printer = PrauditPrinter(options: o, events: fuzzEvents, names: FuzzNames(), time: FuzzTime(), errors: fuzzErrors)
        printers[key] = printer
    }
    printer.out.removeAll()
    var stream = PrauditStream(printer: printer, partialStart: mode & 128 != 0, maximumRecordSize: 1 << 16)
    var skipped = 0
    var problems = 0
    let note: (PrintProblem) -> Void = { p in skipped += p.skipped; problems += 1 }
    printer.beginStream()
    var i = 0
    while i < input.count {
        let e = min(input.count, i + split)
        stream.push(Array(input[i..<e]), problem: note)
        i = e
    }
    stream.finish(problem: note)
    printer.endStream()
    precondition(skipped <= input.count, "skipped more bytes than the input has")
    // The byte-level fast path must print exactly what the Token path prints.
    if mode & 0x18 == 0x18 || mode & 0x60 == 0x20 {
        let key2 = Int(mode & 127)
        let slow: PrauditPrinter
        if let p = slowPrinters[key2] { slow = p } else {
            slow = PrauditPrinter(options: o, events: fuzzEvents, names: FuzzNames(), time: FuzzTime(), errors: fuzzErrors)
            slow.fastPath = false
            slowPrinters[key2] = slow
        }
        slow.out.removeAll()
        var s2 = PrauditStream(printer: slow, partialStart: mode & 128 != 0, maximumRecordSize: 1 << 16)
        slow.beginStream()
        // Same chunks: a streaming framer may judge a record that is still incomplete differently
        // from one it sees whole (RecordReader does not wait behind a byte count that runs past
        // a complete valid record).
        var j = 0
        while j < input.count {
            let e = min(input.count, j + split)
            s2.push(Array(input[j..<e])) { _ in }
            j = e
        }
        s2.finish { _ in }
        slow.endStream()
        precondition(slow.out.array == printer.out.array, "fast and token paths print differently")
    }
    if o.xml || o.isTerminal {
        // No raw control bytes may reach an XML document or a terminal (tab/newline/CR aside).
        for b in printer.out.bytes where b < 0x20 && b != 0x09 && b != 0x0a && b != 0x0d || b == 0x7f {
            if o.xml || b == 0x1b || b == 0x7f || b == 0 {
                preconditionFailure("raw control byte \(b) in output")
            }
        }
    }
    if o.xml {
        // <record …> and </record> alternate, starting and ending outside a record (strings
        // cannot contain a raw '<', so a plain scan is enough).
        var depth = 0
        let b = printer.out.bytes
        var k = 0
        while k + 9 <= b.count {
            if b[k] == 0x3c {
                if b[k + 1] == 0x72, b[k + 2] == 0x65, b[k + 3] == 0x63, b[k + 7] == 0x20 { depth += 1 }       // "<record "
                if b[k + 1] == 0x2f, b[k + 2] == 0x72, b[k + 3] == 0x65, b[k + 8] == 0x3e { depth -= 1 }       // "</record>"
                precondition(depth == 0 || depth == 1, "unbalanced <record> in XML")
            }
            k += 1
        }
        precondition(depth == 0, "unclosed <record> in XML")
    }
    // The decoder and encoder must agree on every record that frames and decodes
    // (checked on a quarter of the inputs, to keep the rate up).
    if mode & 0x60 != 0x60 { return 0 }
    for item in RecordReader.items(in: input, maximumRecordSize: 1 << 16) {
        if case .record(let r) = item, r.kind == .record, let toks = try? r.tokens() {
            var re: [UInt8] = []
            for t in toks { t.encode(into: &re) }
            precondition(re.count == r.bytes.count || toks.contains { if case .unknown = $0 { return true }; return false },
                         "re-encoded record has a different length")
        }
    }
    return 0
}
