// The ransomware heuristic: per process, count the distinct files that look like victims within a sliding window.
// A file counts when the process
//   - wrote and closed it and its content looks encrypted (EncryptionTest: entropy and Monte-Carlo π over the
//     first ≤ 1 MiB; small files and known compressed/image formats skipped),
//   - renamed it to a new extension (`a.docx` → `a.docx.locked`, `a.docx` → `a.crypt`), or
//   - deleted it after reading it.
// Deleting after reading counts only next to one of the other two signals in the same window.
// `threshold` such files within `window` → one alert (again at most once per window while it goes on).

/// Tunables of the heuristic.
public struct RansomwareOptions: Sendable, Equatable {
    /// Files needed within the window (5).
    public var threshold: Int = 5
    /// Sliding window in microseconds (30 s).
    public var windowMicros: Int64 = 30_000_000
    public var test = EncryptionTest()
    /// Per-process memory bounds (paths read / opened for writing that are remembered).
    public var maxTrackedPaths = 1024

    public init(threshold: Int = 5, windowSeconds: Double = 30) {
        self.threshold = max(1, threshold)
        self.windowMicros = Int64(windowSeconds * 1_000_000)
    }
}

/// Reads the first bytes of the file an event names. Sources supply one: the fanotify source can read through
/// the event's own descriptor (no race with a later delete); trail and auditpipe sources open the path after
/// the close. Called synchronously while the event is being handled, on the pipeline's thread.
public protocol ContentReader: AnyObject {
    /// Fills `buffer` with up to `buffer.count` bytes from the start of the file of `event` (a close after write);
    /// returns the number of bytes read, or a reason why the content is not available.
    func readPrefix(of event: Event, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, ContentUnavailable>
}

/// Why content could not be read (counted in the summary; never fatal).
public struct ContentUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Per-process state and the heuristic itself. Not thread-safe: one pipeline thread calls it.
public final class RansomwareDetector {
    public let options: RansomwareOptions
    private let reader: ContentReader?
    private var buffer: UnsafeMutableRawBufferPointer

    private struct ProcessState {
        var name: ByteString
        var executable: ByteString?
        /// Flagged files in time order (a path appears once; re-flagging refreshes nothing).
        var flagged: [SuspiciousFile] = []
        var flaggedPaths: Set<ByteString> = []
        /// Paths this process read, with time (for delete-after-read).
        var read: [ByteString: Int64] = [:]
        /// Paths opened for writing and not yet closed (for sources without close-after-write detail).
        var openForWrite: Set<ByteString> = []
        /// Flagged-file count at the last alert (next alert after `threshold` more).
        var alertedAt = 0
        var lastAlert: Int64?
        var flaggedTotal = 0
        var lastSeen: Int64 = 0
    }
    private var processes: [Int32: ProcessState] = [:]
    private var eventsSinceSweep = 0

    /// Statistics for the summary.
    public private(set) var filesJudged = 0
    public private(set) var filesEncrypted = 0
    public private(set) var contentUnavailable = 0

