// The records of one audit event → one filewatcher Event: SYSCALL (what, result, process) + CWD +
// PATH items (nametype=/objtype= NORMAL, CREATE, DELETE, PARENT) + EXECVE (arguments, split and
// hex forms) + PROCTITLE (the command line; the arguments' fallback). Events without SYSCALL (user
// messages, AVC alone, daemon records) become `other`.

/// What the audit records said beyond the event model (JSON shows it).
public struct LinuxAuditDetail: Hashable, Sendable {
    /// The first record's type (SYSCALL for syscall events).
    public var recordType: UInt16
    public var recordTypeName: String
    /// `x86_64`, `i386`, `aarch64`, or the logged `arch=` hex for others.
    public var arch: String?
    public var syscall: Int64?
    public var syscallName: String?
    public var serial: UInt64
    /// The audit rule's key (`key="filewatcher"`), when logged.
    public var key: String?
    public var node: String?

    public init(recordType: UInt16, recordTypeName: String, arch: String? = nil, syscall: Int64? = nil,
                syscallName: String? = nil, serial: UInt64, key: String? = nil, node: String? = nil) {
        self.recordType = recordType; self.recordTypeName = recordTypeName; self.arch = arch
        self.syscall = syscall; self.syscallName = syscallName; self.serial = serial; self.key = key; self.node = node
    }
}

public final class AuditEventMapper {
    public let source: SourceKind
    /// Linux errno → this host's errno (identity on Linux).
    public let hostErrno: (Int32) -> Int32?
    private var classCache: [UInt64: (AuditSyscallClass, Int?, String?)] = [:]

    public init(source: SourceKind = .auditLog, hostErrno: @escaping (Int32) -> Int32? = { $0 }) {
        self.source = source
        self.hostErrno = hostErrno
    }

