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

    /// Opens the trail (read-only, close-on-exec); errors name the path.
    func openInput() throws -> (FileDescriptor, owned: Bool) {
        guard let path else { return (.standardInput, false) }
        do {
            let fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec], retryOnInterrupt: true)
            return (fd, true)
        } catch let e as Errno {
            throw SystemCallError("open", e, detail: path)
        }
    }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        let (fd, owned) = try openInput()
        defer { if owned { try? fd.close() } }
        let isRegular = try TrailSyscalls.isRegularFile(fd.rawValue).get("fstat", name)
        var decoder = BSMStreamDecoder(name: name, mapper: mapper)
        var chunk = [UInt8](repeating: 0, count: chunkSize)

        while !stop.isStopped {
            if !isRegular {
                // Pipes and terminals: wait with a timeout so a stop request is seen promptly.
                guard try waitReadable(fd, stop: stop, receiver: receiver) else { break }
            }
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch let e as Errno {
                throw SystemCallError("read", e, detail: name)
            }
            if n == 0 {
                decoder.finish(into: receiver)
                return
            }
            chunk.withUnsafeBytes { decoder.push(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: receiver, stop: stop) }
        }
    }

    /// Waits until `fd` is readable or `stop` is set (then returns false).
    private func waitReadable(_ fd: FileDescriptor, stop: StopToken, receiver: EventReceiver) throws -> Bool {
        var idled = false
        while !stop.isStopped {
            if try TrailSyscalls.pollReadable(fd.rawValue, timeoutMS: pollMilliseconds).get("poll", name) { return true }
            if !idled { receiver.sourceIdle(); idled = true }
        }
        return false
    }
}

/// The few raw calls of trail reading, as `Result`s (EINTR retried here, in one place); callers
/// turn them into throwing calls with `get(call, subject)`.
enum TrailSyscalls {
    /// Waits up to `timeoutMS` for `fd` to become readable (or hung up): true when it is.
    static func pollReadable(_ fd: Int32, timeoutMS: Int32) -> Result<Bool, Errno> {
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let rc = poll(&p, 1, timeoutMS)
            if rc >= 0 { return .success(rc > 0) }
            let e = Errno(rawValue: errno)
            if e != .interrupted { return .failure(e) }
        }
    }

    /// Whether `fd` is a regular file (then reads never block and need no polling).
    static func isRegularFile(_ fd: Int32) -> Result<Bool, Errno> {
        var st = stat()
        while fstat(fd, &st) != 0 {
            let e = Errno(rawValue: errno)
            if e != .interrupted { return .failure(e) }
        }
        return .success((st.st_mode & S_IFMT) == S_IFREG)
    }
}

extension Result where Failure == Errno {
    /// The value, or a `SystemCallError` naming the call and its subject.
    func get(_ call: String, _ subject: String) throws -> Success {
        switch self {
        case .success(let v): return v
        case .failure(let e): throw SystemCallError(call, e, detail: subject)
        }
    }
}

/// BSM errno → host errno number through libbsm's table (BSMErrno) and this host's errno names;
/// nil when the host has no such error.
public func bsmErrnoToHost(_ bsm: UInt8) -> Int32? { BSMErrnoMap.toHost[Int(bsm)] }

/// Host errno → BSM errno for the BSM sink (the inverse table); 255 when BSM has no number for it.
public func hostErrnoToBSM(_ host: Int32) -> UInt8 { BSMErrnoMap.toBSM[host] ?? 255 }

enum BSMErrnoMap {
    static let toHost: [Int32?] = (0..<256).map { n in
        guard let symbol = BSMErrno.entry(UInt8(n))?.symbol else { return nil }
        return SystemErrorText.codes["\(symbol)"]
    }
    static let toBSM: [Int32: UInt8] = {
        var m: [Int32: UInt8] = [:]
        for e in BSMErrno.table {
            guard let symbol = e.symbol, let host = SystemErrorText.codes["\(symbol)"] else { continue }
            if m[host] == nil { m[host] = e.bsm }
        }
        return m
    }()
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
