import FileWatchCore

/// What the CLI may choose about the live source of this platform.
public struct LiveSourceOptions {
    /// Linux fanotify group layout: "fid" (the default and only one; see `FanotifyOptions.Layout`).
    public var layout: String?
    /// Use the kernel's unlimited event queue (default) instead of its bounded one.
    public var unlimitedQueue = true
    /// Bytes per read of the kernel queue (nil: the source's default).
    public var readBufferSize: Int?
    /// Wait this long after a busy wake-up before reading again (batching; nil: the source's default).
    public var batchDelayMicroseconds: Int?
    /// Only these kinds are requested from the kernel (nil: all it can report).
    public var kinds: Set<EventKind>?
    /// Files whose events are never reported (our output and log files).
    public var ignoredPaths: [String] = []
    /// Watch only the filesystems holding these absolute paths (nil: every real filesystem).
    public var paths: [String]?
    /// The kinds the user asked to see (`--event`, or every kind with `-a`), to say which ones this
    /// source cannot give; nil: the basic kinds.
    public var askedKinds: Set<EventKind>?
    /// Only failed operations were asked for (`--failed`).
    public var failuresOnly = false
    /// The debug log: what the source set up.
    public var debug: (@Sendable (String) -> Void)?

    public init() {}
}

public enum LiveSourceError: Error, CustomStringConvertible {
    case unavailable(String)
    public var description: String {
        switch self { case .unavailable(let text): return text }
    }
}

/// The live source of this platform.
public enum LiveSource {
    /// Why `--fanotify-layout NAME` cannot be used, in one sentence; nil when it can.
    public static func layoutProblem(_ name: String) -> String? {
        #if os(Linux)
        if FanotifyOptions.Layout(rawValue: name) != nil { return nil }
        let known = FanotifyOptions.Layout.allCases.map(\.rawValue).joined(separator: ", ")
        if let reason = FanotifyOptions.removedLayouts[name] {
            return "--fanotify-layout \(name) was removed: \(reason); use \(known) (the default)."
        }
        return "--fanotify-layout must be \(known)."
        #else
        return nil
        #endif
    }

    public static func make(_ options: LiveSourceOptions) throws -> EventSource {
        #if os(Linux)
        try FanotifySource.checkAvailable()
        var o = FanotifyOptions()
        if let name = options.layout {
            if let problem = layoutProblem(name) { throw LiveSourceError.unavailable(problem) }
            o.layout = FanotifyOptions.Layout(rawValue: name)!
        }
        if let sentence = FanotifyPlan.unavailable(kinds: options.askedKinds ?? [], failures: options.failuresOnly) {
            // Nothing could ever be shown: say so instead of watching in vain.
            if options.failuresOnly || (options.askedKinds.map { $0.isDisjoint(with: FanotifyOptions.reportableKinds) } ?? false) {
                throw LiveSourceError.unavailable(sentence + ".")
            }
            o.notes.append(sentence)
        }
        o.unlimitedQueue = options.unlimitedQueue
        if let size = options.readBufferSize { o.readBufferSize = size }
        if let delay = options.batchDelayMicroseconds { o.batchDelayMicroseconds = delay }
        if let kinds = options.kinds {
            o.kinds = kinds.intersection(FanotifyOptions.reportableKinds)
        }
        o.ignoredPaths = options.ignoredPaths
        o.debug = options.debug
        o.paths = options.paths
        return FanotifySource(options: o)
        #else
        throw LiveSourceError.unavailable("live monitoring is not built for this platform yet; replay a trail with --read FILE")
        #endif
    }
}
