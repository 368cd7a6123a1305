import BSM

// BSM record (macOS / FreeBSD kernel audit) → Event.
//
// Event numbers are OpenBSM's (audit_event): the Solaris-compatible numbers 1…361 that macOS and
// FreeBSD both use, and OpenBSM's 43000+ kernel range (FreeBSD and newer macOS).

/// How an event number maps to an event kind.
public struct BSMEventClass: Hashable, Sendable {
    public var kind: EventKind
    public var openFlags: OpenFlags
    public var isDirectory: Bool
    /// `symlink`: the first text token is the link target.
    public var isSymlink: Bool
    /// fork family: an `arg` "child PID" names the new process (inherits the parent's executable).
    public var isFork: Bool

    public init(_ kind: EventKind, _ openFlags: OpenFlags = [], directory: Bool = false, symlink: Bool = false,
                fork: Bool = false) {
        self.kind = kind; self.openFlags = openFlags; self.isDirectory = directory
        self.isSymlink = symlink; self.isFork = fork
    }
}

public enum BSMEventClassification {
    /// The open variants come in runs of 12 in this order.
    private static let openRun: [OpenFlags] = [
        [.read], [.read, .create], [.read, .truncate], [.read, .create, .truncate],
        [.write], [.write, .create], [.write, .truncate], [.write, .create, .truncate],
        [.read, .write], [.read, .write, .create], [.read, .write, .truncate], [.read, .write, .create, .truncate],
    ]

    public static let table: [UInt16: BSMEventClass] = {
        var t: [UInt16: BSMEventClass] = [:]
        // open(2), openat(2), open_extended: 72…83 AUE_OPEN_R…RWTC, 270…281 AUE_OPENAT_R…RWTC,
        // 43170…43181 AUE_OPEN_EXTENDED_R…RWTC; "attr only" variants 3, 43169, 43184; fhopen 43063.
        for (base, run) in [(UInt16(72), openRun), (270, openRun), (43170, openRun)] {
            for (i, flags) in run.enumerated() { t[base + UInt16(i)] = BSMEventClass(.open, flags) }
        }
        for n: UInt16 in [3, 43169, 43184, 43063] { t[n] = BSMEventClass(.open) }
        // close(2), closefrom(2), close_range(2)
        for n: UInt16 in [112, 43143, 43265] { t[n] = BSMEventClass(.close) }
        // unlink(2), unlinkat(2); rmdir(2)
        for n: UInt16 in [6, 286] { t[n] = BSMEventClass(.delete) }
        t[48] = BSMEventClass(.delete, directory: true)
        // rename(2), renameat(2), exchangedata() (two paths)
        for n: UInt16 in [42, 282, 338, 43028] { t[n] = BSMEventClass(.rename) }
        // mkdir(2), mkdirat(2), mkdir_extended(2)
        for n: UInt16 in [47, 43148, 43167] { t[n] = BSMEventClass(.create, directory: true) }
        // mknod(2), xmknod(2), mknodat(2)
        for n: UInt16 in [9, 240, 43150] { t[n] = BSMEventClass(.create) }
        // creat(2) (Solaris; also what BSMSink writes for a created file)
        t[4] = BSMEventClass(.create)
        // filewatcher's own numbers (BSMSink): read, write, attribute change, other
        t[FileWatcherBSMEvent.read] = BSMEventClass(.read)
        t[FileWatcherBSMEvent.write] = BSMEventClass(.write)
        t[FileWatcherBSMEvent.attrib] = BSMEventClass(.attrib)
        t[FileWatcherBSMEvent.other] = BSMEventClass(.other)
        // link(2), linkat(2); symlink(2), symlinkat(2)
        for n: UInt16 in [5, 43147] { t[n] = BSMEventClass(.link) }
        for n: UInt16 in [21, 43152] { t[n] = BSMEventClass(.link, symlink: true) }
        // chmod/chown/utimes/chflags/setattrlist/extattr set+delete and friends
        for n: UInt16 in [10, 11, 38, 39, 49, 202, 237, 284, 285, 303, 304, 318, 336, 354,
                          43003, 43004, 43013, 43026, 43044, 43052, 43053, 43101, 43103, 43105, 43107, 43109,
                          43111, 43113, 43146, 43163, 43164, 43209] {
            t[n] = BSMEventClass(.attrib)
        }
        // truncate(2), ftruncate(2) (FreeBSD and Darwin numbers), copyfile() (two paths)
        for n: UInt16 in [43, 44, 329, 330, 361, 43051] { t[n] = BSMEventClass(.write) }
        // access/stat/lstat/fstat/readlink/getattrlist/extattr get+list and friends
        for n: UInt16 in [14, 16, 17, 22, 199, 208, 234, 235, 236, 283, 326, 335, 43018, 43025, 43064, 43066,
                          43102, 43104, 43106, 43108, 43110, 43112, 43145, 43151, 43162, 43165, 43166, 43182] {
            t[n] = BSMEventClass(.stat)
        }
        // exec(2), execve(2), fexecve(2), posix_spawn(2), execveat(2)
        for n: UInt16 in [7, 23, 43144, 43190, 43262] { t[n] = BSMEventClass(.exec) }
        t[1] = BSMEventClass(.exit)
        // fork(2), vfork(2), fork1, rfork, pdfork: `other`, but teach the child's executable.
        for n: UInt16 in [2, 25, 241, 353, 43043, 43197] { t[n] = BSMEventClass(.other, fork: true) }
        return t
    }()