    /// One event from its records (nil when they carry no time stamp).
    public func map(_ records: [AuditRecord]) -> Event? {
        guard let first = records.first, let stamp = first.stamp else { return nil }
        let syscallRecord = records.first { $0.type == AuditRecordTypes.syscall }
        let subject = syscallRecord ?? first
        var process = Self.process(subject, records: records)
        var detail = LinuxAuditDetail(recordType: first.type, recordTypeName: first.typeName, serial: stamp.serial,
                                      node: first.node?.description)
        var event = Event(time: stamp.timeMicroseconds, kind: .other, process: process, source: source,
                          detail: .none)
        guard let sc = syscallRecord else {
            if let res = first.field("res") { event.result = Self.result(ofRes: res) }
            event.detail = .linuxAudit(detail)
            return event
        }
        detail.recordType = sc.type
        detail.recordTypeName = sc.typeName
        detail.key = sc.field("key")?.text.map { String(decoding: $0, as: UTF8.self) }
        let archValue = sc.field("arch")?.hexNumber
        let arch = archValue.flatMap { AuditArch(rawValue: UInt32(truncatingIfNeeded: $0)) }
        detail.arch = arch?.name ?? sc.field("arch").map { String(decoding: $0.raw, as: UTF8.self) }
        let number = sc.field("syscall")?.integer
        detail.syscall = number
        let (cls, dirfdArg, name) = classify(arch: arch, archValue: archValue, number: number,
                                             enrichedName: sc.field("SYSCALL", enriched: true))  // looked up on a cache miss only
        detail.syscallName = name
        event.detail = .linuxAudit(detail)

        // Result: success=yes|no, exit=N (negative: -errno).
        if let success = sc.field("success"), success.is("no") {
            let exit = sc.field("exit")?.integer
            let errno = exit.flatMap { $0 < 0 && $0 > -4096 ? hostErrno(Int32(-$0)) : nil }
            event.result = .failure(errno: errno)
        }

        let cwd = records.first { $0.type == AuditRecordTypes.cwd }?.field("cwd")?.text
        var items: [PathItem] = []
        for r in records where r.type == AuditRecordTypes.path { items.append(PathItem(r)) }
        // Logs nearly always list the items in order: sorted only when they are not.
        if zip(items, items.dropFirst()).contains(where: { $0.index > $1.index }) {
            items.sort { $0.index < $1.index }
        }
        func args(_ i: Int) -> UInt64? {
            switch i {
            case 0: sc.field("a0")?.hexNumber
            case 1: sc.field("a1")?.hexNumber
            case 2: sc.field("a2")?.hexNumber
            case 3: sc.field("a3")?.hexNumber
            default: sc.field(named: "a\(i)")?.hexNumber
            }
        }
        func absolute(_ item: PathItem?, dirfd: Int?) -> ByteString? {
            guard let item, let name = item.name else { return nil }
            return Self.absolute(name, cwd: cwd, dirfd: dirfd.flatMap { args($0) })
        }
        let normal = items.first { $0.type != .parent && $0.type != .delete } ?? items.first
        switch cls {
        case .open(let flagsArgument):
            event.kind = .open
            if let arg = flagsArgument, let flags = args(arg) { event.openFlags = Self.openFlags(flags) }
            let item = items.first { $0.type == .create } ?? normal
            event.path = absolute(item, dirfd: dirfdArg)
            event.isDirectory = item?.isDirectory ?? false
        case .creat:
            event.kind = .create
            event.openFlags = [.write, .create, .truncate]
            event.path = absolute(items.first { $0.type == .create } ?? normal, dirfd: nil)
        case .delete(let directory):
            event.kind = .delete
            let item = items.first { $0.type == .delete } ?? normal
            event.path = absolute(item, dirfd: dirfdArg)
            event.isDirectory = directory || (item?.isDirectory ?? false)
        case .rename:
            event.kind = .rename
            let from = items.first { $0.type == .delete } ?? items.first { $0.type == .normal }
            let to = items.first { $0.type == .create }
            event.path = absolute(from, dirfd: dirfdArg)
            event.destinationPath = absolute(to, dirfd: dirfdArg.map { $0 + 2 })
            event.isDirectory = from?.isDirectory ?? false
        case .link(let symbolic):
            event.kind = .link
            let created = items.first { $0.type == .create }
            if symbolic {
                event.path = absolute(created ?? normal, dirfd: dirfdArg)
            } else {
                event.path = absolute(items.first { $0.type == .normal }, dirfd: dirfdArg)
                event.destinationPath = absolute(created, dirfd: dirfdArg.map { $0 + 2 })
            }
        case .mkdir, .mknod:
            event.kind = .create
            let item = items.first { $0.type == .create } ?? normal
            event.path = absolute(item, dirfd: dirfdArg)
            event.isDirectory = cls == .mkdir
        case .attrib, .truncate, .read, .write, .close, .stat, .other:
            switch cls {
            case .attrib: event.kind = .attrib
            case .truncate, .write: event.kind = .write
            case .read: event.kind = .read
            case .close: event.kind = .close
            case .stat: event.kind = .stat
            default: event.kind = .other
            }
            event.path = absolute(normal, dirfd: dirfdArg)
            event.isDirectory = normal?.isDirectory ?? false
        case .exec:
            event.kind = .exec
            event.path = absolute(items.first, dirfd: dirfdArg)
            if let argv = Self.execArguments(records) { process.arguments = argv }
        case .exit:
            event.kind = .exit
        }
        event.process = process
        return event
    }

    // MARK: Parts

    private func classify(arch: AuditArch?, archValue: UInt64?, number: Int64?,
                          enrichedName: @autoclosure () -> AuditValue?) -> (AuditSyscallClass, Int?, String?) {
        guard let number else { return (.other, nil, nil) }
        let key = (archValue ?? 0) << 20 ^ UInt64(truncatingIfNeeded: number)
        if let hit = classCache[key] { return hit }
        var name: String? = arch?.syscallName(number).map { "\($0)" }
        if name == nil, let enriched = enrichedName()?.text { name = String(decoding: enriched, as: UTF8.self) }
        let (cls, dirfd) = name.map(AuditSyscallClass.classify) ?? (.other, nil)
        let value = (cls, dirfd, name)
        if classCache.count < 4096 { classCache[key] = value }
        return value
    }

    static func process(_ r: AuditRecord, records: [AuditRecord]) -> ProcessSubject {
        var p = ProcessSubject(pid: Int32(truncatingIfNeeded: r.field("pid")?.integer ?? -1))
        p.ppid = r.field("ppid")?.integer.map { Int32(truncatingIfNeeded: $0) }
        p.uid = r.field("uid")?.id
        p.euid = r.field("euid")?.id
        p.auid = r.field("auid")?.id
        p.gid = r.field("gid")?.id
        if let comm = r.field("comm")?.text { p.name = ByteString(comm) }
        if let exe = r.field("exe")?.text { p.executable = ByteString(exe) }
        if p.name.isEmpty, let exe = p.executable { p.name = ByteString(exe.bytes.split(separator: 0x2F).last ?? []) }
        if let user = r.field("UID", enriched: true)?.text { p.user = String(decoding: user, as: UTF8.self) }
        if let title = records.first(where: { $0.type == AuditRecordTypes.proctitle })?.field("proctitle")?.text {
            var parts = title.split(separator: 0, omittingEmptySubsequences: false).map { ByteString($0) }
            if parts.last?.isEmpty == true { parts.removeLast() }
            p.arguments = parts
        }
        return p
    }

