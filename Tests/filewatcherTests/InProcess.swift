#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import EventSources
import FileWatchCore
import Foundation
import Synchronization
import TestSupport
@testable import filewatcher

/// Collects diagnostics from any thread.
final class DiagnosticsText: Sendable {
    private let text = Mutex("")
    func append(_ s: String) { text.withLock { $0 += s } }
    var value: String { text.withLock { $0 } }
}

/// The command line parsed as `main` parses it, as the watch command (nil for a usage error,
/// reported in `result`).
func parseWatch(_ args: [String], into result: inout RunResult) -> WatchCommand? {
    do {
        let command = try FileWatcher.parseAsRoot(OutputOptions.normalizeArguments(args))
        guard let watch = command as? WatchCommand else {
            result.status = 70
            result.stderr = "not the watch command: \(args)"
            return nil
        }
        return watch
    } catch {
        let code = FileWatcher.exitCode(for: error)
        result.status = code == .validationFailure ? 2 : code.rawValue
        result.stderr = FileWatcher.fullMessage(for: error) + "\n"
        return nil
    }
}

/// Runs `filewatcher [watch] args` IN THIS PROCESS: the same parsing and validation as the binary,
/// then a WatchSession whose standard output goes to a temporary file and whose diagnostics are
/// collected. Times are shown in UTC (TZ=UTC, as `run` gives the binary). `noColor`: NO_COLOR set.
///
/// - Parameter during: called with the running session (on the test's thread) while it runs on
///   another; return to let it go on. The session is stopped when `during` returns, if it has not
///   ended by itself, and must end within `timeout`.
func watch(_ args: [String], noColor: Bool = false, timeout: Duration = .seconds(60),
           during: ((WatchSession) throws -> Void)? = nil) throws -> RunResult {
    setenv("TZ", "UTC", 1)
    var result = RunResult(status: 0, stdout: Data(), stderr: "")
    guard let command = parseWatch(args, into: &result) else { return result }
    let dir = try TemporaryDirectory("fw-inprocess")
    defer { dir.remove() }
    let stdoutPath = dir.file("stdout")
    _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
    let diagnostics = DiagnosticsText()
    var configuration = try command.makeConfiguration()
    configuration.output.standardOutputIsTerminal = false
    configuration.output.noColorRequested = noColor
    let io = SessionIO(standardOutput: { try! FileDescriptorWriter.open(path: stdoutPath, append: true) },
                       diagnostics: { diagnostics.append($0) })
    let session = WatchSession(configuration: configuration, io: io)
    command.attachParts(to: session)

    final class Box: @unchecked Sendable { var outcome: Result<WatchOutcome, SessionError>? }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        box.outcome = Result { () throws(SessionError) -> WatchOutcome in try session.run() }
        done.signal()
    }
    thread.start()
    var failure: (any Error)?
    if let during {
        do { try during(session) } catch { failure = error }
        session.stop()
    }
    if done.wait(timeout: .now() + timeout.seconds) == .timedOut {
        session.stop()
        throw TimedOut("the session did not end within \(timeout) (args \(args)); diagnostics: \(diagnostics.value)")
    }
    if let failure { throw failure }
    switch box.outcome! {
    case .success(let outcome):
        result.status = outcome.exitStatus
    case .failure(let error):
        result.status = 1
        diagnostics.append("filewatcher: \(error.description)\n")
    }
    result.stdout = (try? Data(contentsOf: URL(fileURLWithPath: stdoutPath))) ?? Data()
    result.stderr = diagnostics.value
    return result
}

/// Waits until the file at `path` holds `count` lines (or throws `TimedOut`).
func waitForLines(_ count: Int, in path: String, timeout: Duration = .seconds(15)) throws {
    let deadline = Date().addingTimeInterval(timeout.seconds)
    while Date() < deadline {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        if text.split(separator: "\n").count >= count { return }
        usleep(10_000)
    }
    throw TimedOut("\(path) did not reach \(count) lines within \(timeout)")
}
