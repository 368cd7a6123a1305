#if os(Linux)
import Glibc
import CShims
import FileWatchCore

/// How the fanotify source is set up.
public struct FanotifyOptions: Sendable {
    /// Which groups report what. Only layouts whose every event carries the path it had when it happened
    /// and the process that did it are offered.
    public enum Layout: String, Sendable, CaseIterable {
        /// One group reporting every event with its directory's handle and the entry's name as they were
        /// at that moment (FAN_REPORT_DFID_NAME) and the entry's own handle (FAN_REPORT_TARGET_FID):
        /// one queue, translated in the order things happened (`FanotifyPlan`).
        case fid
    }

    /// Layouts offered before, and why they are not any more (`--fanotify-layout`).
    public static let removedLayouts: [String: String] = [
        "hybrid": "it named open/read/write/close from a second kernel queue whose order against renames is unknown (90.6 % of the oracle's events exact)",
        "split": "it named open/read/write/close by descriptor when the event was read, not when it happened",
        "fd": "it reported no create, delete or rename, and paths as they were when the event was read",
    ]

    public var layout: Layout = .fid
    /// Which kinds to show (nil: every kind this source reports). What attribution needs is asked of the
    /// kernel anyway.
    public var kinds: Set<EventKind>?
    /// FAN_UNLIMITED_QUEUE (default). When false the kernel's bounded queue (fs.fanotify.max_queued_events)
    /// is used and overflows are reported.
    public var unlimitedQueue = true
    /// Bytes per read(2) of a group.
    public var readBufferSize = 256 * 1024
    /// After a wake-up that found events, wait this long before reading again so that events arrive in
    /// larger batches (fewer system calls; the kernel merges a process's repeated events on one file
    /// meanwhile). 0: read at once.
    public var batchDelayMicroseconds = 5_000
    /// Files whose events are never reported (ignore marks): the output and log files. Regular files this
    /// process has open for writing when the source starts are added automatically.
    public var ignoredPaths: [String] = []
    /// Watch only the filesystems holding these paths (nil: every real filesystem). Execs are followed on
    /// every filesystem anyway (attribution).
    public var paths: [String]?
    /// Lines delivered as notices when the source starts (e.g. kinds asked for that it cannot give).
    public var notes: [String] = []
    /// The debug log (`-d`): what was set up (kernel features, groups, marks, layout, fallbacks).
    public var debug: (@Sendable (String) -> Void)?

    public init() {}

    /// The kinds this source can report.
    public static let reportableKinds = FanotifyPlan.namedKinds
}

/// Live file events from Linux fanotify: every real filesystem, every event with the path it had when it
/// happened and the process image that made the call.
///
/// Each wake-up reads a window (everything queued), places the directories it mentions
/// (`FanotifyNaming`), reads again when handles had to be resolved (renames racing the resolution), and
/// translates the window in queue order (`FanotifyTranslator`). On stop, what is queued is read and
/// delivered before returning.
public final class FanotifySource: EventSource {
    public var kind: SourceKind { .fanotify }
    public let options: FanotifyOptions

    /// One-line remarks about fallbacks and unwatched filesystems, also delivered as `.info` notices.
    public private(set) var remarks: [String] = []
    /// Events read from the kernel (before expansion into kinds).
    public private(set) var kernelEventCount: UInt64 = 0
    /// Queue overflows seen (each one means the kernel dropped events).
    public var overflowCount: UInt64 { translator?.overflows ?? 0 }
    /// Events delivered without a path (their directory could not be placed).
    public var withoutPathCount: UInt64 { translator?.withoutPath ?? 0 }
    /// The filesystems being watched (mount points).
    public var watchedMountPoints: [String] { marker?.watchedMountPoints ?? [] }

    private var lentReader: LentDescriptorContentReader?
    private var marker: FanotifyMarker?
    private var translator: FanotifyTranslator?
    private var processes: ProcessModel?
    private var events: FanotifyGroup?
    private let window = FanotifyWindow()
    private var facts = WindowFacts()
    private var epollFD: Int32 = -1
    private var reportedFeedOverflows = 0
    private var reportedWithoutPath: UInt64 = 0

    public init(options: FanotifyOptions = FanotifyOptions()) {
        self.options = options
    }

    deinit {
        if epollFD >= 0 { _ = Sys.close(epollFD) }
    }

    /// Fails early, with one clear sentence, when fanotify cannot be used at all (not root, no fanotify).
    public static func checkAvailable() throws {
        _ = try FanotifyCapabilities.probe()
    }

