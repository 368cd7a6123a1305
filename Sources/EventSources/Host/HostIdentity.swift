// The host facts every shipped or schema record carries: host name, a stable host id, a run id.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FileWatchCore

public enum HostRecordIdentity {
    /// This host's identity for records, with a fresh run id.
    public static func make() -> RecordIdentity {
        RecordIdentity(hostName: hostName(), hostID: hostID(), runID: newRunID(),
                       errnoName: errnoName, errnoMessage: errnoDescription)
    }

    /// gethostname(2), or `localhost` when it fails.
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    /// A stable id of the host: `/etc/machine-id` (systemd; FreeBSD with dbus), else FreeBSD's
    /// `/etc/hostid`; nil when neither exists (macOS: the host name stands in).
    public static func hostID() -> String? {
        for path in ["/etc/machine-id", "/var/lib/dbus/machine-id", "/etc/hostid"] {
            if let text = firstLine(of: path), !text.isEmpty { return text }
        }
        return nil
    }

    /// 64 random bits as 16 hex digits.
    public static func newRunID() -> String {
        var rng = SystemRandomNumberGenerator()
        let v = rng.next() as UInt64
        let hex = String(v, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The first line of a small text file, trimmed; nil when it cannot be read.
    static func firstLine(of path: String) -> String? {
        guard case .success(let fd) = path.withCString({ Sys.open($0, O_RDONLY) }) else { return nil }
        defer { _ = Sys.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        guard case .success(let n) = buffer.withUnsafeMutableBytes({ Sys.read(fd, into: $0) }), n > 0 else { return nil }
        let line = buffer[..<n].prefix { $0 != UInt8(ascii: "\n") }
        let text = String(decoding: line, as: UTF8.self)
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return text
    }
}

/// The symbolic name of a host errno (`ENOENT`), nil for unknown numbers.
public func errnoName(_ code: Int32) -> String? { HostErrno.nameByNumber[code] }
