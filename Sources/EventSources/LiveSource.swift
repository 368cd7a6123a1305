import FileWatchCore

/// What the CLI may choose about the live source of this platform.
public struct LiveSourceOptions {
    /// Linux fanotify group layout: "hybrid" (default), "fid", "split" or "fd" (see `FanotifyOptions.Layout`).
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
    public static func make(_ options: LiveSourceOptions) throws -> EventSource {
        #if os(Linux)
        try FanotifySource.checkAvailable()
        var o = FanotifyOptions()
        if let name = options.layout {
            guard let layout = FanotifyOptions.Layout(rawValue: name) else {
                throw LiveSourceError.unavailable("unknown fanotify layout '\(name)' (known: \(FanotifyOptions.Layout.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            o.layout = layout
        }
        o.unlimitedQueue = options.unlimitedQueue
        if let size = options.readBufferSize { o.readBufferSize = size }
        if let delay = options.batchDelayMicroseconds { o.batchDelayMicroseconds = delay }
        if let kinds = options.kinds {
            o.kinds = kinds.intersection(FanotifyOptions.reportableKinds)
        }
        o.ignoredPaths = options.ignoredPaths
        o.paths = options.paths
        return FanotifySource(options: o)
        #else
        throw LiveSourceError.unavailable("live monitoring is not built for this platform yet; replay a trail with --read FILE")
        #endif
    }
}
