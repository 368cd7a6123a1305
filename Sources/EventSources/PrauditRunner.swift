// `filewatcher print`'s I/O: reads trail files or stdin in large chunks, feeds BSM's
// PrauditStream, writes the text to stdout in large writes and reports damage on stderr.

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

/// Reads an input (a file path, or stdin) in large chunks.
public struct TrailChunkReader {
    public static let defaultChunkSize = 4 << 20

    private let fd: FileDescriptor
    private let ownsDescriptor: Bool
    private let chunkSize: Int

    /// Opens `path` for reading; nil means standard input.
    public init(path: String?, chunkSize: Int = TrailChunkReader.defaultChunkSize) throws(Errno) {
        if let path {
            do { fd = try FileDescriptor.open(FilePath(path), .readOnly) } catch let e as Errno { throw e } catch { throw Errno.ioError }
            ownsDescriptor = true
        } else {
            fd = .standardInput
            ownsDescriptor = false
        }
        self.chunkSize = max(chunkSize, 4096)
    }

    /// Waits until there is something to read (or the end of input), checking `stop` every
    /// `pollMilliseconds`; false when stopped first. Regular files are always ready.
    public func waitReadable(stop: StopToken, pollMilliseconds: Int32 = 200) throws(Errno) -> Bool {
        if isRegular { return !stop.isStopped }
        while !stop.isStopped {
            switch Sys.pollReadable(fd.rawValue, timeoutMS: pollMilliseconds) {
            case .success(true): return true
            case .success(false): continue
            case .failure(let e): throw e
            }
        }
        return false
    }

    /// The next chunk (read(2), EINTR retried by swift-system), or nil at end of input.
    /// Regular files fill whole chunks; pipes and terminals hand on what they have.
    public func next() throws(Errno) -> [UInt8]? {
        var failure: Errno? = nil
        let regular = isRegular
        let size = chunkSize
        let fd = self.fd
        let chunk = [UInt8](unsafeUninitializedCapacity: size) { buf, n in
            n = 0
            while n < size {
                let r: Int
                do {
                    r = try fd.read(into: UnsafeMutableRawBufferPointer(start: buf.baseAddress! + n, count: size - n))
                } catch {
                    failure = (error as? Errno) ?? .ioError
                    return
                }
                if r == 0 { break }
                n += r
                if !regular { break }
            }
        }
        if let failure { throw failure }
        return chunk.isEmpty ? nil : chunk
    }

    private var isRegular: Bool {
        var st = stat()
        return fstat(fd.rawValue, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    public func close() {
        if ownsDescriptor { try? fd.close() }
    }
}

/// Runs `print` over files (or stdin) and returns the exit status: 0 when everything was
/// printed, 1 when anything was skipped or a file could not be read.
public struct PrauditRunner {
    public var options: PrintOptions
    public var partialStart: Bool
    public var events: [PrinterEvent]
    /// Program name for messages.
    public var programName: String

    public init(options: PrintOptions, partialStart: Bool, events: [PrinterEvent], programName: String = "filewatcher print") {
        self.options = options
        self.partialStart = partialStart
        self.events = events
        self.programName = programName
    }

    /// - Parameter stop: set (by SIGINT/SIGTERM) to end early: the damage read so far is still
    ///   reported, and the status is still 1 when anything was skipped.
    public func run(files: [String], output: FileDescriptorWriter = .standardOutput(),
                    errors: FileDescriptorWriter = .standardError(), stop: StopToken = StopToken()) -> Int32 {
        var status: Int32 = 0
        let names: IdentityNames = (options.raw || options.numeric) ? NoIdentityNames() : SystemIdentityNames()
        let printer = PrauditPrinter(options: options, events: events, names: names,
                                     time: SystemLocalTime(), errors: SystemErrorText(),
                                     output: OutputBuffer(capacity: 1 << 20))
        let out = printer.out
        let flushThreshold = 1 << 20

        func report(_ text: String) {
            var t = text + "\n"
            t.withUTF8 { try? errors.writeAll(UnsafeRawBufferPointer($0)) }
        }
        func flush() -> Bool {
            do { try output.writeAll(out.bytes) } catch {
                report("\(programName): \(error)")
                return false
            }
            out.removeAll()
            return true
        }

        printer.beginStream()
        let inputs: [String?] = files.isEmpty ? [nil] : files.map { Optional($0) }
        outer: for input in inputs {
            let label = input ?? "(stdin)"
            let reader: TrailChunkReader
            do { reader = try TrailChunkReader(path: input) } catch {
                report("\(programName): \(label): \(error)")
                status = 1
                continue
            }
            defer { reader.close() }
            var stream = PrauditStream(printer: printer, partialStart: partialStart)
            let problem: (PrintProblem) -> Void = { p in
                // Text printed so far goes out first so the error lines up with the output.
                _ = flush()
                report("\(programName): \(label): \(p)")
                status = 1
            }
            while true {
                let chunk: [UInt8]?
                do {
                    guard try reader.waitReadable(stop: stop) else {
                        stream.stop(problem: problem)
                        break outer
                    }
                    chunk = try reader.next()
                } catch {
                    report("\(programName): \(label): read error: \(error)")
                    status = 1
                    break
                }
                guard let chunk else { break }
                stream.push(chunk, problem: problem)
                if out.count >= flushThreshold, !flush() { status = 1; break outer }
            }
            stream.finish(problem: problem)
        }
        printer.endStream()
        if !flush() { status = 1 }
        return status
    }
}