    /// `argc=N a0=… a1_len=L a1[0]=… a1[1]=…` over one or more EXECVE records, each argument quoted
    /// or hex. nil without EXECVE records; stops at the first argument missing (a lost record).
    static func execArguments(_ records: [AuditRecord]) -> [ByteString]? {
        let execs = records.filter { $0.type == AuditRecordTypes.execve }
        guard !execs.isEmpty else { return nil }
        var argc = 0
        var whole: [Int: [UInt8]] = [:]
        var pieces: [Int: [Int: [UInt8]]] = [:]
        for r in execs {
            r.bytes.withUnsafeBufferPointer { b in
                for f in r.fields where !f.enriched {
                    var i = Int(f.keyStart)
                    let end = Int(f.keyEnd)
                    let value = AuditValue(storage: r.bytes, field: f)
                    if end - i == 4, b[i] == 0x61, b[i + 1] == 0x72, b[i + 2] == 0x67, b[i + 3] == 0x63 {  // argc
                        argc = Int(clamping: value.integer ?? 0)
                        continue
                    }
                    guard b[i] == 0x61 else { continue }  // 'a'
                    i += 1
                    guard let (n, next) = decimal(b, i, end) else { continue }
                    i = next
                    if i == end {
                        whole[n] = value.text ?? []
                    } else if b[i] == 0x5B, let (k, close) = decimal(b, i + 1, end), close == end - 1, b[close] == 0x5D {
                        pieces[n, default: [:]][k] = value.text ?? []
                    }
                }
            }
        }
        var args: [ByteString] = []
        args.reserveCapacity(argc)
        for n in 0..<min(argc, 1 << 16) {
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

    /// open(2) flags (the same bits on x86_64, i386 and aarch64).
    static func openFlags(_ flags: UInt64) -> OpenFlags {
        var f: OpenFlags = []
        switch flags & 3 {
        case 0: f.insert(.read)
        case 1: f.insert(.write)
        default: f.formUnion([.read, .write])
        }
        if flags & 0o100 != 0 { f.insert(.create) }
        if flags & 0o1000 != 0 { f.insert(.truncate) }
        return f
    }

    /// A relative name made absolute with CWD — only when it is relative to the working directory
    /// (no directory descriptor, or AT_FDCWD); relative to another descriptor it stays as logged.
    static func absolute(_ name: [UInt8], cwd: [UInt8]?, dirfd: UInt64?) -> ByteString {
        guard name.first != 0x2F, let cwd, !cwd.isEmpty else { return ByteString(name) }
        if let dirfd, dirfd & 0xFFFF_FFFF != 0xFFFF_FF9C { return ByteString(name) }
        var rel = name[...]
        while rel.starts(with: [0x2E, 0x2F]) { rel = rel.dropFirst(2) }
        if rel == [0x2E] { return ByteString(cwd) }
        var out = cwd
        if out.last != 0x2F { out.append(0x2F) }
        out += rel
        return ByteString(out)
    }

    static func result(ofRes res: AuditValue) -> EventResult {
        if res.is("success") || res.is("1") || res.is("yes") { return .success }
        if res.is("failed") || res.is("0") || res.is("no") { return .failure(errno: nil) }
        return .success
    }
}

/// One PATH record.
struct PathItem {
    enum NameType { case normal, create, delete, parent, unknown }
    var index: Int
    var name: [UInt8]?
    var type: NameType
    var isDirectory: Bool

    init(_ r: AuditRecord) {
        index = Int(clamping: r.field("item")?.integer ?? 0)
        name = r.field("name")?.text
        if let t = r.field("nametype") ?? r.field("objtype") {
            type = t.is("NORMAL") ? .normal : t.is("CREATE") ? .create : t.is("DELETE") ? .delete
                : t.is("PARENT") ? .parent : .unknown
        } else {
            type = .normal
        }
        isDirectory = (r.field("mode")?.octalNumber).map { $0 & 0o170000 == 0o040000 } ?? false
    }
}
