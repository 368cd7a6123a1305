import BSM
import Foundation
import TestSupport

/// The built `filewatcher` binary (next to the test bundle), or FILEWATCHER_BINARY (e.g. to run the
/// end-to-end tests against another build).
let binary: URL = {
    if let p = ProcessInfo.processInfo.environment["FILEWATCHER_BINARY"] { return URL(fileURLWithPath: p) }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("filewatcher")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: TestEnvironment.packageRoot + "/.build/debug/filewatcher")
}()

struct RunResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    var out: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs the BINARY (end-to-end tests: signals, standard input, help, pipes; `print`). TZ=UTC.
/// `whileRunning` gets the process while it runs (standard input stays open until it returns).
@discardableResult
func run(_ args: [String], stdin: Data? = nil, environment: [String: String]? = nil,
         whileRunning: ((Process) throws -> Void)? = nil) throws -> RunResult {
    let p = Process()
    p.executableURL = binary
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    env["TZ"] = "UTC"
    for (k, v) in environment ?? [:] { env[k] = v }
    p.environment = env
    let scratch = try TemporaryDirectory("fw-run")
    defer { scratch.remove() }
    let outPath = scratch.file("out"), errPath = scratch.file("err")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    let inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit(orKillAfter: Process.testChildBound) } }
    if let stdin { inp.fileHandleForWriting.write(stdin) }
    if let whileRunning { try whileRunning(p) } else { try inp.fileHandleForWriting.close() }
    p.waitUntilExit(orKillAfter: Process.testChildBound)
    try? inp.fileHandleForWriting.close()
    try out.close(); try err.close()
    let outData = try Data(contentsOf: URL(fileURLWithPath: outPath))
    let errData = try Data(contentsOf: URL(fileURLWithPath: errPath))
    return RunResult(status: p.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
}

/// 2023-11-14 22:13:20 UTC onwards: exec (vim), open, write-open, rename, failed unlink, stat, a stranger's open.
let fixture: [UInt8] = TrailFixture.fileToken() + TrailFixture.bytes(TrailFixture.editing)

/// Writes `bytes` (the fixture by default) to `dir/fixture.bsm`.
func fixtureFile(_ dir: TemporaryDirectory, _ bytes: [UInt8] = fixture) throws -> String {
    try dir.write(bytes, to: "fixture.bsm")
}