    public static func classify(_ event: UInt16) -> BSMEventClass {
        table[event] ?? BSMEventClass(.other)
    }

    /// AUE_POSIX_SPAWN: the subject is the parent; the child gets the executable.
    public static let posixSpawn: UInt16 = 43190
}

/// Turns records into events. Stateful: remembers pid → executable (and arguments) from exec,
/// posix_spawn and fork records, so later records of the same pid name their process.
/// The memory is bounded (`capacity` pids, oldest forgotten first). Not thread-safe (one per source).
public final class BSMEventMapper {
    public struct Image: Hashable, Sendable {
        public var executable: ByteString
        public var arguments: [ByteString]?
        /// The executable's basename (computed once, not per event).
        public var name: ByteString

        public init(executable: ByteString, arguments: [ByteString]?) {
            self.executable = executable
            self.arguments = arguments
            self.name = ByteString(basename(executable.bytes))
        }
    }

    /// BSM errno (return token status) → host errno number; nil when the host has none.
    private let hostErrno: (UInt8) -> Int32?
    /// Event number → short name (`AUE_OPEN_R`) from the event catalog.
    private let eventName: (UInt16) -> String?
    public let source: SourceKind
    public let capacity: Int

    private var images: [UInt32: Image] = [:]
    private var order: [UInt32] = []
    private var orderHead = 0

    public init(source: SourceKind = .trail, capacity: Int = 8192,
                hostErrno: @escaping (UInt8) -> Int32? = { Int32($0) },
                eventName: @escaping (UInt16) -> String? = { _ in nil }) {
        self.source = source
        self.capacity = max(1, capacity)
        self.hostErrno = hostErrno
        self.eventName = eventName
    }

    /// Remembered executable of `pid`, if any.
    public func image(of pid: UInt32) -> Image? { images[pid] }
    public var rememberedPIDs: Int { images.count }

    /// Teach the executable of a pid (also used by sources that ask the system, e.g. proc_pidpath).
    public func remember(pid: UInt32, image: Image) {
        if images.updateValue(image, forKey: pid) == nil {
            if order.count < capacity {
                order.append(pid)
            } else {
                // The slot's previous pid is forgotten (it may already be gone).
                let old = order[orderHead]
                if old != pid { images.removeValue(forKey: old) }
                order[orderHead] = pid
                orderHead = (orderHead + 1) % capacity
            }
        }
    }

    public func forget(pid: UInt32) { images.removeValue(forKey: pid) }

    /// Maps the tokens of one record (header first). Returns nil for a record without a header
    /// (e.g. a stand-alone `file` token).
    public func map<S: Sequence>(_ tokens: S) -> Event? where S.Element == Token { map(Array(tokens)) }

