import Testing
import BSM
@testable import FileWatchCore

@Suite struct AuditPreselectionTests {
    let catalog = Catalog.embedded

    func mask(_ names: [String]) -> UInt32 {
        names.reduce(0) { $0 | (catalog.class(named: $1)?.mask ?? 0) }
    }

    @Test func basicKindsSelectTheFileClassesPlusExecAndProcess() {
        let m = AuditPreselection.classMask(for: EventKind.basic, catalog: catalog)
        // The default: fr,fw,fa,fm,fc,fd,cl plus ex,pc.
        #expect(m == mask(["fr", "fw", "fa", "fm", "fc", "fd", "cl", "ex", "pc"]))
        #expect(AuditPreselection.classNames(in: m, catalog: catalog) == ["fr", "fw", "fa", "fm", "fc", "fd", "cl", "pc", "ex"])
    }

    @Test func fewerKindsFewerClasses() {
        let m = AuditPreselection.classMask(for: [.delete], catalog: catalog)
        #expect(m & mask(["fd"]) != 0)
        #expect(m & mask(["ex", "pc"]) == mask(["ex", "pc"]))
        #expect(m & mask(["cl"]) == 0)
        let close = AuditPreselection.classMask(for: [.close], catalog: catalog)
        #expect(close == mask(["cl", "ex", "pc"]))
    }

    @Test func allKindsIncludeEverythingTheCatalogUses() {
        let m = AuditPreselection.classMask(for: Set(EventKind.allCases), catalog: catalog)
        for e in catalog.events { #expect(m & e.classMask == e.classMask, "\(e.nameString)") }
    }
}
