import ArgumentParser
import EventSources
import FileWatchCore

/// Shipping events to collectors: `--ship URL`, the spool, TLS.
struct ShipOptions: WatchOptionGroup {
    @Option(name: .long, help: ArgumentHelp(
        "Send every event to the collector at URL: relp://HOST:PORT or relp+tls:// (RELP: acknowledged, resent after a reconnect, nothing lost), syslog+tcp:// or syslog+tls:// (RFC 6587/5425 octet counting: best effort, no acknowledgements). Repeatable: every URL gets every event.",
        valueName: "URL"))
    var ship: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "The record in each message: ecs (Elastic Common Schema 8.x), ocsf (OCSF 1.5) or json (filewatcher's own, with id and sequence).",
        valueName: "ecs|ocsf|json"))
    var shipFormat: ShipFormat = .ecs

    @Option(name: .long, help: ArgumentHelp(
        "The largest message sent, in bytes (default 8192); longer events are truncated (arguments first, marked …[truncated]), never dropped.",
        valueName: "BYTES"))
    var shipMaxMessage: Int = 8192

    @Option(name: .long, help: ArgumentHelp(
        "The spool: events wait on disk in DIR until every collector acknowledged them (default /var/lib/filewatcher/spool).",
        valueName: "DIR"))
    var spool: String = "/var/lib/filewatcher/spool"

    @Option(name: .long, help: ArgumentHelp(
        "The spool's size limit (default 1G; K, M, G suffixes). When full, the oldest unsent events are dropped and the collectors get one loss record.",
        valueName: "SIZE"))
    var spoolMax: String = "1G"

    @Option(name: .long, help: ArgumentHelp(
        "At the end (end of a replay, SIGINT/SIGTERM), keep sending up to SECONDS for every collector to acknowledge everything (default 30); what is left stays in the spool for the next start.",
        valueName: "SECONDS"))
    var shipDrain: Double = 30

    @Option(name: .long, help: ArgumentHelp("Trust the collector's certificate only when signed by the CA certificate(s) in FILE (PEM).", valueName: "FILE"))
    var tlsCa: String?

    @Option(name: .long, help: ArgumentHelp("Present the client certificate in FILE (PEM) to TLS collectors; needs --tls-key.", valueName: "FILE"))
    var tlsCert: String?

    @Option(name: .long, help: ArgumentHelp("The private key (PEM) of --tls-cert.", valueName: "FILE"))
    var tlsKey: String?

    func apply(to c: inout WatchConfiguration) throws {
        var s = ShippingConfiguration()
        for url in ship {
            do { s.collectors.append(try CollectorAddress(url: url)) } catch { throw ValidationError(error.description) }
        }
        s.format = shipFormat
        s.maxMessageBytes = shipMaxMessage
        s.spoolDirectory = spool
        guard let max = ShippingConfiguration.parseSize(spoolMax) else {
            throw ValidationError("--spool-max \(spoolMax): not a size (e.g. 512M, 1G).")
        }
        s.spoolMaxBytes = max
        s.drainSeconds = shipDrain
        s.tlsCA = tlsCa
        s.tlsCertificate = tlsCert
        s.tlsKey = tlsKey
        c.shipping = s
    }
}

extension ShipFormat: ExpressibleByArgument {}