    /// `map` of a token array: not generic, so callers in other modules do not get the unspecialized
    /// generic loop (measured: its iterator cost ~3,500 instructions a record).
    public func map(_ tokens: [Token]) -> Event? {
        var header: Header?
        var subject: Subject?
        var paths: (ByteString?, ByteString?) = (nil, nil)
        var text: ByteString?
        var args: [ByteString]?
        var status: UInt8 = 0
        var hasReturn = false
        var identity: Identity?
        var childPID: UInt32?
        var directory = false
        var closeWrite: Bool?
        var facts = ProcessFacts()

        for token in tokens {
            switch token {
            case .header32(let h), .header32Ex(let h), .header64(let h), .header64Ex(let h):
                if header == nil { header = h }
            case .subject32(let s), .subject64(let s), .subject32Ex(let s), .subject64Ex(let s):
                if subject == nil { subject = s }
            case .path(let p):
                let b = bytes(p)
                if paths.0 == nil { paths.0 = b } else if paths.1 == nil { paths.1 = b }
            case .text(let t):
                let b = t.trimmingTrailingNULs
                if ProcessFacts.isFact(b) {
                    facts.read(b)  // written by BSMSink
                } else if text == nil {
                    text = ByteString(b.array)
                }
            case .attr(let a), .attr32(let a), .attr64(let a):
                if a.mode & 0o170000 == 0o040000 { directory = true }
            case .execArgs(let e):
                args = e.map { ByteString($0.array) }
            case .return32(let r), .return64(let r):
                status = r.status
                hasReturn = true
            case .identity(let i):
                identity = i
            case .arg32(let a), .arg64(let a):
                // "child PID" (fork family, posix_spawn).
                if childPID == nil && a.text.starts(with: "child PID".utf8) { childPID = UInt32(truncatingIfNeeded: a.value) }
                if a.text.trimmingTrailingNULs.elementsEqual("close_write".utf8) { closeWrite = a.value != 0 }
            default:
                break
            }
        }
        guard let header else { return nil }

        let cls = BSMEventClassification.classify(header.eventType)
        let time = Int64(clamping: header.seconds) &* 1_000_000 &+ Int64(clamping: header.milliseconds % 1000) &* 1000
        let result: EventResult = (!hasReturn || status == 0) ? .success : .failure(errno: hostErrno(status))

        var process = ProcessSubject(pid: -1)
        if let s = subject {
            // 0xffffffff (-1) is "not set" (AU_DEFAUDID for auid; BSMSink's unknown id).
            @inline(__always) func id(_ v: UInt32) -> UInt32? { v == 0xffff_ffff ? nil : v }
            process.pid = Int32(bitPattern: s.pid)
            process.uid = id(s.ruid)
            process.euid = id(s.euid)
            process.auid = id(s.auid)
            process.gid = id(s.rgid)
        }
        if let i = identity {
            let sid = i.signingID.trimmingTrailingNULs
            let tid = i.teamID.trimmingTrailingNULs
            if !sid.isEmpty { process.signingID = String(decoding: sid, as: UTF8.self) }
            if !tid.isEmpty { process.teamID = String(decoding: tid, as: UTF8.self) }
            if !i.cdHash.isEmpty { process.cdhash = i.cdHash.array }
        }
        let pid = subject?.pid

        var path = paths.0
        var dest = paths.1
        if cls.isSymlink, let target = text {
            // symlink(target, linkpath): the record's path token is the new link.
            dest = path
            path = target
        }

        if cls.kind == .exec, result.succeeded, let exe = path {
            let image = Image(executable: exe, arguments: args)
            if header.eventType == BSMEventClassification.posixSpawn {
                if let child = childPID { remember(pid: child, image: image) }
            } else if let pid {
                remember(pid: pid, image: image)
            }
        }
        if cls.isFork, result.succeeded, let child = childPID, let pid, let parent = images[pid] {
            remember(pid: child, image: parent)
        }
        if let pid, let image = images[pid] {
            process.executable = image.executable
            process.name = image.name
            process.arguments = image.arguments
        }
        if let args {
            // The record's own command line: an exec's (also a failed one), posix_spawn's child's,
            // or the one BSMSink writes on every record of a process whose command line it knew.
            process.arguments = args
        }
        facts.apply(to: &process)
        if cls.kind == .exit, let pid { forget(pid: pid) }

        return Event(time: time, kind: cls.kind, result: result, process: process, path: path,
                     destinationPath: dest, isDirectory: cls.isDirectory || directory, openFlags: cls.openFlags,
                     closeAfterWrite: cls.kind == .close ? closeWrite : nil, source: source,
                     detail: .bsm(event: header.eventType, name: eventName(header.eventType),
                                  modifier: header.eventModifier))
    }

    /// A string token's bytes without the trailing NUL.
    private func bytes(_ b: BSMBytes) -> ByteString {
        ByteString(b.trimmingTrailingNULs.array)
    }
}
