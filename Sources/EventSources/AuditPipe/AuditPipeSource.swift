// The live source of macOS and FreeBSD: /dev/auditpipe, configured with ioctls (local
// preselection on the classes the selected events need, the largest queue the pipe allows),
// read whole records per read, drops reported as they grow. Everything but the executable
// lookup is the same Swift on every platform: given a FIFO or a file instead of the device, the
// ioctls are skipped (with a notice) and records are read as they come — that is how it is
// tested on Linux.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import FileWatchCore
import SystemPackage

public final class AuditPipeSource: EventSource {
    public static let defaultPath = "/dev/auditpipe"

    public let kind: SourceKind = .auditpipe
    public let path: String
    /// Preselection class mask (attributable and non-attributable, success and failure).
    public let classMask: UInt32
    /// Bytes per read: several whole records (a record is at most MAXAUDITDATA, 32 KiB).
    public var readSize = 1 << 20
    /// How long a wait for input lasts before the stop token and the drop counter are checked.
    public var pollMilliseconds: Int32 = 250
    public let mapper: BSMEventMapper
    private var executables: ExecutableLookup
    /// The last value of the pipe's drop counter (monotonic).
    public private(set) var drops: UInt64 = 0
    /// The queue limit set on the device (nil for a FIFO or file).
    public private(set) var queueLimit: UInt32?
    /// How often, while records flow, the drop counter is read (it is also read whenever the pipe
    /// goes idle and at the end).
    public var dropCheckInterval: Duration = .seconds(1)
    /// Tests stand in for the device's drop counter when reading a FIFO.
    var dropCounterForTesting: (() -> UInt64?)?

    public init(path: String = AuditPipeSource.defaultPath, classMask: UInt32,
                mapper: BSMEventMapper = TrailSource.defaultMapper(source: .auditpipe),
                executables: ExecutableLookup = ExecutableLookup()) {
        self.path = path
        self.classMask = classMask
        self.mapper = mapper
        self.executables = executables
    }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        // Non-blocking open: opening a FIFO with no writer yet must not hang past a stop request.
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking],
                                         retryOnInterrupt: true)
        } catch let e as Errno {
            throw SystemCallError("open", e, object: path,
                                  note: e == .permissionDenied || e == .notPermitted ? "reading the audit pipe needs root" : nil)
        }
        defer { try? fd.close() }

        let st = try Sys.fstat(fd.rawValue).get("fstat", object: path)
        let fileType = st.st_mode & S_IFMT
        let isDevice = fileType == S_IFCHR
        let isFIFO = fileType == S_IFIFO
        var dropCounter: (() -> UInt64?)? = dropCounterForTesting
        if isDevice {
            let control = AuditPipeControl(fd: fd.rawValue)
            queueLimit = try control.configure(classMask: classMask)
            dropCounter = { try? control.drops() }
        } else {
            receiver.notice(.info("\(path) is not a character device: auditpipe configuration skipped, reading records as they come"))
        }

        var decoder = BSMStreamDecoder(name: path, mapper: mapper)
        decoder.enrich = { [unowned self] event in self.fillExecutable(&event) }
        var buffer = [UInt8](repeating: 0, count: readSize)
        var sawInput = false
        let clock = ContinuousClock()
        var lastDropCheck = clock.now

        drops = dropCounter?() ?? 0
        func checkDrops() {
            guard let now = dropCounter?(), now > drops else { return }
            receiver.notice(.lost(count: now - drops, reason: "\(path) dropped \(now - drops) record\(now - drops == 1 ? "" : "s") (queue full; limit \(queueLimit.map(String.init) ?? "?"))"))
            drops = now
        }

        while !stop.isStopped {
            if try !Sys.pollReadable(fd.rawValue, timeoutMS: pollMilliseconds).get("poll", object: path) {
                receiver.sourceIdle()
                checkDrops()
                continue
            }
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch Errno.wouldBlock {
                continue
            } catch let e as Errno {
                throw SystemCallError("read", e, object: path)
            }
            if n == 0 {
                // A FIFO reads 0 both before its first writer and after its last one: only the
                // latter ends the stream. A device or file: end of input.
                if isFIFO && !sawInput {
                    // No writer yet, or one came and went without data: wait on.
                    var idle = timespec(tv_sec: 0, tv_nsec: Int(pollMilliseconds) * 1_000_000)
                    nanosleep(&idle, nil)
                    continue
                }
                break
            }
            sawInput = true
            buffer.withUnsafeBytes { decoder.push(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: receiver, stop: stop) }
            if dropCounter != nil, clock.now - lastDropCheck >= dropCheckInterval {
                lastDropCheck = clock.now
                checkDrops()
            }
        }
        checkDrops()
        decoder.finish(into: receiver)
    }

    /// Fills in the executable the records did not name, and keeps the per-pid lookup in step with
    /// exec and exit records.
    private func fillExecutable(_ event: inout Event) {
        let pid = event.process.pid
        switch event.kind {
        case .exec where event.result.succeeded:
            if let exe = event.process.executable { executables.learn(pid: pid, executable: exe.bytes) }
        case .exit:
            executables.forget(pid: pid)
            return
        default: break
        }
        if event.process.executable == nil, pid > 0, let exe = executables.executable(of: pid) {
            event.process.executable = ByteString(exe)
        }
    }
}
