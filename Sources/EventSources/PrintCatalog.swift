// The event catalog on this host: /etc/security/audit_event and audit_class when present (what
// praudit reads), else the catalog embedded in BSM (OpenBSM's tables).

import BSM

public enum SystemCatalog {
    public static let eventFile = "/etc/security/audit_event"
    public static let classFile = "/etc/security/audit_class"

    /// The system's tables when /etc/security/audit_event exists, the embedded ones otherwise.
    public static func load(eventFile: String = eventFile, classFile: String = classFile) -> Catalog {
        // praudit reads only audit_event; the class file matters for class masks alone.
        guard let events = readFile(eventFile) else { return .embedded }
        return Catalog(eventTable: events, classTable: readFile(classFile) ?? Catalog.embeddedClassTable)
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let r = try? TrailChunkReader(path: path) else { return nil }
        defer { r.close() }
        var all: [UInt8] = []
        do { while let c = try r.next() { all += c } } catch { return nil }
        return all
    }
}

extension PrinterEvent {
    /// The printer's view of a catalog: first valid line per number, as getauevnum() finds it.
    public static func from(_ catalog: Catalog) -> [PrinterEvent] {
        catalog.events.map { PrinterEvent(number: $0.number, name: $0.name, description: $0.description) }
    }
}
