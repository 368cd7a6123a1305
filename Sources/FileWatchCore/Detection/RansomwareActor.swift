// What one actor did within the sliding window: a process, or a process together with the children it runs (a
// script driving short-lived programs). The detector feeds every actor an event concerns; each keeps its own
// victims, so work spread over many processes adds up at the script that drives them.

final class RansomwareActor {
    /// The pinned process (nil: gone before its first event, or a replay).
    let identity: PinnedProcess?
    /// The actor is a process with its children (its victims come from them).
    let isTree: Bool
    /// Who to name in an alert.
    var subject: ProcessSubject

    /// Paths it read, with time.
    private(set) var read: [ByteString: Int64] = [:]
    /// Paths it created or wrote as new files, with time: its own files are never its victims.
    private(set) var own: [ByteString: Int64] = [:]
    /// Its own files whose content looked encrypted (followed through renames).
    private(set) var encryptedOwn: Set<ByteString> = []

    /// Victims, in time order (a path once).
    private(set) var victims: [SuspiciousFile] = []
    private var victimPaths: Set<ByteString> = []
    /// Deletes and renames waiting for an encrypted-looking file named after them; `link` is the original name.
    private var pending: [(file: SuspiciousFile, link: ByteString)] = []
    /// Encrypted-looking files written and not yet paired with a victim.
    private var unpairedWrites: [(time: Int64, pid: Int32, name: [UInt8])] = []

    /// Members that raised an alert of their own: their victims are theirs, not the tree's.
    var alertedMembers: Set<Int32> = []
    var alertedAt = 0
    var lastAlert: Int64?
    private(set) var victimTotal = 0
    var lastSeen: Int64 = 0

    private let window: Int64
    private let limit: Int

    init(identity: PinnedProcess?, isTree: Bool, subject: ProcessSubject, window: Int64, limit: Int) {
        self.identity = identity; self.isTree = isTree; self.subject = subject; self.window = window; self.limit = limit
    }

    /// Encrypted-looking writes over files it had not read, or not yet: the fanotify groups of one drain are
    /// delivered group by group, so a read can arrive after the write it preceded. A read stamped no later than
    /// the write (the same drain) makes the file a victim.
    private var unreadEncrypted: [ByteString: SuspiciousFile] = [:]

    /// Returns the file a late-delivered read makes a victim of, if any.
    func noteRead(_ path: ByteString, _ time: Int64) -> SuspiciousFile? {
        bounded(&read, path, time)
        guard let f = unreadEncrypted.removeValue(forKey: path), time <= f.time else { return nil }
        own[path] = nil
        encryptedOwn.remove(path)
        return f
    }
    func noteUnreadEncrypted(_ f: SuspiciousFile) {
        if unreadEncrypted.count >= limit { unreadEncrypted.removeAll(keepingCapacity: true) }
        unreadEncrypted[f.path] = f
    }
    func noteOwn(_ path: ByteString, _ time: Int64) { bounded(&own, path, time) }
    /// Created: its own for sure.
    func noteCreated(_ path: ByteString, _ time: Int64) {
        bounded(&own, path, time)
        unreadEncrypted[path] = nil
    }
    func hasRead(_ path: ByteString, since horizon: Int64) -> Bool { (read[path] ?? .min) >= horizon }
    func isOwn(_ path: ByteString) -> Bool { own[path] != nil }
    func noteEncryptedOwn(_ path: ByteString) {
        if encryptedOwn.count >= limit { encryptedOwn.removeAll(keepingCapacity: true) }
        encryptedOwn.insert(path)
    }
    func isEncryptedOwn(_ path: ByteString) -> Bool { encryptedOwn.contains(path) }

