// Replays recorded input read as a stream: eslogger JSON Lines, filewatcher's own JSON Lines
// (FileWatchCore.JSONLinesDecoder) and auditd's logs (FileWatchCore.AuditLogDecoder), from a file
// or standard input, and standard input whose format is recognized from its first bytes (BSM,
// eslogger, JSON Lines or Linux audit) — it cannot be
// looked at without being read, so the bytes read to recognize it are then decoded as the rest.

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

public final class StreamReplaySource: EventSource, SessionReporting {
    /// The path given (`-` for standard input), for messages.
    public let name: String
    private let path: String?
    /// `.eslogger`, `.json`, `.linuxAudit`, `.bsm`, or `.auto` (recognized from the first bytes).
    public let format: InputFormat
    /// Bytes per read.
    public var chunkSize = 256 * 1024
    /// For BSM input: decide records from their headers first (as TrailSource does).
    public var selection: HeaderSelection?
    /// The eslogger decoder (also when the format is not known yet: it is cheap).
    public let stream: EsloggerStream

    /// - Parameter path: a file, or `-` for standard input.
    public init(path: String, format: InputFormat) {
        self.name = path == "-" ? "standard input" : path
        self.path = path == "-" ? nil : path
        self.format = format
        self.stream = EsloggerStream(name: self.name)
    }

    /// What `.auto` turned out to be (set by `run`).
    private var recognizedFormat: InputFormat?

    /// `.trail` for BSM and for standard input not read yet (it is most often a trail).
    public var kind: SourceKind {
        switch recognizedFormat ?? format {
        case .eslogger: .eslogger
        case .linuxAudit: .auditLog
        default: .trail
        }
    }

    public var summaryLines: [String] { stream.summaryLines }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        let input = try ChunkedInput(path: path, name: name, chunkSize: chunkSize)
        var decoder: Decoder? = format == .auto ? nil : makeDecoder(format)
        var prefix: [UInt8] = []
        let ended = try input.read(until: stop, receiver: receiver) { chunk in
            if decoder == nil {
                prefix.append(contentsOf: chunk)
                guard let f = try recognized(prefix, atEnd: false) else { return }
                decoder = makeDecoder(f)
                prefix.withUnsafeBytes { decoder!.push($0, receiver, stop) }
                prefix = []
                return
            }
            decoder!.push(chunk, receiver, stop)
        }
        guard ended else { return }
        if decoder == nil, !prefix.isEmpty, let f = try recognized(prefix, atEnd: true) {
            decoder = makeDecoder(f)
            prefix.withUnsafeBytes { decoder!.push($0, receiver, stop) }
        }
        decoder?.finish(receiver)
    }

    /// The format of the first bytes; nil while more bytes may tell. Throws when they cannot be
    /// either format.
    private func recognized(_ prefix: [UInt8], atEnd: Bool) throws -> InputFormat? {
        if let f = InputFormat.recognize(prefix) { return f }
        let looksJSON = prefix.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) } == UInt8(ascii: "{")
        if !atEnd && (prefix.count < 16 || looksJSON && prefix.count < InputFormat.recognitionBytes) { return nil }
        throw SessionError.unrecognized(name, prefix: prefix)
    }

    private enum Decoder {
        case bsm(BSMStreamDecoder)
        case eslogger(EsloggerStream)
        case json(JSONLinesDecoder)
        case audit(AuditLogDecoder)

        mutating func push(_ bytes: UnsafeRawBufferPointer, _ receiver: EventReceiver, _ stop: StopToken) {
            switch self {
            case .bsm(var d):
                d.push(bytes, into: receiver, stop: stop)
                self = .bsm(d)
            case .eslogger(let s):
                s.push(bytes, into: receiver)
            case .json(var d):
                d.push(bytes, into: receiver, stop: stop)
                self = .json(d)
            case .audit(var d):
                d.push(bytes, into: receiver)
                self = .audit(d)
            }
        }

        mutating func finish(_ receiver: EventReceiver) {
            switch self {
            case .bsm(var d):
                d.finish(into: receiver)
                self = .bsm(d)
            case .eslogger(let s):
                s.finish(into: receiver)
            case .json(var d):
                d.finish(into: receiver)
                self = .json(d)
            case .audit(var d):
                d.finish(into: receiver)
                self = .audit(d)
            }
        }
    }

    private func makeDecoder(_ format: InputFormat) -> Decoder {
        recognizedFormat = format
        switch format {
        case .eslogger: return .eslogger(stream)
        case .json: return .json(JSONLinesDecoder(name: name))
        case .linuxAudit: return .audit(AuditLogReplay.makeDecoder(name: name))
        case .bsm, .auto:
            var d = BSMStreamDecoder(name: name, mapper: TrailSource.defaultMapper(source: .trail))
            d.selection = selection
            return .bsm(d)
        }
    }
}

/// A file, standard input or a pipe read in chunks until its end or a stop request; pipes and
/// terminals are polled so a stop request is seen promptly, and the receiver hears when the input
/// idles (pending output is then written).
struct ChunkedInput {
    let fd: FileDescriptor
    let owned: Bool
    let name: String
    let isRegular: Bool
    let chunkSize: Int
    var pollMilliseconds: Int32 = 200

    /// Opens `path` (read-only, close-on-exec, non-blocking), or takes standard input for nil.
    init(path: String?, name: String, chunkSize: Int) throws {
        if let path {
            do {
                fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking],
                                             retryOnInterrupt: true)
            } catch let e as Errno {
                throw SystemCallError("open", e, object: path)
            }
            owned = true
        } else {
            fd = .standardInput
            owned = false
        }
        self.name = name
        self.chunkSize = chunkSize
        do {
            isRegular = try Sys.isRegularFile(fd.rawValue).get("fstat", object: name)
        } catch {
            if owned { try? fd.close() }
            throw error
        }
    }

    /// A descriptor already open (a pipe from a child process); not closed here.
    init(fd: Int32, name: String, chunkSize: Int) {
        self.fd = FileDescriptor(rawValue: fd)
        self.owned = false
        self.name = name
        self.chunkSize = chunkSize
        self.isRegular = (try? Sys.isRegularFile(fd).get("fstat")) ?? false
    }

    /// Hands every chunk to `body` until the end of input (returns true) or a stop request
    /// (returns false). Closes the descriptor when it opened it.
    func read(until stop: StopToken, receiver: EventReceiver,
              _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        defer { if owned { try? fd.close() } }
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while !stop.isStopped {
            if !isRegular {
                var idled = false
                var readable = false
                while !stop.isStopped {
                    if try Sys.pollReadable(fd.rawValue, timeoutMS: pollMilliseconds).get("poll", object: name) {
                        readable = true
                        break
                    }
                    if !idled { receiver.sourceIdle(); idled = true }
                }
                if !readable { return false }
            }
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch Errno.wouldBlock {
                continue
            } catch let e as Errno {
                throw SystemCallError("read", e, object: name)
            }
            if n == 0 { return true }
            try chunk.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return false
    }
}
