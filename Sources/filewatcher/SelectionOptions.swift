import ArgumentParser
import BSM
import EventSources
import FileWatchCore

/// auditreduce's selections (-m, -c, -a, -b) on every source: BSM event, audit class, time.
/// From BSM input they are decided from each record's header before anything else is decoded.
struct SelectionOptions: WatchOptionGroup {
    @Option(name: .customLong("bsm-event"), help: ArgumentHelp(
        "Select only records (events) of these BSM events: names from audit_event (AUE_UNLINK) or numbers, comma separated, repeatable (as auditreduce -m). Without --event, every kind is then shown.",
        valueName: "NAME|NUMBER,..."))
    var bsmEvent: [String] = []

    @Option(name: .customLong("class"), help: ArgumentHelp(
        "Select only records of these audit classes from audit_class (fr,fw,ex; +fr: successful only, -fr: failed only, ^fr: remove), comma separated, repeatable (as auditreduce -c).",
        valueName: "CLASS,..."))
    var classes: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Select records at or after TIME: RFC 3339 (2021-10-14T09:10:59Z) or YYYYMMDD[HH[MM[SS]]] in local time (as auditreduce -a).",
        valueName: "TIME"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp(
        "Select records at or before TIME (a time given to the second includes that whole second, as auditreduce -b); same forms as --since.",
        valueName: "TIME"))
    var until: String?

    /// The event tables names are looked up in: the system's (or OpenBSM's embedded ones), then
    /// filewatcher's own event numbers.
    static func catalogs() -> [Catalog] {
        [SystemCatalog.load(), Catalog(eventTable: FileWatcherBSMEvent.auditEventLines, classTable: "")]
    }

    func validate() throws {
        var c = WatchConfiguration()
        do { try apply(to: &c) } catch let e as ConfigurationError { throw ValidationError(e.description) }
        if let s = c.filters.since, let u = c.filters.until, s >= u {
            throw ValidationError("--since must be before --until.")
        }
    }

    func apply(to c: inout WatchConfiguration) throws {
        let catalogs = bsmEvent.isEmpty && classes.isEmpty ? [] : Self.catalogs()
        if !bsmEvent.isEmpty { c.filters.bsmEvents = try BSMEventSelection.parse(bsmEvent, catalogs: catalogs) }
        if !classes.isEmpty { c.filters.classes = try ClassSelection.parse(classes, catalogs: catalogs) }
        if let since {
            c.filters.since = try SelectionTime.parse(since, option: "--since", local: SystemLocalTime.epochSeconds).micros
        }
        if let until {
            let t = try SelectionTime.parse(until, option: "--until", local: SystemLocalTime.epochSeconds)
            c.filters.until = t.micros + (t.wholeSecond ? 1_000_000 : 1)
        }
    }
}
