// The event table `print` uses: the system's /etc/security/audit_event when present, else the
// embedded default.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import SystemPackage

public enum PrintCatalog {
    public static let systemEventFile = "/etc/security/audit_event"

    /// Events for the printer.
    public static func events(path: String = systemEventFile) -> [PrinterEvent] {
        if let text = readFile(path) { return parseEvents(text) }
        return []
    }

    /// `number:name:description:classes` lines; `#` comments.
    static func parseEvents(_ bytes: [UInt8]) -> [PrinterEvent] {
        var out: [PrinterEvent] = []
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if line.first == UInt8(ascii: "#") { continue }
            let f = line.split(separator: UInt8(ascii: ":"), maxSplits: 3, omittingEmptySubsequences: false)
            guard f.count >= 3, let n = UInt16(String(decoding: f[0], as: UTF8.self)) else { continue }
            out.append(PrinterEvent(number: n, name: Array(f[1]), description: Array(f[2])))
        }
        return out
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let r = try? TrailChunkReader(path: path) else { return nil }
        defer { r.close() }
        var all: [UInt8] = []
        while let c = try? r.next() { all += c }
        return all
    }
}
