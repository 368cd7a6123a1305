// The live source of macOS 13 and later: Apple's /usr/bin/eslogger, which prints Endpoint Security
// events as JSON Lines to a root process with Full Disk Access.
//
// 1. `eslogger --list-events`: the names this eslogger knows; filewatcher asks only for those of
//    its list (EsloggerDiagnosis.defaultEvents, narrowed by --event).
// 2. `eslogger NAME…` is spawned (posix_spawn, no shell, its own process group); its standard
//    output goes through EsloggerStream (lines, decoding, loss and damage reports), its standard
//    error is kept for the error sentence.
// 3. On stop: SIGTERM, then what it still prints is read (for up to `stopGraceMilliseconds`), then
//    SIGKILL if needed; it is reaped. If it ends by itself, its error lines become one sentence
//    (EsloggerDiagnosis) and the run fails (exit status 1) after the events it did print.
//
// eslogger leaves out its own process group; filewatcher's own events (its pid) and those on its
// output files are dropped by the stream. `--eslogger-path PATH` runs another program (tests use a
// script that prints recorded lines), which is also how this runs on Linux.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FileWatchCore

public struct EsloggerSourceOptions: Sendable {
    /// The program (Apple's by default).
    public var executable = EsloggerSource.defaultPath
    /// Event names wanted (those the program does not know are left out, with a notice).
    public var events = EsloggerDiagnosis.defaultEvents
    /// Files whose events are dropped (our output and debug log), as given.
    public var ignoredPaths: [String] = []
    public init() {}
}

public final class EsloggerSource: EventSource, SessionReporting {
    public static let defaultPath = "/usr/bin/eslogger"

    public let kind: SourceKind = .eslogger
    public let options: EsloggerSourceOptions
    public let stream: EsloggerStream
    /// After SIGTERM, how long what eslogger still prints is read before SIGKILL.
    public var stopGraceMilliseconds: Int64 = 3000
    /// Bytes per read of eslogger's output.
    public var chunkSize = 256 * 1024
    /// The events asked for (set by `run`).
    public private(set) var askedEvents: [String] = []

    public init(_ options: EsloggerSourceOptions) {
        self.options = options
        stream = EsloggerStream(name: "eslogger")
        stream.ignoredPID = getpid()
        stream.ignoredPaths = Set(options.ignoredPaths.map { ByteString(canonicalFilePath($0)) })
    }

    public var summaryLines: [String] { stream.summaryLines }

    public func run(until stop: StopToken, into receiver: EventReceiver) throws {
        let program = options.executable
        let known = try listEvents()
        askedEvents = options.events.filter(known.contains)
        let unknown = options.events.filter { !known.contains($0) }
        guard !askedEvents.isEmpty else {
            throw SessionError("eslogger (\(program)) knows none of the events filewatcher asks for (\(options.events.joined(separator: ", "))).")
        }
        if !unknown.isEmpty {
            receiver.notice(.info("eslogger (\(program)) does not know the event\(unknown.count == 1 ? "" : "s") "
                + unknown.joined(separator: ", ") + "; watching without \(unknown.count == 1 ? "it" : "them")"))
        }
        let child: ChildProcess
        do { child = try ChildProcess(argv: [program] + askedEvents) } catch { throw startError(error) }

        var errors: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var outputOpen = true, errorsOpen = true
        var idled = false

        /// Reads what is ready on `fd`; false at its end.
        func take(_ fd: Int32) -> Bool {
            let n = (try? buffer.withUnsafeMutableBytes { Sys.read(fd, into: $0) }.get("read", object: "eslogger")) ?? 0
            guard n > 0 else { return false }
            if fd == child.stdout {
                buffer.withUnsafeBytes { stream.push(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: receiver) }
            } else if errors.count < 64 << 10 {
                errors += buffer[0..<n]
            }
            return true
        }

        while outputOpen && !stop.isStopped {
            let ready = ChildProcess.pollReadable([child.stdout] + (errorsOpen ? [child.stderr] : []), timeoutMS: 200)
            if ready.isEmpty {
                if !idled { receiver.sourceIdle(); idled = true }
                continue
            }
            idled = false
            for fd in ready {
                if fd == child.stdout { outputOpen = take(fd) } else { errorsOpen = take(fd) }
            }
        }

        if outputOpen {
            // Stopped: let eslogger end, and keep what it printed before it did.
            child.signal(SIGTERM)
            let deadline = monotonicMilliseconds() + stopGraceMilliseconds
            while outputOpen {
                let left = deadline - monotonicMilliseconds()
                if left <= 0 { child.signal(SIGKILL); break }
                let ready = ChildProcess.pollReadable([child.stdout], timeoutMS: Int32(min(left, 200)))
                if !ready.isEmpty { outputOpen = take(child.stdout) }
            }
            stream.finish(into: receiver)
            _ = child.wait()
            return
        }

        // eslogger ended by itself: its error output, then how it ended.
        while errorsOpen {
            if ChildProcess.pollReadable([child.stderr], timeoutMS: 1000).isEmpty { break }
            errorsOpen = take(child.stderr)
        }
        stream.finish(into: receiver)
        let exit = child.wait()
        if stop.isStopped && exit.succeeded { return }
        throw SessionError(EsloggerDiagnosis.sentence(program: program, stderr: errors, ended: exit.description,
                                                      events: stream.events))
    }

    /// `eslogger --list-events`: one name a line.
    func listEvents() throws -> Set<String> {
        let program = options.executable
        let result: (exit: ChildExit, stdout: [UInt8], stderr: [UInt8], timedOut: Bool)
        do { result = try ChildProcess.capture([program, "--list-events"]) } catch { throw startError(error) }
        if result.timedOut {
            throw SessionError("eslogger (\(program)) did not answer --list-events within 10 seconds.")
        }
        guard result.exit.succeeded else {
            throw SessionError(EsloggerDiagnosis.sentence(program: program, stderr: result.stderr,
                                                          ended: result.exit.description, events: 0, listing: true))
        }
        let names = String(decoding: result.stdout, as: UTF8.self)
            .split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == " " || $0 == "\t" }).map(String.init)
        return Set(names)
    }

    private func startError(_ error: SystemCallError) -> SessionError {
        let program = options.executable
        if error.errno == .noSuchFileOrDirectory {
            return SessionError(program == Self.defaultPath
                ? "\(program) not found: eslogger comes with macOS 13 and later (on older macOS use --source auditpipe)."
                : "\(program) not found (--eslogger-path).")
        }
        if error.errno == .permissionDenied {
            return SessionError("\(program) cannot be run: permission denied (it must be an executable file).")
        }
        return SessionError("cannot start eslogger: \(error)")
    }
}

/// `path` made absolute with its directory's symbolic links resolved (as Endpoint Security names
/// files: /tmp/x is /private/tmp/x on macOS); as given when the directory does not resolve.
func canonicalFilePath(_ path: String) -> String {
    var absolute = path
    if !path.hasPrefix("/") {
        var buf = [CChar](repeating: 0, count: 4096)
        if getcwd(&buf, buf.count) != nil {
            absolute = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
        }
    }
    let slash = absolute.lastIndex(of: "/")!
    let dir = slash == absolute.startIndex ? "/" : String(absolute[..<slash])
    let name = String(absolute[absolute.index(after: slash)...])
    guard let resolved = realpath(dir, nil) else { return absolute }
    defer { free(resolved) }
    let d = String(cString: resolved)
    return (d == "/" ? "" : d) + "/" + name
}

/// Milliseconds of a clock that never goes back.
func monotonicMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
