import BSM

/// Which audit classes a BSM live source (the auditpipe) must preselect so that every event of
/// the selected kinds reaches filewatcher: the union of the classes of every catalog event that
/// maps to one of those kinds, plus exec and process classes so processes can be named.
public enum AuditPreselection {
    /// Always selected: exec (`ex`) and process (`pc`) records teach pid → executable.
    public static let processClassNames = ["ex", "pc"]

    public static func classMask(for kinds: Set<EventKind>, catalog: Catalog) -> UInt32 {
        var mask: UInt32 = 0
        for entry in catalog.events where kinds.contains(BSMEventClassification.classify(entry.number).kind) {
            mask |= entry.classMask
        }
        for name in processClassNames { mask |= catalog.class(named: name)?.mask ?? 0 }
        return mask
    }

    /// The short names of the classes in `mask` (e.g. `fr,fw,fa,…`), for messages.
    public static func classNames(in mask: UInt32, catalog: Catalog) -> [String] {
        catalog.classes.filter { $0.mask != 0 && $0.mask.nonzeroBitCount == 1 && mask & $0.mask == $0.mask }
            .map(\.nameString)
    }
}
