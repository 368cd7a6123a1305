// Helpers for the Linux audit tests: decode text or a shared sample through the real decoder.

import Foundation
@testable import FileWatchCore
import TestSupport

enum LinuxAuditFixture {
    static var samplesDirectory: String? {
        TestEnvironment.samples.map { $0 + "/linux-audit" }.flatMap {
            FileManager.default.fileExists(atPath: $0) ? $0 : nil
        }
    }

    static func sampleFiles() -> [String] {
        guard let dir = samplesDirectory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return names.filter { $0.hasSuffix(".log") }.sorted().map { dir + "/" + $0 }
    }

    static func sample(_ name: String) throws -> [UInt8] {
        guard let dir = samplesDirectory else { throw TimedOut("no samples") }
        return Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
    }

    /// Decodes `bytes`, pushed in chunks of `chunk` bytes (lines cut anywhere).
    static func decode(_ bytes: [UInt8], name: String = "test.log", chunk: Int = 4096) -> CollectingReceiver {
        let receiver = CollectingReceiver()
        var decoder = AuditLogDecoder(name: name)
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + max(1, chunk))
            bytes[i..<end].withUnsafeBytes { decoder.push($0, into: receiver) }
            i = end
        }
        decoder.finish(into: receiver)
        return receiver
    }

    static func decode(_ text: String, chunk: Int = 4096) -> CollectingReceiver { decode(Array(text.utf8), chunk: chunk) }

    static func parse(_ line: String) throws(AuditLineError) -> AuditRecord {
        try AuditLineParser.parse(bytes: Array(line.utf8))
    }

    static func serial(_ e: Event) -> UInt64? {
        if case .linuxAudit(let d) = e.detail { return d.serial }
        return nil
    }

    static func detail(_ e: Event) -> LinuxAuditDetail? {
        if case .linuxAudit(let d) = e.detail { return d }
        return nil
    }
}
