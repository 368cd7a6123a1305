// The eslogger fixtures (Tests/Fixtures/eslogger, written by its generate.py): JSON Lines in the
// shapes of macOS 13, 14, 15 and 26 output, and special cases.

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
