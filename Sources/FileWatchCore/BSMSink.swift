import BSM

// Writes events as an OpenBSM audit trail that praudit reads and `--read` replays to the same events.
//
// Layout: a `file` token at the start and at the end (as auditd writes), and per event one record:
//   header32 (event number, modifier, seconds, msec)
//   subject32 (auid, euid, egid, ruid, rgid, pid, sid 0, tid 0 0.0.0.0; unknown ids as 0xffffffff)
//   path [path]            the file, then the destination (rename, link)
//   [attr32]               only for directories (mode S_IFDIR), so `isDirectory` survives
//   [exec_args]            the command line when known
//   [arg32 "close_write"]  for close events whose write state is known (1 / 0)
//   [text "filewatcher exe=…"], [text "filewatcher name=…"], [text "filewatcher ppid=…"]
//                          process facts BSM has no token for (so names survive filtering; the
//                          format is `ProcessFacts`'s, which also reads them back)
//   [identity]             Apple code-signing identity, when known
//   return32 (BSM errno, 0)
//   trailer
//
// Event numbers: a BSM-derived event keeps its own number and modifier. Other sources use the
// standard numbers (open variants by flags, close, unlink/rmdir, rename, link, mkdir, creat,
// execve, exit, stat) and, where BSM has no kernel event (fanotify access, modify, attribute
// change), filewatcher's own numbers in the third-party range (`FileWatcherBSMEvent`), listed
// in doc/audit_event.filewatcher (same lines as `auditEventLines`) for praudit's event table (praudit prints unknown numbers as is).
// Times are whole milliseconds (the header's resolution).

/// filewatcher's own event numbers (third-party range 32768–65535, below OpenBSM's 43000+).
public enum FileWatcherBSMEvent {
    /// A read (fanotify FAN_ACCESS).
    public static let read: UInt16 = 34400
    /// A write (fanotify FAN_MODIFY).
    public static let write: UInt16 = 34401
    /// A metadata change (fanotify FAN_ATTRIB).
    public static let attrib: UInt16 = 34402
    /// Anything else without a BSM event number.
    public static let other: UInt16 = 34403

    /// audit_event(5) lines for these numbers.
    public static let auditEventLines = """
        34400:AUE_FW_READ:filewatcher - read:fr
        34401:AUE_FW_WRITE:filewatcher - write:fw
        34402:AUE_FW_ATTRIB:filewatcher - attribute change:fm
        34403:AUE_FW_OTHER:filewatcher - other:no

        """
}

public final class BSMSink: EventSink {
    public let output: OutputBuffer
    private let trailName: String
    private let bsmErrno: (Int32) -> UInt8
    private var started = false
    private var tokens: [Token] = []
    private var lastTime: Int64 = 0
    private var scratch: [UInt8] = []

    /// - Parameters:
    ///   - trailName: the name in the opening and closing `file` tokens.
    ///   - bsmErrno: host errno → BSM errno (return token status); nonzero for every failure.
    public init(output: OutputBuffer, trailName: String, bsmErrno: @escaping (Int32) -> UInt8) {
        self.output = output
        self.trailName = trailName
        self.bsmErrno = bsmErrno
        tokens.reserveCapacity(16)
    }

    /// The event number this event is written with.
    public static func eventNumber(for event: Event) -> (number: UInt16, modifier: UInt16) {
        if case .bsm(let number, _, let modifier) = event.detail { return (number, modifier) }
        switch event.kind {
        case .open:
            let f = event.openFlags
            if !f.contains(.read) && !f.contains(.write) { return (3, 0) }  // AUE_OPEN (attr only)
            var index: UInt16 = f.contains(.write) ? (f.contains(.read) ? 8 : 4) : 0
            if f.contains(.create) { index += 1 }
            if f.contains(.truncate) { index += 2 }
            return (72 + index, 0)  // AUE_OPEN_R … AUE_OPEN_RWTC
        case .read: return (FileWatcherBSMEvent.read, 0)
        case .write: return (FileWatcherBSMEvent.write, 0)
        case .close: return (112, 0)  // AUE_CLOSE
        case .create: return (event.isDirectory ? 47 : 4, 0)  // AUE_MKDIR / AUE_CREAT
        case .delete: return (event.isDirectory ? 48 : 6, 0)  // AUE_RMDIR / AUE_UNLINK
        case .rename: return (42, 0)  // AUE_RENAME
        case .link: return (5, 0)  // AUE_LINK
        case .attrib: return (FileWatcherBSMEvent.attrib, 0)
        case .stat: return (16, 0)  // AUE_STAT
        case .exec: return (23, 0)  // AUE_EXECVE
        case .exit: return (1, 0)  // AUE_EXIT
        case .other: return (FileWatcherBSMEvent.other, 0)
        }
    }

