// Replays a BSM audit trail (a file, or standard input `-`) through the event pipeline.
// Framing, damage reports and resynchronization come from BSM.RecordReader; the record → event
// mapping from FileWatchCore.BSMEventMapper.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import FileWatchCore
import SystemPackage

public final class TrailSource: EventSource {
    public let kind: SourceKind = .trail
    /// The path given (`-` for standard input), for messages.
    public let name: String
    private let path: String?
    /// Bytes per read.
    public var chunkSize = 256 * 1024
    /// How long to wait for input on a pipe or terminal before checking the stop token again.
    public var pollMilliseconds: Int32 = 200
    public let mapper: BSMEventMapper
    /// Decide from each record's header first (records it rejects are not decoded).
    public var selection: HeaderSelection?

    /// - Parameter path: a trail file, or `-` for standard input.
    public init(path: String, mapper: BSMEventMapper = TrailSource.defaultMapper(source: .trail)) {
        self.name = path == "-" ? "standard input" : path
        self.path = path == "-" ? nil : path
        self.mapper = mapper
    }

    /// A mapper using this host's errno numbers and the BSM event catalog.
    public static func defaultMapper(source: SourceKind) -> BSMEventMapper {
        BSMEventMapper(source: source, hostErrno: bsmErrnoToHost, eventName: bsmEventName)
    }

    /// Opens the trail (read-only, close-on-exec, non-blocking: opening a FIFO that has no writer
    /// yet must not block past a stop request); errors name the path.
    func openInput() throws -> (FileDescriptor, owned: Bool) {
        guard let path else { return (.standardInput, false) }
        do {
            let fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking],
                                             retryOnInterrupt: true)
            return (fd, true)
        } catch let e as Errno {
            throw SystemCallError("open", e, object: path)
        }
    }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        let (fd, owned) = try openInput()
        defer { if owned { try? fd.close() } }
        let isRegular = try Sys.isRegularFile(fd.rawValue).get("fstat", object: name)
        var decoder = BSMStreamDecoder(name: name, mapper: mapper)
        decoder.selection = selection
        var chunk = [UInt8](repeating: 0, count: chunkSize)

        while !stop.isStopped {
            if !isRegular {
                // Pipes and terminals: wait with a timeout so a stop request is seen promptly.
                guard try waitReadable(fd, stop: stop, receiver: receiver) else { break }
            }
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch Errno.wouldBlock {
                continue  // a FIFO without data (poll said readable for a writer that came and went)
            } catch let e as Errno {
                throw SystemCallError("read", e, object: name)
            }
            if n == 0 {
                // End of input (for a FIFO: its last writer closed; poll does not report a FIFO
                // that never had a writer, so that one is waited for).
                decoder.finish(into: receiver)
                return
            }
            chunk.withUnsafeBytes { decoder.push(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: receiver, stop: stop) }
        }
        decoder.stopped(into: receiver)
    }

    /// Waits until `fd` is readable or `stop` is set (then returns false).
    private func waitReadable(_ fd: FileDescriptor, stop: StopToken, receiver: EventReceiver) throws -> Bool {
        var idled = false
        while !stop.isStopped {
            if try Sys.pollReadable(fd.rawValue, timeoutMS: pollMilliseconds).get("poll", object: name) { return true }
            if !idled { receiver.sourceIdle(); idled = true }
        }
        return false
    }
}

/// Event number → short name (`AUE_OPEN_R`) from the embedded OpenBSM catalog, plus filewatcher's
/// own numbers (BSMSink). Names are built once per number.
public func bsmEventName(_ number: UInt16) -> String? { BSMEventNames.names[Int(number)] }

enum BSMEventNames {
    static let names: [String?] = {
        var n = [String?](repeating: nil, count: 65536)
        let own = Catalog(eventTable: FileWatcherBSMEvent.auditEventLines, classTable: "")
        for entries in [Catalog.embedded.events, own.events] {
            for e in entries where n[Int(e.number)] == nil { n[Int(e.number)] = e.nameString }
        }
        return n
    }()
}