    /// Creates the groups and marks every watched filesystem. `run` calls it when needed; call it
    /// yourself to start queueing events before the loop runs.
    public func prepare() throws {
        if marker != nil { return }
        FanotifyDescriptorEvents.raiseDescriptorLimit()
        let capabilities = try FanotifyCapabilities.probe()
        let plan = FanotifyPlan.make(kinds: options.kinds, closeWriteDescriptors: lentReader != nil,
                                     unlimitedQueue: options.unlimitedQueue, capabilities: capabilities)
        remarks += options.notes + plan.remarks
        let debug = options.debug ?? { _ in }
        debug("fanotify: kernel \(kernelRelease()): names (FAN_REPORT_DFID_NAME, Linux 5.9) \(capabilities.reportsNames ? "yes" : "no"), entry handles and one rename event (FAN_REPORT_TARGET_FID, FAN_RENAME, Linux 5.17) \(capabilities.reportsTargets ? "yes" : "no")")
        debug("fanotify: layout \(options.layout.rawValue), queue \(options.unlimitedQueue ? "unlimited" : "bounded (fs.fanotify.max_queued_events)"), read buffer \(options.readBufferSize) bytes, batch delay \(options.batchDelayMicroseconds) µs, kinds shown: \(EventKind.allCases.filter(plan.shownKinds.contains).map(\.rawValue).joined(separator: ","))")
        for (index, group) in plan.groups.enumerated() {
            debug("fanotify: group \(index) (\(group.role)): reporting \(group.reporting), init flags 0x\(String(group.flags.rawValue, radix: 16)), mask 0x\(String(group.mask.rawValue, radix: 16)) on watched filesystems, 0x\(String(group.outsideMask.rawValue, radix: 16)) on the others")
        }
        for text in plan.remarks { debug("fallback: " + text) }
        let resolver = HandleResolver()
        let tree = DirectoryTree()
        let marker = FanotifyMarker(plan: plan, scope: options.paths, ignoredPaths: options.ignoredPaths) { path in
            if let key = resolver.addMount(path) { tree.addRoot(key: key, path: Array(path.utf8)) }
        }
        // Process events first: a process born from now on is followed from its fork.
        let processes = ProcessModel()
        do {
            processes.feed = try ProcessEventFeed()
            debug("process events: the kernel's proc connector (fork, exec, uid change, exit)")
        } catch {
            remarks.append("process events unavailable (\(error)): a process that exits before its first event is read, or execs right after it, may lack its name and ids")
            debug("fallback: process events unavailable (\(error)): processes are read from /proc when first seen")
        }
        processes.start()
        debug("processes: \(processes.count) running at the start, read from /proc")
        try marker.setUp()
        for line in marker.takeSetupLog() { debug(line) }
        let marks = marker.takeRemarks()
        for text in marks { debug("fallback: " + text) }
        remarks += marks
        debug("fanotify: watching \(marker.watchedMountPoints.count) filesystem(s): \(marker.watchedMountPoints.joined(separator: ", "))\(options.ignoredPaths.isEmpty ? "" : "; ignore marks on \(options.ignoredPaths.joined(separator: ", "))")")
        let translator = FanotifyTranslator(naming: FanotifyNaming(tree: tree, resolver: resolver), processes: processes,
                                            shownKinds: plan.shownKinds, ownPID: getpid())
        if let reader = lentReader, let index = plan.groups.firstIndex(where: { $0.role == .closeWriteDescriptors }) {
            translator.lender = CloseWriteLender(group: marker.groups[index], reader: reader, bufferSize: 64 * 1024)
        }
        epollFD = try Sys.epollCreate().get("epoll_create1")
        events = marker.groups[plan.groups.firstIndex { $0.role == .events }!]
        for group in [events, marker.descriptorFallback].compactMap({ $0 }) {
            try Sys.epollAdd(epollFD, group.fd, data: 0).get("epoll_ctl")
        }
        self.marker = marker
        self.processes = processes
        self.translator = translator
    }

