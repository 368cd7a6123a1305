// The ransomware heuristic: count the victims of each actor within a sliding window, and alert by the
// `threshold`-th (5th). A victim is a file that existed and was lost to the actor:
//   - encrypted-content: a file it had read (not one of its own), overwritten with encrypted-looking content
//     (EncryptionTest: entropy and Monte-Carlo π over the first ≤ 1 MiB; small files and known formats skipped);
//   - replaced-by-rename: a file it had read, replaced by renaming one of its own encrypted-looking files over it;
//   - deleted-after-read / renamed-extension: a file (not its own) deleted, or renamed to a new extension, when the
//     actor writes an encrypted-looking file named after it (`doc.txt` → `doc.txt.locked`, `doc.txt.tmp`).
// Creating files, however random their content, makes no victim: uploads, downloads, backups and `git gc` writing
// packs raise nothing, and an encrypted backup written over the previous one (never read) neither.
//
// Actors (issue 17): every process, AND the process tree driving it: its parent, and its grandparent unless that
// leads a session (a login shell, a daemon). A script that encrypts each file with one short-lived program and
// deletes it with another adds up at the script. A tree alerts only when no one of its processes did more than
// half of its victims (that one alerts on its own), and stops the script with its children. Processes are pinned (pidfd + start
// time, ProcessIdentity.swift) at their first event, so the alert names the process that acted, whatever it
// calls itself later and whoever has its pid.

/// Tunables of the heuristic.
public struct RansomwareOptions: Sendable, Equatable {
    /// Victims needed within the window (5).
    public var threshold: Int = 5
    /// Sliding window in microseconds (30 s).
    public var windowMicros: Int64 = 30_000_000
    public var test = EncryptionTest()
    /// Per-actor memory bounds (paths read, own files, pending deletes that are remembered).
    public var maxTrackedPaths = 1024
    /// Most processes and trees followed at once.
    public var maxActors = 16384

    public init(threshold: Int = 5, windowSeconds: Double = 30) {
        self.threshold = max(1, threshold)
        self.windowMicros = Int64(windowSeconds * 1_000_000)
    }
}

/// What a content read found: the bytes' count, and the file's birth time when the filesystem keeps one.
public struct ContentRead: Sendable, Equatable {
    public var count: Int
    /// µs since the epoch (statx `btime`).
    public var birthTime: Int64?
    public init(count: Int, birthTime: Int64? = nil) { self.count = count; self.birthTime = birthTime }
}

/// Reads the first bytes of the file an event names. Sources supply one: the fanotify source can read through
/// the event's own descriptor (no race with a later delete); trail and auditpipe sources open the path after
/// the close. Called synchronously while the event is being handled, on the pipeline's thread.
public protocol ContentReader: AnyObject {
    /// Fills `buffer` with up to `buffer.count` bytes from the start of the file of `event` (a close after write).
    func readPrefix(of event: Event, into buffer: UnsafeMutableRawBufferPointer) -> Result<ContentRead, ContentUnavailable>
}

/// Why content could not be read (counted in the summary; never fatal).
public struct ContentUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The heuristic. Not thread-safe: one pipeline thread calls it.
public final class RansomwareDetector {
    public let options: RansomwareOptions
    private let reader: ContentReader?
    private let pinner: ProcessPinning?
    private var buffer: UnsafeMutableRawBufferPointer

    private final class ProcessState {
        var actor: RansomwareActor
        /// Its parent and grandparent trees (see the top of the file).
        var trees: [RansomwareActor]
        var name: ByteString
        var executable: ByteString?
        var openForWrite: Set<ByteString> = []
        init(actor: RansomwareActor, trees: [RansomwareActor], name: ByteString, executable: ByteString?) {
            self.actor = actor; self.trees = trees; self.name = name; self.executable = executable
            actors = [actor] + trees
        }
        /// The process, then its trees, lowest first.
        let actors: [RansomwareActor]
    }
    private var processes: [Int32: ProcessState] = [:]
    private var trees: [PinnedProcess: RansomwareActor] = [:]
    private var recentAncestors: [Int32: (PinnedProcess, Int64)] = [:]
    private var eventsSinceSweep = 0
    /// Paths whose content was last judged encrypted-looking, with when. Replacing, deleting or renaming a file
    /// that was encrypted-looking already loses nothing encryption could take (`git checkout` of random blobs).
    private var encryptedLooking: [ByteString: Int64] = [:]

    /// Statistics for the summary.
    public private(set) var filesJudged = 0
    public private(set) var filesEncrypted = 0
    public private(set) var contentUnavailable = 0

