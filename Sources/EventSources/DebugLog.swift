// The `-d/--debug [FILE]` log: a swift-log handler writing one line per message to standard error
// or to a file opened without following symlinks (mode 0600, appended).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FileWatchCore
import Logging
import Synchronization

/// Serializes writes from every logger to one descriptor.
public final class DebugLogOutput: Sendable {
    private let writer: Mutex<FileDescriptorWriter>
    public init(writer: sending FileDescriptorWriter) { self.writer = Mutex(writer) }

    func write(_ line: String) {
        var l = line
        writer.withLock { w in
            l.withUTF8 { buf in try? w.write(UnsafeRawBufferPointer(buf)) }
        }
    }
}

/// `2026-11-25T17:10:47.123456Z debug filewatcher: message key=value ...`
public struct DebugLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public let label: String
    let output: DebugLogOutput

    public init(label: String, output: DebugLogOutput, level: Logger.Level = .debug) {
        self.label = label; self.output = output; self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let buf = OutputBuffer(writer: MemoryWriter(), lineBuffered: false, threshold: 0)
        buf.appendRFC3339(epochMicroseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
        var line = String(decoding: buf.bytes, as: UTF8.self)
        line += " \(event.level) \(label): \(event.message)"
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        for (k, v) in all.sorted(by: { $0.key < $1.key }) { line += " \(k)=\(v)" }
        output.write(escapedForTerminal(Array(line.utf8)) + "\n")
    }
}
