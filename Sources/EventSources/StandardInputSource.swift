// `--read -` without --input: the format is recognized from the first bytes that arrive (a pipe
// cannot be looked at without reading it), and those bytes are the decoder's first chunk.

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

public final class StandardInputSource: EventSource {
    public private(set) var kind: SourceKind = .trail
    public let name = "standard input"
    private let fd: FileDescriptor
    public var chunkSize = 256 * 1024
    public var pollMilliseconds: Int32 = 200

    /// - Parameter fd: standard input, or another stream (tests).
    public init(fd: FileDescriptor = .standardInput) { self.fd = fd }

    enum Decoder {
        case bsm(BSMStreamDecoder)
        case audit(AuditLogDecoder)
    }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        let isRegular = try Sys.isRegularFile(fd.rawValue).get("fstat", object: name)
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var head: [UInt8] = []
        var decoder: Decoder?
        var ended = false
        while !stop.isStopped {
            if !isRegular {
                var idled = false, ready = false
                while !stop.isStopped {
                    if try Sys.pollReadable(fd.rawValue, timeoutMS: pollMilliseconds).get("poll", object: name) { ready = true; break }
                    if !idled { receiver.sourceIdle(); idled = true }
                }
                if !ready { break }
            }
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch Errno.wouldBlock {
                continue
            } catch let e as Errno {
                throw SystemCallError("read", e, object: name)
            }
            if n == 0 { ended = true; break }
            if decoder == nil {
                head += chunk.prefix(n)
                guard head.count >= 16 else { continue }
                decoder = try choose(head)
                feed(&decoder!, head, receiver)
                head = []
                continue
            }
            feed(&decoder!, Array(chunk.prefix(n)), receiver)
        }
        if decoder == nil, !head.isEmpty {
            decoder = try choose(head)
            feed(&decoder!, head, receiver)
        }
        switch decoder {
        case .bsm(var b)?: if ended { b.finish(into: receiver) }  // stopped: a partial record is no damage
        case .audit(var a)?: a.finish(into: receiver)
        case nil: break
        }
    }

    private func choose(_ head: [UInt8]) throws -> Decoder {
        switch InputFormat.recognize(head) {
        case .linuxAudit:
            kind = .auditLog
            return .audit(AuditLogSource.makeDecoder(name: name))
        case .bsm:
            return .bsm(BSMStreamDecoder(name: name, mapper: TrailSource.defaultMapper(source: .trail)))
        case .auto, nil:
            let shown = head.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
            throw SessionError("\(name): not a recognized recording (first bytes \(shown)); known formats: "
                + InputFormat.allCases.filter { $0 != .auto }.map(\.rawValue).joined(separator: ", ")
                + " (choose one with --input)")
        }
    }

    private func feed(_ decoder: inout Decoder, _ bytes: [UInt8], _ receiver: EventReceiver) {
        switch decoder {
        case .bsm(var b):
            bytes.withUnsafeBytes { b.push($0, into: receiver) }
            decoder = .bsm(b)
        case .audit(var a):
            bytes.withUnsafeBytes { a.push($0, into: receiver) }
            decoder = .audit(a)
        }
    }
}