    /// - Parameter pinner: pins processes (live); nil for replays (actors are then processes and their parent
    ///   pids as the events give them).
    public init(options: RansomwareOptions = RansomwareOptions(), reader: ContentReader?, pinner: ProcessPinning? = nil) {
        self.options = options
        self.reader = reader
        self.pinner = pinner
        buffer = .allocate(byteCount: max(options.test.maxBytes, 1), alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Feeds one event; returns the alerts it raises (usually none; at most one per actor).
    public func inspect(_ event: Event) -> [Alert] {
        let pid = event.process.pid
        if event.kind == .exit { processes[pid] = nil; return [] }
        switch event.kind {
        case .open, .read, .write, .close, .create, .rename, .delete: break
        default: return []
        }
        guard event.result.succeeded, let path = event.path, !event.isDirectory else { return [] }

        eventsSinceSweep += 1
        if eventsSinceSweep >= 4096 || processes.count >= options.maxActors { sweep(now: event.time) }
        let state = self.state(for: event)
        let now = event.time
        let horizon = now - options.windowMicros
        // Once an actor alerted, its work is its own: the trees above it do not count it again (an alert on a
        // script must not be followed by one on the login shell that started it).
        let chain = state.actors
        let actors = chain.firstIndex { $0.lastAlert != nil }.map { Array(chain[...$0]) } ?? chain
        for a in actors { a.lastSeen = now }
        var changed: [RansomwareActor] = []

        switch event.kind {
        case .create:
            for a in actors { a.noteCreated(path, now) }
        case .open:
            if event.openFlags.contains(.write) { state.openForWrite.insert(path) }
            if event.openFlags.contains(.read) { noteRead(path, now, actors, &changed) }
        case .read:
            noteRead(path, now, actors, &changed)
        case .write:
            if state.openForWrite.count >= options.maxTrackedPaths { state.openForWrite.removeAll(keepingCapacity: true) }
            state.openForWrite.insert(path)
        case .close:
            let wrote: Bool
            switch event.closeAfterWrite {
            case true?: wrote = true
            case false?: wrote = false; noteRead(path, now, actors, &changed)
            case nil: wrote = state.openForWrite.contains(path)
            }
            state.openForWrite.remove(path)
            guard wrote else { break }
            let judged = judge(event)
            let wasEncrypted = alreadyEncrypted(path)
            if let (verdict, _) = judged { noteVerdict(path, encrypted: verdict.isEncrypted, now) }
            guard let (verdict, birth) = judged, case .encrypted(let stats) = verdict else {
                // Plain content: a new file is the actor's own.
                for a in actors where !a.hasRead(path, since: horizon) { a.noteOwn(path, now) }
                break
            }
            let startedAt = state.actor.identity?.startedAt ?? event.process.startTime
            let bornSinceWriterStarted = birth.flatMap { b in startedAt.map { b >= $0 } } ?? false
            for a in actors {
                let f = SuspiciousFile(time: now, path: path, reason: .encryptedContent(
                    entropy: stats.entropy, piErrorPercent: stats.piErrorPercent), pid: pid)
                if a.hasRead(path, since: horizon), !a.isOwn(path), !wasEncrypted {
                    // A file it read, now with encrypted-looking content. A new file under that name (born since the
                    // writer started: the close is named as the file is called now, after `mv f.tmp f`) replaced it.
                    var victim = f
                    if bornSinceWriterStarted { victim.reason = .replacedByRename(from: nil) }
                    if a.addVictim(victim) { changed.append(a) }
                } else {
                    if !a.isOwn(path), !bornSinceWriterStarted { a.noteUnreadEncrypted(f) }
                    a.noteOwn(path, now)
                    a.noteEncryptedOwn(path)
                }
                if a.addEncryptedWrite(time: now, pid: pid, path: path) { changed.append(a) }
            }
        case .rename:
            guard let dest = event.destinationPath else { break }
            let destWasEncrypted = alreadyEncrypted(dest), sourceWasEncrypted = alreadyEncrypted(path)
            if let t = encryptedLooking.removeValue(forKey: path) { encryptedLooking[dest] = t } else { encryptedLooking[dest] = nil }
            for a in actors {
                let readDest = a.hasRead(dest, since: horizon) && !a.isOwn(dest)
                let ownSource = a.isOwn(path)
                let encryptedSource = a.isEncryptedOwn(path)
                a.renamed(path, to: dest)
                if encryptedSource, readDest, !destWasEncrypted {
                    if a.addVictim(SuspiciousFile(time: now, path: dest, reason: .replacedByRename(from: path), pid: pid)) {
                        changed.append(a)
                    }
                } else if !ownSource, !sourceWasEncrypted, let (from, to) = Self.newExtension(from: path, to: dest) {
                    let f = SuspiciousFile(time: now, path: dest, reason: .renamedExtension(from: from, to: to), pid: pid)
                    if a.addPending(f, link: path) { changed.append(a) }
                }
            }
        case .delete:
            state.openForWrite.remove(path)
            let wasEncrypted = alreadyEncrypted(path)
            encryptedLooking[path] = nil
            for a in actors {
                let ownFile = a.isOwn(path)
                a.deleted(path)
                guard !ownFile, !wasEncrypted else { continue }
                if a.addPending(SuspiciousFile(time: now, path: path, reason: .deletedAfterRead, pid: pid), link: path) {
                    changed.append(a)
                }
            }
        default:
            break
        }
        return changed.isEmpty ? [] : alerts(for: changed, chain: actors, event: event)
    }

    /// Was `path` judged encrypted-looking by an earlier event? Sources deliver events in the order they happened
    /// (the live fanotify source translates its one queue in order) but stamp them coarsely (one time per read of
    /// the queue): the order of verdicts, not their stamps, says which came first.
    private func alreadyEncrypted(_ path: ByteString) -> Bool {
        encryptedLooking[path] != nil
    }

    private func noteVerdict(_ path: ByteString, encrypted: Bool, _ now: Int64) {
        guard encrypted else { encryptedLooking[path] = nil; return }
        if encryptedLooking.count >= 65536 {
            let horizon = now - options.windowMicros
            encryptedLooking = encryptedLooking.filter { $0.value >= horizon }
            if encryptedLooking.count >= 65536 { encryptedLooking.removeAll(keepingCapacity: true) }
        }
        encryptedLooking[path] = now
    }

    private func noteRead(_ path: ByteString, _ now: Int64, _ actors: [RansomwareActor], _ changed: inout [RansomwareActor]) {
        for a in actors {
            if let f = a.noteRead(path, now), a.addVictim(f) { changed.append(a) }
        }
    }

    /// The alert of the lowest actor whose victims grew past the threshold: the process, else its parent tree, else
    /// its grandparent tree. The trees above it then leave those victims to it.
    private func alerts(for changed: [RansomwareActor], chain: [RansomwareActor], event: Event) -> [Alert] {
        for (level, a) in chain.enumerated() where changed.contains(where: { $0 === a }) {
            // A tree alerts on work spread over its processes: when one of them did more than half, that one is the
            // offender (it alerts on its own at the threshold), not the parent that also runs its innocent siblings.
            let (files, most) = a.countedVictims()
            guard files.count >= options.threshold, !a.isTree || 2 * most <= files.count,
                  a.victimTotal - a.alertedAt >= options.threshold,
                  a.lastAlert.map({ event.time - $0 >= options.windowMicros }) ?? true else { continue }
            a.alertedAt = a.victimTotal
            a.lastAlert = event.time
            let members = Set(files.compactMap(\.pid) + [event.process.pid])
            for above in chain[(level + 1)...] { above.alertedMembers.formUnion(members) }
            return [makeAlert(event, actor: a, files: Array(files.suffix(options.threshold * 4)))]
        }
        return []
    }

    /// The process's state, created (and pinned) at its first event; after an exec (a new name) the same process
    /// keeps its state, a new process under the same pid gets a fresh one.
    private func state(for event: Event) -> ProcessState {
        let pid = event.process.pid
        if let s = processes[pid] {
            let renamed = s.name != event.process.name
                || (event.process.executable != nil && s.executable != nil && s.executable != event.process.executable)
            guard renamed else { return s }
            // Same pinned process after an exec? Then it keeps what it did.
            if let old = s.actor.identity, let now = pinner?.pin(pid: pid, at: event.time), now == old {
                s.name = event.process.name
                s.executable = event.process.executable
                s.actor.subject = event.process
                return s
            }
        }
        let pinned = pinner?.pin(pid: pid, at: event.time)
        let actor = RansomwareActor(identity: pinned, isTree: false, subject: pinned.map { merged($0.subject, event.process) } ?? event.process,
                                    window: options.windowMicros, limit: options.maxTrackedPaths)
        let s = ProcessState(actor: actor, trees: treesAbove(pinned: pinned, event: event),
                             name: event.process.name, executable: event.process.executable)
        processes[pid] = s
        return s
    }

    /// The subject as the event gave it, completed from the pin.
    private func merged(_ pinned: ProcessSubject, _ event: ProcessSubject) -> ProcessSubject {
        var s = event
        if s.ppid == nil { s.ppid = pinned.ppid }
        if s.executable == nil { s.executable = pinned.executable }
        return s
    }

    /// The trees a process's actions count in: its own (a shell's redirections are closed by the shell itself, its
    /// programs' files by them), its parent's and (when the parent does not lead a session) its grandparent's.
    private func treesAbove(pinned: PinnedProcess?, event: Event) -> [RansomwareActor] {
        let own = pinned.flatMap { $0.isProtected ? nil : tree($0) }
        return (own.map { [$0] } ?? []) + ancestorTrees(pinned: pinned, event: event)
    }

    private func ancestorTrees(pinned: PinnedProcess?, event: Event) -> [RansomwareActor] {
        guard let ppid = pinned?.ppid ?? event.process.ppid, ppid > 1 else { return [] }
        guard let pinner else {
            // A replay: the parent pid as the events give it (no grandparent known).
            let key = PinnedProcess(pid: ppid, startTime: 0, startedAt: 0, ppid: nil, subject: ProcessSubject(pid: ppid))
            return [tree(key)]
        }
        guard let parent = ancestor(ppid, at: event.time), !parent.isProtected else { return [] }
        var out = [tree(parent)]
        if !parent.isSessionLeader, let gp = parent.ppid, gp > 1,
           let grandparent = ancestor(gp, at: event.time), !grandparent.isProtected, !grandparent.isSessionLeader {
            out.append(tree(grandparent))
        }
        return out
    }

    /// A parent pinned for one of its children within the last second is not pinned again for the next (a script
    /// starting thousands of programs costs one pin per second, not one per program).
    private func ancestor(_ pid: Int32, at time: Int64) -> PinnedProcess? {
        if let (p, at) = recentAncestors[pid], time >= at, time - at < 1_000_000 { return p }
        guard let p = pinner?.pin(pid: pid, at: time) else { return nil }
        if recentAncestors.count >= 4096 { recentAncestors.removeAll(keepingCapacity: true) }
        recentAncestors[pid] = (p, time)
        return p
    }

    private func tree(_ p: PinnedProcess) -> RansomwareActor {
        if let t = trees[p] { return t }
        let t = RansomwareActor(identity: pinner == nil ? nil : p, isTree: true, subject: p.subject,
                                window: options.windowMicros, limit: options.maxTrackedPaths)
        trees[p] = t
        return t
    }

    private func judge(_ event: Event) -> (EncryptionTest.Verdict, Int64?)? {
        guard let reader else { return nil }
        switch reader.readPrefix(of: event, into: buffer) {
        case .success(let read):
            filesJudged += 1
            let verdict = options.test.judge(UnsafeRawBufferPointer(rebasing: buffer[..<min(read.count, buffer.count)]))
            if verdict.isEncrypted { filesEncrypted += 1 }
            return (verdict, read.birthTime)
        case .failure:
            contentUnavailable += 1
            return nil
        }
    }

    private func makeAlert(_ event: Event, actor: RansomwareActor, files: [SuspiciousFile]) -> Alert {
        let seconds = Double(files[files.count - 1].time - files[0].time) / 1_000_000
        var counts: [String: Int] = [:]
        for f in files { counts[f.reason.label, default: 0] += 1 }
        let detail = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let p = actor.subject
        var who = "\(p.name.isEmpty ? "?" : p.name.description) (pid \(p.pid)"
        if let exe = p.executable { who += ", \(exe)" }
        who += ")"
        if actor.isTree {
            let members = Set(files.compactMap(\.pid)).subtracting([p.pid]).count
            who += members == 0 ? " with the processes it ran" : " and \(members) process\(members == 1 ? "" : "es") it ran"
        }
        let secs = (seconds * 10).rounded() / 10
        let reason = "\(who) destroyed \(files.count) files like an encryptor within \(secs) s (\(detail))"
        return Alert(time: event.time, origin: .ransomware, severity: .critical, process: p, eventKind: event.kind,
                     path: event.path, destinationPath: event.destinationPath, reason: reason, evidence: files,
                     offender: actor.identity, offenderTree: actor.isTree)
    }

    /// Forgets processes idle for longer than the window with nothing open for writing, and idle trees.
    private func sweep(now: Int64) {
        eventsSinceSweep = 0
        let horizon = now - options.windowMicros
        processes = processes.filter { !$0.value.actor.isIdle(before: horizon) || !$0.value.openForWrite.isEmpty }
        trees = trees.filter { !$0.value.isIdle(before: horizon) }
        if processes.count >= options.maxActors { processes.removeAll(keepingCapacity: true) }
        if trees.count >= options.maxActors { trees.removeAll(keepingCapacity: true) }
    }
}
