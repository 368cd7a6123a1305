// The eslogger fixtures (Tests/Fixtures/eslogger, written by its generate.py): JSON Lines in the
// shapes of macOS 13, 14, 15 and 26 output, and special cases.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FileWatchCore
import Foundation

public enum EsloggerFixtures {
    /// The fixtures' directory.
    public static let directory: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/eslogger").path

    /// The scenario files, one per macOS release shape.
    public static let releases = ["macos13.jsonl", "macos14.jsonl", "macos15.jsonl", "macos26.jsonl"]

    public static func path(_ name: String) -> String { directory + "/" + name }

    public static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// The fixture's lines (without their newlines).
    public static func lines(_ name: String) throws -> [[UInt8]] {
        try bytes(name).split(separator: 0x0A, omittingEmptySubsequences: true).map(Array.init)
    }
}

/// A stand-in for eslogger: a shell script that answers `--list-events`, records its arguments and
/// pid, and then does `body` (print recorded lines, fail, exit…).
public struct FakeEslogger {
    public let dir: TemporaryDirectory
    public let path: String
    public var argsFile: String { dir.file("args") }
    public var pidFile: String { dir.file("pid") }

    public init(_ dir: TemporaryDirectory, knows events: [String] = EsloggerDiagnosis.defaultEvents, listExit: Int = 0,
         body: String) throws {
        self.dir = dir
        path = dir.file("eslogger")
        let script = """
            #!/bin/sh
            if [ "$1" = "--list-events" ]; then
              printf '%s\\n' \(events.joined(separator: " "))
              exit \(listExit)
            fi
            echo "$@" > '\(dir.file("args"))'
            echo $$ > '\(dir.file("pid"))'
            \(body)
            """
        try dir.write(script, to: "eslogger")
        chmod(path, 0o755)
    }

    public var arguments: String? { try? String(contentsOfFile: argsFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
    public var pid: Int32? { (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }

}

