// The few fields the mapper needs from each record, found in one pass over the record's fields
// (bench/audit-replay.sh: a lookup per wanted key, ~20 scans of a SYSCALL record's ~27 fields,
// was a quarter of the mapping's CPU). The first field of each name wins, as in `field(_:)`.

/// Field keys as `AuditRecordView.keyCode` words: the key's bytes, little-endian, its length in
/// the top byte (checked against the names by LinuxAuditArenaTests).
enum AuditFieldKey {
    static let pid: UInt64 = 0x0300_0000_0064_6970
    static let ppid: UInt64 = 0x0400_0000_6469_7070
    static let uid: UInt64 = 0x0300_0000_0064_6975
    static let euid: UInt64 = 0x0400_0000_6469_7565
    static let auid: UInt64 = 0x0400_0000_6469_7561
    static let gid: UInt64 = 0x0300_0000_0064_6967
    static let comm: UInt64 = 0x0400_0000_6d6d_6f63
    static let exe: UInt64 = 0x0300_0000_0065_7865
    static let key: UInt64 = 0x0300_0000_0079_656b
    static let arch: UInt64 = 0x0400_0000_6863_7261
    static let syscall: UInt64 = 0x076c_6c61_6373_7973
    static let success: UInt64 = 0x0773_7365_6363_7573
    static let exit: UInt64 = 0x0400_0000_7469_7865
    static let a0: UInt64 = 0x0200_0000_0000_3061
    static let a1: UInt64 = 0x0200_0000_0000_3161
    static let a2: UInt64 = 0x0200_0000_0000_3261
    static let a3: UInt64 = 0x0200_0000_0000_3361
    static let res: UInt64 = 0x0300_0000_0073_6572
    static let enrichedUID: UInt64 = 0x0300_0000_0044_4955
    static let enrichedSYSCALL: UInt64 = 0x074c_4c41_4353_5953
    static let item: UInt64 = 0x0400_0000_6d65_7469
    static let name: UInt64 = 0x0400_0000_656d_616e
    static let objtype: UInt64 = 0x0765_7079_746a_626f
    static let mode: UInt64 = 0x0400_0000_6564_6f6d
}

/// The fields of the event's subject record (SYSCALL, else the first record) the mapper reads.
struct SubjectFields {
    var pid, ppid, uid, euid, auid, gid, comm, exe, key, arch, syscall, success, exit: AuditField?
    var a0, a1, a2, a3, res, enrichedUID, enrichedSyscall: AuditField?

    init(_ r: AuditRecordView) {
        for f in r.fields {
            let code = r.keyCode(f)
            if f.enriched {
                if code == AuditFieldKey.enrichedUID { if enrichedUID == nil { enrichedUID = f } }
                else if code == AuditFieldKey.enrichedSYSCALL { if enrichedSyscall == nil { enrichedSyscall = f } }
                continue
            }
            switch code {
            case AuditFieldKey.pid: if pid == nil { pid = f }
            case AuditFieldKey.ppid: if ppid == nil { ppid = f }
            case AuditFieldKey.uid: if uid == nil { uid = f }
            case AuditFieldKey.euid: if euid == nil { euid = f }
            case AuditFieldKey.auid: if auid == nil { auid = f }
            case AuditFieldKey.gid: if gid == nil { gid = f }
            case AuditFieldKey.comm: if comm == nil { comm = f }
            case AuditFieldKey.exe: if exe == nil { exe = f }
            case AuditFieldKey.key: if key == nil { key = f }
            case AuditFieldKey.arch: if arch == nil { arch = f }
            case AuditFieldKey.syscall: if syscall == nil { syscall = f }
            case AuditFieldKey.success: if success == nil { success = f }
            case AuditFieldKey.exit: if exit == nil { exit = f }
            case AuditFieldKey.a0: if a0 == nil { a0 = f }
            case AuditFieldKey.a1: if a1 == nil { a1 = f }
            case AuditFieldKey.a2: if a2 == nil { a2 = f }
            case AuditFieldKey.a3: if a3 == nil { a3 = f }
            case AuditFieldKey.res: if res == nil { res = f }
            default: break
            }
        }
    }
}

/// One PATH record: its name stays in the record until the mapper picks the item it reports.
struct PathItem {
    enum NameType { case normal, create, delete, parent, unknown }
    var index: Int
    /// The record (in the event) and its `name=` field.
    var record: Int
    var name: AuditField?
    var type: NameType
    var isDirectory: Bool

    init(_ r: AuditRecordView, record: Int) {
        self.record = record
        var item: AuditField?, nametype: AuditField?, objtype: AuditField?, mode: AuditField?
        name = nil
        for f in r.fields where !f.enriched {
            switch r.keyCode(f) {
            case AuditFieldKey.item: if item == nil { item = f }
            case AuditFieldKey.name: if name == nil { name = f }
            case AuditFieldKey.objtype: if objtype == nil { objtype = f }
            case AuditFieldKey.mode: if mode == nil { mode = f }
            case 0:  // longer than seven bytes
                if nametype == nil, f.keyEnd - f.keyStart == 8,
                   AuditValue.equals(UnsafeBufferPointer(rebasing: r.bytes[Int(f.keyStart)..<Int(f.keyEnd)]), "nametype") {
                    nametype = f
                }
            default: break
            }
        }
        index = Int(clamping: item.flatMap { r.integer($0) } ?? 0)
        if let t = nametype ?? objtype {
            type = r.valueIs(t, "NORMAL") ? .normal : r.valueIs(t, "CREATE") ? .create : r.valueIs(t, "DELETE") ? .delete
                : r.valueIs(t, "PARENT") ? .parent : .unknown
        } else {
            type = .normal
        }
        isDirectory = mode.flatMap { r.octalNumber($0) }.map { $0 & 0o170000 == 0o040000 } ?? false
    }
}

