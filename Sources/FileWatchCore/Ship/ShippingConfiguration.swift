// Shipping events to collectors (`--ship URL`, the spool, TLS): the settings, checked once.

/// How events travel to a collector.
public enum ShipTransport: String, CaseIterable, Sendable {
    /// RELP (rsyslog's reliable protocol): every message acknowledged; unacknowledged ones resent.
    case relp
    /// RELP over TLS.
    case relpTLS = "relp+tls"
    /// RFC 6587 octet-counted syslog over TCP: no acknowledgements (best effort).
    case syslogTCP = "syslog+tcp"
    /// RFC 5425 syslog over TLS (octet counting): no acknowledgements (best effort).
    case syslogTLS = "syslog+tls"

    public var usesTLS: Bool { self == .relpTLS || self == .syslogTLS }
    public var acknowledges: Bool { self == .relp || self == .relpTLS }
}

/// One `--ship URL`: `relp://HOST:PORT`, `relp+tls://…`, `syslog+tcp://…`, `syslog+tls://…`.
public struct CollectorAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var transport: ShipTransport
    /// A host name or an IP address (IPv6 without brackets).
    public var host: String
    public var port: Int

    public init(transport: ShipTransport, host: String, port: Int) {
        self.transport = transport; self.host = host; self.port = port
    }

    /// Parses a URL; the error says what is wrong with it.
    public init(url: String) throws(ConfigurationError) {
        guard let sep = url.range(of: "://") else {
            throw ConfigurationError("--ship \(url): not a URL; use relp://HOST:PORT, relp+tls://, syslog+tcp:// or syslog+tls://.")
        }
        let scheme = url[..<sep.lowerBound].lowercased()
        guard let transport = ShipTransport(rawValue: scheme) else {
            throw ConfigurationError("--ship \(url): unknown scheme '\(scheme)' (known: \(ShipTransport.allCases.map(\.rawValue).joined(separator: ", "))).")
        }
        var rest = url[sep.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        let host: Substring, portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw ConfigurationError("--ship \(url): unclosed '[' in the host.") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { throw ConfigurationError("--ship \(url): a port is needed (HOST:PORT).") }
            portText = after.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw ConfigurationError("--ship \(url): a port is needed (HOST:PORT).") }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains("/"), !host.contains("@") else {
            throw ConfigurationError("--ship \(url): the host is missing or not a plain host name.")
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ConfigurationError("--ship \(url): the port must be a number from 1 to 65535.")
        }
        self.init(transport: transport, host: String(host), port: port)
    }

    public var description: String {
        "\(transport.rawValue)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// A file-name-safe key for this collector's acknowledged position in the spool.
    public var spoolKey: String {
        let raw = "\(transport.rawValue)_\(host)_\(port)"
        return String(raw.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" })
    }
}

/// What `--ship-format` writes into each message.
public enum ShipFormat: String, CaseIterable, Sendable {
    case ecs, ocsf, json
}

/// `--ship`, the spool and TLS.
public struct ShippingConfiguration: Sendable, Equatable {
    public var collectors: [CollectorAddress] = []
    public var format: ShipFormat = .ecs
    /// The largest message sent (bytes, the whole RFC 5424 message); longer events are truncated.
    public var maxMessageBytes = 8192
    public var spoolDirectory = "/var/lib/filewatcher/spool"
    /// The spool's size limit in bytes.
    public var spoolMaxBytes: Int64 = 1 << 30
    /// At the end, keep sending this long (seconds) for collectors to acknowledge everything.
    public var drainSeconds: Double = 30
    public var tlsCA: String?
    public var tlsCertificate: String?
    public var tlsKey: String?

    public init() {}

    public var isActive: Bool { !collectors.isEmpty }

    public func validate() throws(ConfigurationError) {
        guard isActive else {
            if tlsCA != nil || tlsCertificate != nil || tlsKey != nil {
                throw ConfigurationError("--tls-ca, --tls-cert and --tls-key are for --ship with relp+tls:// or syslog+tls://.")
            }
            return
        }
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ConfigurationError("--tls-cert and --tls-key go together (the client certificate and its private key).")
        }
        if maxMessageBytes < 1024 { throw ConfigurationError("--ship-max-message must be at least 1024 bytes.") }
        if spoolMaxBytes < 1 << 16 { throw ConfigurationError("--spool-max must be at least 64K.") }
        if drainSeconds < 0 { throw ConfigurationError("--ship-drain must not be negative.") }
        if Set(collectors).count != collectors.count { throw ConfigurationError("--ship: the same collector is given twice.") }
    }

    /// `1G`, `512M`, `64K`, `1000` (bytes).
    public static func parseSize(_ text: String) -> Int64? {
        var t = Substring(text.uppercased())
        if t.hasSuffix("IB") { t = t.dropLast(2) } else if t.hasSuffix("B") { t = t.dropLast() }
        let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        if let last = t.last, let unit = units[last] {
            guard let n = Int64(t.dropLast()), n >= 0, n <= Int64.max / unit else { return nil }
            return n * unit
        }
        return Int64(t).flatMap { $0 >= 0 ? $0 : nil }
    }
}