    public init(options: RansomwareOptions = RansomwareOptions(), reader: ContentReader?) {
        self.options = options
        self.reader = reader
        buffer = .allocate(byteCount: max(options.test.maxBytes, 1), alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Feeds one event; returns an alert when this event pushes its process over the threshold.
    public func inspect(_ event: Event) -> Alert? {
        let pid = event.process.pid
        if event.kind == .exit { processes[pid] = nil; return nil }
        switch event.kind {
        case .open, .read, .write, .close, .rename, .delete: break
        default: return nil
        }
        guard event.result.succeeded, let path = event.path, !event.isDirectory else { return nil }

        eventsSinceSweep += 1
        if eventsSinceSweep >= 4096 { sweep(now: event.time) }

        // Taken out of the table while it is changed, so its collections are uniquely referenced (no copy).
        var state = processes.removeValue(forKey: pid) ?? ProcessState(name: event.process.name, executable: event.process.executable)
        // A different program under the same pid (pid reuse or exec): start over.
        if state.name != event.process.name || (event.process.executable != nil && state.executable != nil
                                                   && state.executable != event.process.executable) {
            state = ProcessState(name: event.process.name, executable: event.process.executable)
        }
        state.lastSeen = event.time
        var flag: SuspiciousFile?

        switch event.kind {
        case .open:
            if event.openFlags.contains(.write) { remember(&state.openForWrite, path) }
            if event.openFlags.contains(.read) { rememberRead(&state, path, event.time) }
        case .read:
            rememberRead(&state, path, event.time)
        case .write:
            remember(&state.openForWrite, path)
        case .close:
            let wrote: Bool
            switch event.closeAfterWrite {
            case true?: wrote = true
            case false?: wrote = false; rememberRead(&state, path, event.time)
            case nil: wrote = state.openForWrite.contains(path)
            }
            state.openForWrite.remove(path)
            if wrote, let verdict = judge(event), case .encrypted(let stats) = verdict {
                flag = SuspiciousFile(time: event.time, path: path,
                                      reason: .encryptedContent(entropy: stats.entropy, piErrorPercent: stats.piErrorPercent))
            }
        case .rename:
            guard let dest = event.destinationPath else { break }
            // Evidence follows the file to its new name.
            if state.flaggedPaths.remove(path) != nil {
                state.flaggedPaths.insert(dest)
                for i in state.flagged.indices where state.flagged[i].path == path { state.flagged[i].path = dest }
            }
            if let t = state.read.removeValue(forKey: path) { state.read[dest] = t }
            if let (from, to) = Self.newExtension(from: path, to: dest) {
                flag = SuspiciousFile(time: event.time, path: dest, reason: .renamedExtension(from: from, to: to))
            }
        case .delete:
            state.openForWrite.remove(path)
            if let t = state.read.removeValue(forKey: path), event.time - t <= options.windowMicros {
                flag = SuspiciousFile(time: event.time, path: path, reason: .deletedAfterRead)
            }
        default:
            break
        }

        var alert: Alert?
        if let flag {
            // Slide the window.
            let horizon = event.time - options.windowMicros
            if let firstKept = state.flagged.firstIndex(where: { $0.time >= horizon }), firstKept > 0 {
                for f in state.flagged[..<firstKept] { state.flaggedPaths.remove(f.path) }
                state.flagged.removeFirst(firstKept)
            } else if let last = state.flagged.last, last.time < horizon {
                state.flagged.removeAll(); state.flaggedPaths.removeAll()
            }
            if !state.flaggedPaths.contains(flag.path) {
                state.flagged.append(flag)
                state.flaggedPaths.insert(flag.path)
                state.flaggedTotal += 1
                // Deletes after reading are weak evidence (git rm, gzip, mv across filesystems do that): they count
                // only next to strong evidence (encrypted content or a new extension) in the same window.
                // After an alert, the same process alerts again only after `threshold` more files AND a whole
                // window later: a busy offender is reported once per window, not once per few files.
                if state.flagged.count >= options.threshold, state.flaggedTotal - state.alertedAt >= options.threshold,
                   state.lastAlert.map({ event.time - $0 >= options.windowMicros }) ?? true,
                   state.flagged.contains(where: { $0.reason.isStrong }) {
                    state.alertedAt = state.flaggedTotal
                    state.lastAlert = event.time
                    alert = makeAlert(event, state.flagged)
                }
            }
        }
        processes[pid] = state
        return alert
    }

    private func judge(_ event: Event) -> EncryptionTest.Verdict? {
        guard let reader else { return nil }
        switch reader.readPrefix(of: event, into: buffer) {
        case .success(let n):
            filesJudged += 1
            let verdict = options.test.judge(UnsafeRawBufferPointer(rebasing: buffer[..<min(n, buffer.count)]))
            if verdict.isEncrypted { filesEncrypted += 1 }
            return verdict
        case .failure:
            contentUnavailable += 1
            return nil
        }
    }

    private func makeAlert(_ event: Event, _ files: [SuspiciousFile]) -> Alert {
        let seconds = Double(files[files.count - 1].time - files[0].time) / 1_000_000
        var counts: [String: Int] = [:]
        for f in files { counts[f.reason.label, default: 0] += 1 }
        let detail = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let p = event.process
        var who = "\(p.name.isEmpty ? "?" : p.name.description) (pid \(p.pid)"
        if let exe = p.executable { who += ", \(exe)" }
        who += ")"
        let secs = (seconds * 10).rounded() / 10
        let reason = "possible ransomware: \(who) touched \(files.count) files like an encryptor within \(secs) s (\(detail))"
        return Alert(time: event.time, origin: .ransomware, severity: .critical, process: p, eventKind: event.kind,
                     path: event.path, destinationPath: event.destinationPath, reason: reason, evidence: files)
    }

    private func remember(_ set: inout Set<ByteString>, _ path: ByteString) {
        if set.count >= options.maxTrackedPaths { set.removeAll(keepingCapacity: true) }
        set.insert(path)
    }

    private func rememberRead(_ state: inout ProcessState, _ path: ByteString, _ time: Int64) {
        if state.read.count >= options.maxTrackedPaths {
            let horizon = time - options.windowMicros
            state.read = state.read.filter { $0.value >= horizon }
            if state.read.count >= options.maxTrackedPaths { state.read.removeAll(keepingCapacity: true) }
        }
        state.read[path] = time
    }

    /// Forgets processes idle for longer than the window with nothing pending.
    private func sweep(now: Int64) {
        eventsSinceSweep = 0
        let horizon = now - options.windowMicros
        processes = processes.filter { $0.value.lastSeen >= horizon || !$0.value.openForWrite.isEmpty }
    }

    /// When `to` keeps `from`'s name but with a new extension, the two extensions (without the dot):
    ///   appended  `a.docx` → `a.docx.locked`, `README` → `README.enc`
    ///   replaced  `a.docx` → `a.crypt`
    /// Not counted: removing a temporary suffix (`x.tmp` → `x`, `X.o-3RG-a92e` → `X.o-3RG`: the new name is a
    /// prefix of the old one), temp names renamed over a real file (`.a.docx.Xy12` → `a.docx`: stems differ),
    /// moves keeping the name, numbered rotation (`syslog` → `syslog.1`), backups (`.bak`, `.old`, `~`, …),
    /// replacing a temporary extension (`a.tmp` → `a.txt`), and "extensions" that do not look like one.
    public static func newExtension(from: ByteString, to: ByteString) -> (ByteString, ByteString)? {
        let a = Glob.basename(from.bytes), b = Glob.basename(to.bytes)
        guard !b.isEmpty, a != b else { return nil }
        // Dropping a suffix (temporary file → final name).
        if a.count > b.count, a.starts(with: b) { return nil }
        func split(_ n: [UInt8]) -> ([UInt8], [UInt8]) {
            // A leading dot is part of the stem (".bashrc" has no extension).
            guard let dot = n.lastIndex(of: UInt8(ascii: ".")), dot > 0, dot < n.count - 1 else { return (n, []) }
            return (Array(n[..<dot]), Array(n[(dot + 1)...]))
        }
        let (stemA, extA) = split(a), (stemB, extB) = split(b)
        guard Self.looksLikeExtension(extB), !Self.benignExtensions.contains(lowercased(extB)) else { return nil }
        if stemB == a { return (ByteString(extA), ByteString(extB)) }  // appended
        if stemB == stemA, !extA.isEmpty, lowercased(extA) != lowercased(extB), Self.looksLikeExtension(extA),
           !Self.temporaryExtensions.contains(lowercased(extA)) {
            return (ByteString(extA), ByteString(extB))  // replaced
        }
        return nil
    }

    /// 1–24 bytes of letters, digits, '_' or '-', not all digits, at least one letter.
    static func looksLikeExtension(_ e: [UInt8]) -> Bool {
        guard (1...24).contains(e.count) else { return false }
        var letters = 0
        for c in e {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): letters += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"): break
            default: return false
            }
        }
        return letters > 0
    }

    private static func lowercased(_ e: [UInt8]) -> [UInt8] {
        e.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
    }

    /// New extensions that mean "a copy/backup/rotation", not encryption.
    static let benignExtensions: Set<[UInt8]> = Set(["bak", "backup", "old", "orig", "save", "sav", "prev", "tmp", "temp",
                                                     "swp", "lock", "new", "dpkg-old", "dpkg-new", "dpkg-dist", "ucf-old",
                                                     "rpmsave", "rpmnew", "gz", "bz2", "xz", "zst"].map { Array($0.utf8) })
    /// Old extensions of files that are renamed to their final name when complete.
    static let temporaryExtensions: Set<[UInt8]> = Set(["tmp", "temp", "part", "partial", "crdownload", "download",
                                                        "new", "swp", "swx", "lock", "inprogress", "filepart"].map { Array($0.utf8) })
}
