// Who did an event: a value with copy-on-write storage. Every event carries one and events are
// copied and dropped on their way through the pipeline; with the seventeen fields inline, each
// copy of an Event retained and released every one of them (callgrind, 100k-event audit log:
// ProcessSubject and Event copies and destroys were ~10 % of a replay). Now a copy is one
// retain, and a source that hands out the same subject for event after event (the audit
// mapper's memo, eslogger's process cache) shares one storage, which the JSON sink's memo
// recognises at once.

/// Who did it.
public struct ProcessSubject: Hashable, Sendable {
    /// The fields. Changed only through a uniquely referenced storage (`unique`), so sharing it
    /// between threads is safe. Reads and writes are not checked for exclusivity at run time
    /// (the value's own accessors are the only ones that touch it).
    final class Storage: @unchecked Sendable {
        @exclusivity(unchecked) var pid: Int32
        @exclusivity(unchecked) var ppid: Int32?
        @exclusivity(unchecked) var name: ByteString
        @exclusivity(unchecked) var executable: ByteString?
        @exclusivity(unchecked) var interpreter: ByteString?
        @exclusivity(unchecked) var arguments: [ByteString]?
        @exclusivity(unchecked) var uid: UInt32?
        @exclusivity(unchecked) var euid: UInt32?
        @exclusivity(unchecked) var auid: UInt32?
        @exclusivity(unchecked) var gid: UInt32?
        @exclusivity(unchecked) var user: String?
        @exclusivity(unchecked) var signingID: String?
        @exclusivity(unchecked) var teamID: String?
        @exclusivity(unchecked) var cdhash: [UInt8]?
        @exclusivity(unchecked) var startTime: Int64?
        @exclusivity(unchecked) var pidVersion: UInt32?
        @exclusivity(unchecked) var originalPPID: Int32?

        init(pid: Int32) {
            self.pid = pid
            ppid = nil
            name = ""
            executable = nil
            interpreter = nil
            arguments = nil
            uid = nil
            euid = nil
            auid = nil
            gid = nil
            user = nil
            signingID = nil
            teamID = nil
            cdhash = nil
            startTime = nil
            pidVersion = nil
            originalPPID = nil
        }

        init(copying o: Storage) {
            pid = o.pid; ppid = o.ppid; name = o.name; executable = o.executable; interpreter = o.interpreter; arguments = o.arguments
            uid = o.uid; euid = o.euid; auid = o.auid; gid = o.gid; user = o.user; signingID = o.signingID
            teamID = o.teamID; cdhash = o.cdhash; startTime = o.startTime; pidVersion = o.pidVersion; originalPPID = o.originalPPID
        }
    }

    private var storage: Storage

    /// The storage, copied first when another value shares it.
    private var unique: Storage {
        mutating get {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
            return storage
        }
    }

    public var pid: Int32 { get { storage.pid } _modify { let s = unique; yield &s.pid } }
    public var ppid: Int32? { get { storage.ppid } _modify { let s = unique; yield &s.ppid } }
    /// Short command name (comm / basename of the executable).
    public var name: ByteString { get { storage.name } _modify { let s = unique; yield &s.name } }
    /// Full executable path, when known (for a script run by its `#!` line: the script).
    public var executable: ByteString? { get { storage.executable } _modify { let s = unique; yield &s.executable } }
    /// The `#!` interpreter running `executable`, when it is a script and the source saw its exec.
    public var interpreter: ByteString? { get { storage.interpreter } _modify { let s = unique; yield &s.interpreter } }
    /// Command line (exec records / /proc cmdline), when known.
    public var arguments: [ByteString]? { get { storage.arguments } _modify { let s = unique; yield &s.arguments } }
    public var uid: UInt32? { get { storage.uid } _modify { let s = unique; yield &s.uid } }
    public var euid: UInt32? { get { storage.euid } _modify { let s = unique; yield &s.euid } }
    /// Audit user id (the login user; BSM only).
    public var auid: UInt32? { get { storage.auid } _modify { let s = unique; yield &s.auid } }
    public var gid: UInt32? { get { storage.gid } _modify { let s = unique; yield &s.gid } }
    /// User name of `uid` when it resolves.
    public var user: String? { get { storage.user } _modify { let s = unique; yield &s.user } }
    /// Apple code-signing identity (BSM `identity` token), when present.
    public var signingID: String? { get { storage.signingID } _modify { let s = unique; yield &s.signingID } }
    public var teamID: String? { get { storage.teamID } _modify { let s = unique; yield &s.teamID } }
    public var cdhash: [UInt8]? { get { storage.cdhash } _modify { let s = unique; yield &s.cdhash } }
    /// When the process started (µs since the epoch), when the source knows it. The ransomware heuristic uses it
    /// to tell files a process created from files that existed before it.
    public var startTime: Int64? { get { storage.startTime } _modify { let s = unique; yield &s.startTime } }
    /// Apple's pid generation (audit token `pidversion`): with the pid it names one process, even after
    /// the pid is reused. Endpoint Security only.
    public var pidVersion: UInt32? { get { storage.pidVersion } _modify { let s = unique; yield &s.pidVersion } }
    /// The parent at fork time, when the source tells it apart from the current parent (Endpoint Security).
    public var originalPPID: Int32? { get { storage.originalPPID } _modify { let s = unique; yield &s.originalPPID } }

    public init(pid: Int32, ppid: Int32? = nil, name: ByteString = "", executable: ByteString? = nil,
                arguments: [ByteString]? = nil, uid: UInt32? = nil, euid: UInt32? = nil, auid: UInt32? = nil,
                gid: UInt32? = nil, user: String? = nil, signingID: String? = nil, teamID: String? = nil,
                cdhash: [UInt8]? = nil, startTime: Int64? = nil) {
        let s = Storage(pid: pid)
        s.ppid = ppid; s.name = name; s.executable = executable; s.arguments = arguments; s.uid = uid; s.euid = euid
        s.auid = auid; s.gid = gid; s.user = user; s.signingID = signingID; s.teamID = teamID; s.cdhash = cdhash
        s.startTime = startTime
        storage = s
    }

    /// Every field equal; one storage shared is equal at once.
    public static func == (a: ProcessSubject, b: ProcessSubject) -> Bool {
        let x = a.storage, y = b.storage
        if x === y { return true }
        guard x.pid == y.pid, x.ppid == y.ppid, x.name == y.name, x.executable == y.executable else { return false }
        guard x.interpreter == y.interpreter, x.arguments == y.arguments, x.uid == y.uid, x.euid == y.euid else { return false }
        guard x.auid == y.auid, x.gid == y.gid, x.user == y.user, x.signingID == y.signingID else { return false }
        guard x.teamID == y.teamID, x.cdhash == y.cdhash, x.startTime == y.startTime else { return false }
        return x.pidVersion == y.pidVersion && x.originalPPID == y.originalPPID
    }

    public func hash(into hasher: inout Hasher) {
        let s = storage
        hasher.combine(s.pid); hasher.combine(s.ppid); hasher.combine(s.name); hasher.combine(s.executable)
        hasher.combine(s.interpreter); hasher.combine(s.arguments); hasher.combine(s.uid); hasher.combine(s.euid)
        hasher.combine(s.auid); hasher.combine(s.gid); hasher.combine(s.user); hasher.combine(s.signingID)
        hasher.combine(s.teamID); hasher.combine(s.cdhash); hasher.combine(s.startTime); hasher.combine(s.pidVersion)
        hasher.combine(s.originalPPID)
    }
}
