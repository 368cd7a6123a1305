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

/// The fields of the event's subject record (SYSCALL, else the first record) the mapper reads:
/// where the first field of each wanted key is (`first` as the record's fields are numbered;
/// -1: none), found in one pass with one table probe per field (callgrind, 100k-event log: a
/// switch over the key words into twenty optional fields was 1,750 Ir per record).
struct SubjectFields {
    /// The wanted keys, in `AuditKeyTable` order (`enrichedUID` and `enrichedSyscall` are
    /// looked for among the enriched fields only, the others among the kernel's).
    enum Part: Int {
        case pid, ppid, uid, euid, auid, gid, comm, exe, key, arch, syscall, success, exit, a0, a1, a2, a3, res
        case enrichedUID, enrichedSyscall
    }
    static let kernelKeys = AuditKeyTable([
        AuditFieldKey.pid, AuditFieldKey.ppid, AuditFieldKey.uid, AuditFieldKey.euid, AuditFieldKey.auid,
        AuditFieldKey.gid, AuditFieldKey.comm, AuditFieldKey.exe, AuditFieldKey.key, AuditFieldKey.arch,
        AuditFieldKey.syscall, AuditFieldKey.success, AuditFieldKey.exit, AuditFieldKey.a0, AuditFieldKey.a1,
        AuditFieldKey.a2, AuditFieldKey.a3, AuditFieldKey.res,
    ])

    private let fields: UnsafeBufferPointer<AuditField>
    private var first = InlineArray<20, Int32>(repeating: -1)

    init(_ r: AuditRecordView) {
        fields = r.fields
        let table = Self.kernelKeys
        for i in 0..<fields.count {
            let f = fields[i]
            let code = r.keyCode(f)
            var part: Int
            if f.enriched {
                part = code == AuditFieldKey.enrichedUID ? Part.enrichedUID.rawValue
                    : code == AuditFieldKey.enrichedSYSCALL ? Part.enrichedSyscall.rawValue : -1
            } else {
                part = table.part(code)
            }
            if part >= 0 && first[part] < 0 { first[part] = Int32(truncatingIfNeeded: i) }
        }
    }

    @inline(__always) subscript(_ p: Part) -> AuditField? {
        let i = first[p.rawValue]
        return i < 0 ? nil : fields[Int(i)]
    }

    var pid: AuditField? { self[.pid] }
    var ppid: AuditField? { self[.ppid] }
    var uid: AuditField? { self[.uid] }
    var euid: AuditField? { self[.euid] }
    var auid: AuditField? { self[.auid] }
    var gid: AuditField? { self[.gid] }
    var comm: AuditField? { self[.comm] }
    var exe: AuditField? { self[.exe] }
    var key: AuditField? { self[.key] }
    var arch: AuditField? { self[.arch] }
    var syscall: AuditField? { self[.syscall] }
    var success: AuditField? { self[.success] }
    var exit: AuditField? { self[.exit] }
    var a0: AuditField? { self[.a0] }
    var a1: AuditField? { self[.a1] }
    var a2: AuditField? { self[.a2] }
    var a3: AuditField? { self[.a3] }
    var res: AuditField? { self[.res] }
    var enrichedUID: AuditField? { self[.enrichedUID] }
    var enrichedSyscall: AuditField? { self[.enrichedSyscall] }
}

/// Key words → their position in a list, by one multiply and one compare: a multiplicative hash
/// into 64 slots with no two of the keys in one slot (the multiplier is searched for once, from
/// a fixed start, so it is the same on every run). Other words land in a slot whose word differs.
struct AuditKeyTable: Sendable {
    let multiplier: UInt64
    private let words: [UInt64]
    private let parts: [Int8]

    init(_ keys: [UInt64]) {
        precondition(keys.count <= 32 && Set(keys).count == keys.count && !keys.contains(0))
        var m: UInt64 = 0x9E37_79B9_7F4A_7C15
        while true {
            var words = [UInt64](repeating: 0, count: 64), parts = [Int8](repeating: -1, count: 64)
            var free = true
            for (n, k) in keys.enumerated() {
                let s = Int(truncatingIfNeeded: (k &* m) >> 58)
                if parts[s] >= 0 { free = false; break }
                words[s] = k
                parts[s] = Int8(n)
            }
            if free { multiplier = m; self.words = words; self.parts = parts; return }
            m = (m &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407) | 1
        }
    }

    /// The position of `word` among the keys, or -1.
    @inline(__always) func part(_ word: UInt64) -> Int {
        let s = Int(truncatingIfNeeded: (word &* multiplier) >> 58)
        return words[s] == word ? Int(parts[s]) : -1
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

    /// `item`, `name`, `objtype`, `mode` (`nametype`, eight bytes long, is compared whole).
    static let keys = AuditKeyTable([AuditFieldKey.item, AuditFieldKey.name, AuditFieldKey.objtype, AuditFieldKey.mode])

    init(_ r: AuditRecordView, record: Int) {
        self.record = record
        // Where the first field of each key is (-1: none), as in SubjectFields (callgrind,
        // 100k-event log: a switch into optional fields was 860 Ir per PATH record).
        var first = InlineArray<5, Int32>(repeating: -1)
        let table = Self.keys
        let fields = r.fields
        for i in 0..<fields.count {
            let f = fields[i]
            if f.enriched { continue }
            let code = r.keyCode(f)
            var part = table.part(code)
            if part < 0 && code == 0 && f.keyEnd - f.keyStart == 8  // longer than seven bytes
                && AuditValue.equals(UnsafeBufferPointer(rebasing: r.bytes[Int(f.keyStart)..<Int(f.keyEnd)]), "nametype") {
                part = 4
            }
            if part >= 0 && first[part] < 0 { first[part] = Int32(truncatingIfNeeded: i) }
        }
        func field(_ p: Int) -> AuditField? { first[p] < 0 ? nil : fields[Int(first[p])] }
        let item = field(0), objtype = field(2), mode = field(3), nametype = field(4)
        name = field(1)
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
