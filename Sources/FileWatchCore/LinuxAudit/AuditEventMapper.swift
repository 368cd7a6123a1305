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
    private var commCache = AuditValueCache<ByteString?>()
    private var exeCache = AuditValueCache<ByteString?>()
    private var titleCache = AuditValueCache<[ByteString]?>()
    private var subjects = AuditSubjectMemo()
    private var itemScratch: [PathItem] = []

    public init(source: SourceKind = .auditLog, hostErrno: @escaping (Int32) -> Int32? = { $0 }) {
        self.source = source
        self.hostErrno = hostErrno
    }

    /// One event from its records (nil when they carry no time stamp).
    public func map(_ records: AuditEventRecords) -> Event? {
        records.withViews { map($0) }
    }

    private func map(_ v: AuditEventRecords.Views) -> Event? {
        guard v.count > 0 else { return nil }
        let first = v[0]
        guard let stamp = first.header.stamp else { return nil }
        // One pass over the record types: the first SYSCALL, CWD and PROCTITLE.
        var scIndex = -1, cwdIndex = -1, titleIndex = -1
        for i in 0..<v.count {
            switch v.type(i) {
            case AuditRecordTypes.syscall: if scIndex < 0 { scIndex = i }
            case AuditRecordTypes.cwd: if cwdIndex < 0 { cwdIndex = i }
            case AuditRecordTypes.proctitle: if titleIndex < 0 { titleIndex = i }
            default: break
            }
        }
        let sc = scIndex >= 0 ? v[scIndex] : first  // the subject
        let f = SubjectFields(sc)
        let title = titleIndex >= 0 ? v[titleIndex] : nil
        let titleField = title?.field("proctitle")
        var process = subjects.subject(sc, f, title: title, titleField) { self.process(sc, f, title: title, titleField) }
        var detail = LinuxAuditDetail(recordType: sc.type, recordTypeName: sc.typeName, serial: stamp.serial,
                                      node: first.node?.description)
        // The event's parts are built in locals and the event once, at the end: every copy of an
        // Event is a dozen retains and releases (callgrind, 100k-event log: an Event built early
        // and changed in place was copied twice on its way out, 150 M Ir of 3,100 M).
        var kind = EventKind.other, result = EventResult.success
        var path: ByteString?, destination: ByteString?, isDirectory = false, openFlags: OpenFlags = []
        guard scIndex >= 0 else {
            if let res = f.res { result = Self.result(ofRes: res, in: sc) }
            return Event(time: stamp.timeMicroseconds, kind: kind, result: result, process: process,
                         source: source, detail: .linuxAudit(detail))
        }
        detail.key = f.key.flatMap { sc.text($0) }.map { String(decoding: $0, as: UTF8.self) }
        let archValue = f.arch.flatMap { sc.hexNumber($0) }
        let arch = archValue.flatMap { AuditArch(rawValue: UInt32(truncatingIfNeeded: $0)) }
        detail.arch = arch?.name ?? f.arch.map { String(decoding: sc.bytes[sc.range($0)], as: UTF8.self) }
        let number = f.syscall.flatMap { sc.integer($0) }
        detail.syscall = number
        let (cls, dirfdArg, name) = classify(arch: arch, archValue: archValue, number: number,
                                             enrichedName: f.enrichedSyscall.flatMap { sc.text($0) })  // decoded on a cache miss only
        detail.syscallName = name

        // Result: success=yes|no, exit=N (negative: -errno).
        if let success = f.success, sc.valueIs(success, "no") {
            let exit = f.exit.flatMap { sc.integer($0) }
            let errno = exit.flatMap { $0 < 0 && $0 > -4096 ? hostErrno(Int32(-$0)) : nil }
            result = .failure(errno: errno)
        }

        // The PATH items, in an array kept for the next event (no allocation per event).
        var items = itemScratch
        itemScratch = []
        items.removeAll(keepingCapacity: true)
        defer { itemScratch = items }
        for r in 0..<v.count where v.type(r) == AuditRecordTypes.path { items.append(PathItem(v[r], record: r)) }
        // Logs nearly always list the items in order: sorted only when they are not.
        if zip(items, items.dropFirst()).contains(where: { $0.index > $1.index }) {
            items.sort { $0.index < $1.index }
        }
        func args(_ i: Int) -> UInt64? {
            switch i {
            case 0: return f.a0.flatMap { sc.hexNumber($0) }
            case 1: return f.a1.flatMap { sc.hexNumber($0) }
            case 2: return f.a2.flatMap { sc.hexNumber($0) }
            case 3: return f.a3.flatMap { sc.hexNumber($0) }
            default:
                var k = "a\(i)"
                return k.withUTF8 { sc.field(named: $0) }.flatMap { sc.hexNumber($0) }
            }
        }
        // The CWD's text, decoded once and only for a relative name.
        var cwd: [UInt8]?? = nil
        func absolute(_ item: PathItem?, dirfd: Int?) -> ByteString? {
            guard let item, let field = item.name else { return nil }
            guard let name = v[item.record].text(field) else { return nil }
            if name.first == 0x2F { return ByteString(name) }
            if cwd == nil { cwd = .some(cwdIndex >= 0 ? v[cwdIndex].field("cwd").flatMap { v[cwdIndex].text($0) } : nil) }
            return Self.absolute(name, cwd: cwd ?? nil, dirfd: dirfd.flatMap { args($0) })
        }
        let normal = items.first { $0.type != .parent && $0.type != .delete } ?? items.first
        switch cls {
        case .open(let flagsArgument):
            kind = .open
            if let arg = flagsArgument, let flags = args(arg) { openFlags = Self.openFlags(flags) }
            let item = items.first { $0.type == .create } ?? normal
            path = absolute(item, dirfd: dirfdArg)
            isDirectory = item?.isDirectory ?? false
        case .creat:
            kind = .create
            openFlags = [.write, .create, .truncate]
            path = absolute(items.first { $0.type == .create } ?? normal, dirfd: nil)
        case .delete(let directory):
            kind = .delete
            let item = items.first { $0.type == .delete } ?? normal
            path = absolute(item, dirfd: dirfdArg)
            isDirectory = directory || (item?.isDirectory ?? false)
        case .rename:
            kind = .rename
            let from = items.first { $0.type == .delete } ?? items.first { $0.type == .normal }
            let to = items.first { $0.type == .create }
            path = absolute(from, dirfd: dirfdArg)
            destination = absolute(to, dirfd: dirfdArg.map { $0 + 2 })
            isDirectory = from?.isDirectory ?? false
        case .link(let symbolic):
            kind = .link
            let created = items.first { $0.type == .create }
            if symbolic {
                path = absolute(created ?? normal, dirfd: dirfdArg)
            } else {
                path = absolute(items.first { $0.type == .normal }, dirfd: dirfdArg)
                destination = absolute(created, dirfd: dirfdArg.map { $0 + 2 })
            }
        case .mkdir, .mknod:
            kind = .create
            let item = items.first { $0.type == .create } ?? normal
            path = absolute(item, dirfd: dirfdArg)
            isDirectory = cls == .mkdir
        case .attrib, .truncate, .read, .write, .close, .stat, .other:
            switch cls {
            case .attrib: kind = .attrib
            case .truncate, .write: kind = .write
            case .read: kind = .read
            case .close: kind = .close
            case .stat: kind = .stat
            default: kind = .other
            }
            path = absolute(normal, dirfd: dirfdArg)
            isDirectory = normal?.isDirectory ?? false
        case .exec:
            kind = .exec
            path = absolute(items.first, dirfd: dirfdArg)
            if let argv = Self.execArguments(v) { process.arguments = argv }
        case .exit:
            kind = .exit
        }
        return Event(time: stamp.timeMicroseconds, kind: kind, result: result, process: process, path: path,
                     destinationPath: destination, isDirectory: isDirectory, openFlags: openFlags, source: source,
                     detail: .linuxAudit(detail))
    }

    // MARK: Parts

    private func classify(arch: AuditArch?, archValue: UInt64?, number: Int64?,
                          enrichedName: @autoclosure () -> [UInt8]?) -> (AuditSyscallClass, Int?, String?) {
        guard let number else { return (.other, nil, nil) }
        let key = (archValue ?? 0) << 20 ^ UInt64(truncatingIfNeeded: number)
        if let hit = classCache[key] { return hit }
        var name: String? = arch?.syscallName(number).map { "\($0)" }
        if name == nil, let enriched = enrichedName() { name = String(decoding: enriched, as: UTF8.self) }
        let (cls, dirfd) = name.map(AuditSyscallClass.classify) ?? (.other, nil)
        let value = (cls, dirfd, name)
        if classCache.count < 4096 { classCache[key] = value }
        return value
    }

    /// The process from the subject record's fields (found in one pass) and the first PROCTITLE's
    /// `proctitle` field (`tf` of `title`).
    func process(_ r: AuditRecordView, _ f: SubjectFields, title: AuditRecordView?, _ tf: AuditField?) -> ProcessSubject {
        var p = ProcessSubject(pid: Int32(truncatingIfNeeded: f.pid.flatMap { r.integer($0) } ?? -1))
        p.ppid = f.ppid.flatMap { r.integer($0) }.map { Int32(truncatingIfNeeded: $0) }
        p.uid = AuditValue.id(f.uid.flatMap { r.integer($0) })
        p.euid = AuditValue.id(f.euid.flatMap { r.integer($0) })
        p.auid = AuditValue.id(f.auid.flatMap { r.integer($0) })
        p.gid = AuditValue.id(f.gid.flatMap { r.integer($0) })
        let text = { (r: AuditRecordView, f: AuditField) in r.text(f).map { ByteString($0) } }
        if let comm = f.comm.flatMap({ commCache.value(r, $0, make: text) }) { p.name = comm }
        if let exe = f.exe.flatMap({ exeCache.value(r, $0, make: text) }) { p.executable = exe }
        if p.name.isEmpty, let exe = p.executable { p.name = ByteString(exe.bytes.split(separator: 0x2F).last ?? []) }
        if let user = f.enrichedUID.flatMap({ r.text($0) }) { p.user = String(decoding: user, as: UTF8.self) }
        if let t = title, let parts = tf.flatMap({ titleCache.value(t, $0, make: Self.commandLine) }) {
            p.arguments = parts
        }
        return p
    }

    /// PROCTITLE's value: the arguments, NUL-separated (nil for `(null)`).
    static func commandLine(_ t: AuditRecordView, _ f: AuditField) -> [ByteString]? {
        guard let title = t.text(f) else { return nil }
        var parts = title.split(separator: 0, omittingEmptySubsequences: false).map { ByteString($0) }
        if parts.last?.isEmpty == true { parts.removeLast() }
        return parts
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

    static func result(ofRes res: AuditField, in r: AuditRecordView) -> EventResult {
        if r.valueIs(res, "success") || r.valueIs(res, "1") || r.valueIs(res, "yes") { return .success }
        if r.valueIs(res, "failed") || r.valueIs(res, "0") || r.valueIs(res, "no") { return .failure(errno: nil) }
        return .success
    }
}