    private func fileToken(micros: Int64) {
        output.append(contentsOf: Self.fileToken(micros: micros, name: trailName))
    }

    /// A trail's opening or closing `file` token (as auditd writes them): time in whole
    /// milliseconds, the NUL-terminated name.
    public static func fileToken(micros: Int64, name: String) -> [UInt8] {
        let secs = micros / 1_000_000
        let ms = (micros % 1_000_000) / 1000
        var bytes = Array(name.utf8)
        bytes.append(0)
        var out: [UInt8] = []
        Token.file(FileToken(seconds: UInt32(truncatingIfNeeded: secs), milliseconds: UInt32(truncatingIfNeeded: ms),
                             name: BSMBytes(bytes))).encode(into: &out)
        return out
    }

    /// `value` without NUL bytes + the terminating NUL.
    private static func string(_ b: ByteString) -> BSMBytes { ProcessFacts.terminated(b.bytes, prefix: []) }

    private static let closeWriteText = BSMBytes(Array("close_write".utf8) + [0])

    public func write(_ event: Event) throws {
        if !started {
            fileToken(micros: event.time)
            started = true
        }
        lastTime = event.time
        let p = event.process
        tokens.removeAll(keepingCapacity: true)
        let none: UInt32 = 0xffff_ffff
        tokens.append(.subject32(Subject(auid: p.auid ?? none, euid: p.euid ?? none, egid: p.gid ?? none,
                                         ruid: p.uid ?? none, rgid: p.gid ?? none, pid: UInt32(bitPattern: p.pid),
                                         sid: 0, port: 0, address: .v4(0))))
        if let path = event.path { tokens.append(.path(Self.string(path))) }
        if let dest = event.destinationPath {
            if event.path == nil { tokens.append(.path(BSMBytes([0]))) }
            tokens.append(.path(Self.string(dest)))
        }
        if event.isDirectory {
            tokens.append(.attr32(Attr(mode: 0o040000, uid: p.uid ?? none, gid: p.gid ?? none, fsid: 0, nodeid: 0, device: 0)))
        }
        if let args = p.arguments {
            // NUL-separated strings as on the wire (a NUL inside an argument cannot be represented).
            var raw: [UInt8] = []
            raw.reserveCapacity(args.reduce(0) { $0 + $1.bytes.count + 1 })
            for a in args {
                for b in a.bytes where b != 0 { raw.append(b) }
                raw.append(0)
            }
            tokens.append(.execArgs(ExecStrings(count: UInt32(args.count), raw: BSMBytes(raw))))
        }
        if event.kind == .close, let cw = event.closeAfterWrite {
            tokens.append(.arg32(Arg(number: 1, value: cw ? 1 : 0, text: Self.closeWriteText)))
        }
        for text in ProcessFacts(of: p).texts { tokens.append(.text(text)) }
        if p.signingID != nil || p.teamID != nil || p.cdhash != nil {
            func z(_ s: String?) -> BSMBytes { BSMBytes(Array((s ?? "").utf8) + [0]) }
            tokens.append(.identity(Identity(signerType: 0, signingID: z(p.signingID), signingIDTruncated: 0,
                                             teamID: z(p.teamID), teamIDTruncated: 0,
                                             cdHash: BSMBytes(p.cdhash ?? []))))
        }
        let status: UInt8
        switch event.result {
        case .success: status = 0
        case .failure(let errno): status = errno.map(bsmErrno) ?? 255
        }
        tokens.append(.return32(ReturnToken(status: status, value: status == 0 ? 0 : 0xffff_ffff)))

        let (number, modifier) = Self.eventNumber(for: event)
        let secs = event.time >= 0 ? event.time / 1_000_000 : 0
        let ms = event.time >= 0 ? (event.time % 1_000_000) / 1000 : 0
        let record = RecordBuilder(kind: .header32, event: number, modifier: modifier, seconds: UInt64(secs),
                                   milliseconds: UInt64(ms), tokens: tokens)
        scratch.removeAll(keepingCapacity: true)
        record.encode(into: &scratch)
        output.append(contentsOf: scratch)
        try output.endOfEvent(time: event.time)
    }

    public func flush() throws { try output.flush() }

    /// Writes the closing `file` token and flushes.
    public func finish() throws {
        if started { fileToken(micros: lastTime) }
        started = false
        try output.flush()
    }
}