    /// A path renamed: what the actor knows about it follows it.
    func renamed(_ from: ByteString, to: ByteString) {
        if let t = read.removeValue(forKey: from) { read[to] = t }
        if var f = unreadEncrypted.removeValue(forKey: from) { f.path = to; unreadEncrypted[to] = f }
        if let t = own.removeValue(forKey: from) { own[to] = t } else { own[to] = nil }
        if encryptedOwn.remove(from) != nil { encryptedOwn.insert(to) }
        if victimPaths.remove(from) != nil {
            victimPaths.insert(to)
            for i in victims.indices where victims[i].path == from { victims[i].path = to }
        }
    }

    /// A path deleted: forgotten (a later file of that name is another file).
    func deleted(_ path: ByteString) {
        read[path] = nil
        unreadEncrypted[path] = nil
        own[path] = nil
        encryptedOwn.remove(path)
    }

    /// A victim on its own (content replaced). Returns false when the path is already one.
    @discardableResult
    func addVictim(_ f: SuspiciousFile) -> Bool {
        slide(f.time)
        guard !victimPaths.contains(f.path) else { return false }
        victims.append(f)
        victimPaths.insert(f.path)
        victimTotal += 1
        return true
    }

    /// A delete or rename of a file that counts once an encrypted-looking file named after `link` is written.
    /// Returns true when it became a victim now.
    func addPending(_ f: SuspiciousFile, link: ByteString) -> Bool {
        slide(f.time)
        guard !victimPaths.contains(f.path) else { return false }
        if let i = unpairedWrites.firstIndex(where: { RansomwareDetector.namedAfter(victim: link, output: $0.name) }) {
            unpairedWrites.remove(at: i)
            return addVictim(f)
        }
        if pending.count >= limit { pending.removeFirst(pending.count / 2) }
        pending.append((f, link))
        return false
    }

    /// An encrypted-looking file written (new or not). Returns true when it made a pending file a victim.
    func addEncryptedWrite(time: Int64, pid: Int32, path: ByteString) -> Bool {
        slide(time)
        let name = Glob.basename(path.bytes)
        if let i = pending.firstIndex(where: { RansomwareDetector.namedAfter(victim: $0.link, output: name) }) {
            let f = pending.remove(at: i).file
            return addVictim(f)
        }
        if unpairedWrites.count >= limit { unpairedWrites.removeFirst(unpairedWrites.count / 2) }
        unpairedWrites.append((time, pid, name))
        return false
    }

    /// Victims that count for an alert of this actor, and the most of them one of its children did. A tree does not count
    /// the victims of members that alerted on their own.
    func countedVictims() -> (files: [SuspiciousFile], mostByOneProcess: Int) {
        guard isTree else { return (victims, victims.count) }
        let files = victims.filter { $0.pid.map { !alertedMembers.contains($0) } ?? true }
        // Victims of the tree's own process (a script's redirections are closed by the script) are the tree's.
        var perProcess: [Int32: Int] = [:]
        for f in files where f.pid != subject.pid { perProcess[f.pid ?? -1, default: 0] += 1 }
        return (files, perProcess.values.max() ?? 0)
    }

    /// Drops what fell out of the window.
    private func slide(_ now: Int64) {
        let horizon = now - window
        if let first = victims.first, first.time < horizon {
            let keep = victims.firstIndex { $0.time >= horizon } ?? victims.count
            for f in victims[..<keep] { victimPaths.remove(f.path) }
            victims.removeFirst(keep)
        }
        if let first = pending.first, first.file.time < horizon { pending.removeAll { $0.file.time < horizon } }
        if let first = unpairedWrites.first, first.time < horizon { unpairedWrites.removeAll { $0.time < horizon } }
    }

    private func bounded(_ table: inout [ByteString: Int64], _ path: ByteString, _ time: Int64) {
        if table.count >= limit {
            let horizon = time - window
            table = table.filter { $0.value >= horizon }
            if table.count >= limit { table.removeAll(keepingCapacity: true) }
        }
        table[path] = time
    }

    /// Nothing pending and idle for a window: can be forgotten.
    func isIdle(before horizon: Int64) -> Bool { lastSeen < horizon }
}
