import FileWatchCore

/// The content of a file that was just written and closed, as the live source can read it without
/// racing a later rename or delete (Linux: the fanotify event's own descriptor). Valid only during
/// the inspector call it is passed to.
public protocol WrittenFileContent {
    /// Up to `maxBytes` from the start of the file; nil when it cannot be read.
    func prefix(_ maxBytes: Int) -> [UInt8]?
    /// The file's size in bytes, when known.
    var size: Int64? { get }
}

/// What the CLI may choose about the live source of this platform.
public struct LiveSourceOptions {
    /// Linux fanotify group layout: "fid" (default), "split" or "fd" (see `FanotifyOptions.Layout`).
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
    /// Called for every close-after-write event just before it is delivered, with its content.
    public var contentInspector: ((Event, any WrittenFileContent) -> Void)?

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
        let source = FanotifySource(options: o)
        if let inspector = options.contentInspector {
            source.contentInspector = { event, content in inspector(event, content) }
        }
        return source
        #else
        throw LiveSourceError.unavailable("live monitoring is not built for this platform yet; replay a trail with --read FILE")
        #endif
    }
}

#if os(Linux)
extension FanotifyFileContent: WrittenFileContent {}
#endif