extension AuditEventMapper {
    /// `argc=N a0=… a1_len=L a1[0]=… a1[1]=…` over one or more EXECVE records, each argument quoted
    /// or hex. nil without EXECVE records; stops at the first argument missing (a lost record).
    static func execArguments(_ v: AuditEventRecords.Views) -> [ByteString]? {
        var argc = 0
        var any = false
        // Whole arguments a0, a1, … while they come in order (nearly always): appended as they
        // are (callgrind, 100k-event log: the dictionaries for every argument were 106 M Ir for
        // 25k execve events). Anything else goes to the dictionaries, and later values win.
        var inOrder: [ByteString] = []
        var whole: [Int: [UInt8]] = [:]
        var pieces: [Int: [Int: [UInt8]]] = [:]
        for r in 0..<v.count where v.type(r) == AuditRecordTypes.execve {
            any = true
            let rec = v[r]
            let b = rec.bytes
            for f in rec.fields where !f.enriched {
                var i = Int(f.keyStart)
                let end = Int(f.keyEnd)
                if end - i == 4, b[i] == 0x61, b[i + 1] == 0x72, b[i + 2] == 0x67, b[i + 3] == 0x63 {  // argc
                    argc = Int(clamping: rec.integer(f) ?? 0)
                    continue
                }
                guard b[i] == 0x61 else { continue }  // 'a'
                i += 1
                guard let (n, next) = decimal(b, i, end) else { continue }
                i = next
                if i == end {
                    if n == inOrder.count && whole.isEmpty && pieces.isEmpty {
                        inOrder.append(ByteString(rec.text(f) ?? []))
                    } else {
                        whole[n] = rec.text(f) ?? []
                    }
                } else if b[i] == 0x5B, let (k, close) = decimal(b, i + 1, end), close == end - 1, b[close] == 0x5D {
                    pieces[n, default: [:]][k] = rec.text(f) ?? []
                }
            }
        }
        guard any else { return nil }
        let count = min(argc, 1 << 16)
        if whole.isEmpty && pieces.isEmpty {
            // The loop below would stop at the first argument missing, a(inOrder.count).
            if inOrder.count > count { inOrder.removeLast(inOrder.count - count) }
            return inOrder
        }
        for (n, a) in inOrder.enumerated() where whole[n] == nil { whole[n] = a.bytes }
        var args: [ByteString] = []
        args.reserveCapacity(count)
        for n in 0..<count {
            if let a = whole[n] { args.append(ByteString(a)); continue }
            guard let parts = pieces[n], !parts.isEmpty else { break }
            var joined: [UInt8] = []
            for k in 0..<parts.count {
                guard let part = parts[k] else { break }
                joined += part
            }
            args.append(ByteString(joined))
        }
        return args
    }

    private static func decimal(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int)? {
        var i = start, n = 0
        while i < end, (0x30...0x39).contains(b[i]), n < 1 << 20 { n = n * 10 + Int(b[i] - 0x30); i += 1 }
        return i > start ? (n, i) : nil
    }
}

/// Decoded values of recent events by their bytes as logged: a process's comm, exe and command
/// line repeat from event to event, and a hit shares the arrays decoded before instead of
/// allocating and decoding them again (bench/audit-replay.sh: ~10 % of a replay's CPU went to
/// them). Direct-mapped on a hash of the bytes, whole bytes compared on a hit; values of at most
/// `maxBytes` are kept. One per mapper (per source), never shared.
struct AuditValueCache<Value> {
    static var slots: Int { 64 }
    static var maxBytes: Int { 256 }
    private var keys: [[UInt8]] = Array(repeating: [], count: slots)
    private var forms: [AuditValueForm] = Array(repeating: .bare, count: slots)
    private var values: [Value?] = Array(repeating: nil, count: slots)

    /// The value of field `f` of `r`: cached, or `make(bytes)` (then cached when short enough).
    mutating func value(_ r: AuditRecordView, _ f: AuditField, make: (AuditRecordView, AuditField) -> Value) -> Value {
        let raw = UnsafeBufferPointer(rebasing: r.bytes[r.range(f)])
        guard raw.count <= Self.maxBytes else { return make(r, f) }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(raw.count)
        for byte in raw { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let slot = Int(truncatingIfNeeded: h >> 58) & (Self.slots - 1)
        if let v = values[slot], forms[slot] == f.form,
           keys[slot].withUnsafeBufferPointer({ AuditLineParser.equal($0, raw) }) {
            return v
        }
        let v = make(r, f)
        keys[slot].removeAll(keepingCapacity: true)
        keys[slot].append(contentsOf: raw)
        forms[slot] = f.form
        values[slot] = v
        return v
    }
}