    // MARK: The loop

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        try prepare()
        for text in remarks { receiver.notice(.info(text)) }
        // Scripts wait for this line: from now on every event is queued.
        let count = watchedMountPoints.count
        receiver.notice(.info("watching \(count) filesystem\(count == 1 ? "" : "s") (layout \(options.layout.rawValue))"))
        var ready = [UInt64](repeating: 0, count: 8)
        var lastRescan = monotonicSeconds()
        while !stop.isStopped {
            let n = try ready.withUnsafeMutableBufferPointer { Sys.epollWait(epollFD, into: $0, timeoutMS: 200) }
                .get("epoll_wait")
            if monotonicSeconds() - lastRescan >= 1, let marker {
                marker.rescan()  // filesystems mounted since
                for line in marker.takeSetupLog() { options.debug?(line) }
                for text in marker.takeRemarks() { remarks.append(text); receiver.notice(.info(text)) }
                lastRescan = monotonicSeconds()
            }
            if n == 0 {
                processes?.drainFeed()  // keep the socket from overflowing while no file events come
                receiver.sourceIdle()   // idle: pending output reaches its file
                continue
            }
            let read = try drainWindow(receiver, stop: stop)
            if read && options.batchDelayMicroseconds > 0 && !stop.isStopped {
                usleep(UInt32(options.batchDelayMicroseconds))
            }
        }
        // Stopped: what the kernel queued before the stop is still delivered (under endless load, for
        // at most two seconds).
        let deadline = monotonicSeconds() + 2
        while try drainWindow(receiver, stop: nil), monotonicSeconds() < deadline {}
    }

    /// Reads and translates one window; false when nothing was queued. `stop`: under endless load a
    /// window is cut at a size and the rest read in the next one.
    private func drainWindow(_ receiver: EventReceiver, stop: StopToken?) throws -> Bool {
        guard let events, let translator, let processes else { return false }
        processes.drainFeed()  // births first: a process gone before its events are read is known from its fork
        reportFeedOverflows(receiver)
        window.reset()
        facts.reset()
        translator.naming.beginWindow()
        let size = max(options.readBufferSize, 8192)
        var total = try readUntilEmpty(events, size: size, limit: 64 * size)
        let fallbackRead = try drainDescriptorFallback(receiver)
        if total == 0 {
            window.shrink(to: 1 << 20)
            return fallbackRead
        }
        processes.readTicks = ProcReader().bootTicks()
        facts.scan(window)
        translator.naming.prepare(window, facts)
        // Handles were resolved: renames that raced the resolution are queued by now.
        var rounds = 0
        while translator.naming.needsRead && rounds < 4 {
            let more = try readUntilEmpty(events, size: size, limit: 64 * size)
            total += more
            rounds += 1
            facts.scan(window)
            translator.naming.prepare(window, facts)
            if more == 0 { break }
        }
        kernelEventCount &+= UInt64(window.events.count)
        for text in window.damage { receiver.notice(.lost(count: nil, reason: text)) }
        translator.lender?.absorb()
        translator.translate(window, facts, time: realtimeMicroseconds(), into: receiver)
        translator.flushPendingMove(receiver)
        translator.naming.endWindow()
        processes.endWindow()
        translator.lender?.endWindow()
        // Said when the count of events without a path grows (a directory that could not be placed
        // but whose events all got paths otherwise is nothing to report).
        if translator.withoutPath > reportedWithoutPath {
            reportedWithoutPath = translator.withoutPath
            receiver.notice(.info("fanotify: \(translator.withoutPath) event(s) so far without a path: their directory was gone before it could be placed"))
        }
        return true
    }

    /// Reads `group` into the window until it is empty or `limit` bytes were read.
    private func readUntilEmpty(_ group: FanotifyGroup, size: Int, limit: Int) throws -> Int {
        var total = 0
        while total < limit {
            let n = try window.read(from: group.fd, size: size)
            total += n
            if n < size - 4096 { break }  // the queue was emptied by this read
        }
        return total
    }

    /// A filesystem that cannot report handles: its events by descriptor, path as at the read.
    private func drainDescriptorFallback(_ receiver: EventReceiver) throws -> Bool {
        guard let group = marker?.descriptorFallback, let translator, let processes else { return false }
        return try FanotifyDescriptorEvents.drain(group, translator: translator, processes: processes, into: receiver)
    }

    private func reportFeedOverflows(_ receiver: EventReceiver) {
        guard let overflows = processes?.feed?.overflows, overflows > reportedFeedOverflows else { return }
        reportedFeedOverflows = overflows
        receiver.notice(.info("process events lost (the kernel's proc-connector socket overflowed, \(overflows) time(s)): some processes that exited before their first event was read get no name or ids"))
    }
}

/// `uname -r`.
private func kernelRelease() -> String {
    var names = utsname()
    guard uname(&names) == 0 else { return "?" }
    return withUnsafeBytes(of: names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}

extension FanotifySource: ContentProvidingSource {
    /// Reads the content of written-and-closed files for detection through a descriptor of the file as
    /// it was closed (`CloseWriteLender`; set up when this is first asked for, before `run`). Other
    /// events fall back to opening the path.
    public var contentReader: ContentReader {
        if let lentReader { return lentReader }
        let reader = LentDescriptorContentReader()
        lentReader = reader
        return reader
    }
}
#endif
