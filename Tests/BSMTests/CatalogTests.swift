import Foundation
import Testing
@testable import BSM
import TestSupport

@Suite struct CatalogTests {
    @Test func embeddedCatalogHasOpenBSMEvents() throws {
        let c = Catalog.embedded
        let open = try #require(c.event(72))
        #expect(open.nameString == "AUE_OPEN_R")
        #expect(open.descriptionString == "open(2) - read")
        #expect(open.classMask == 0x1)  // fr
        let rwc = try #require(c.events.first { $0.nameString == "AUE_OPEN_RWC" })
        #expect(rwc.descriptionString == "open(2) - read,write,creat")  // commas inside the description
        #expect(c.event(7)?.classMask == 0x4000_0080)  // pc,ex
        #expect(c.event(0)?.nameString == "AUE_NULL")
        #expect(c.event(65000) == nil)
        #expect(c.classes.count == 20)
        #expect(c.class(named: "fw")?.mask == 2)
        #expect(c.class(named: "all")?.mask == 0xffff_ffff)
        #expect(c.classMask(forFlags: Array("fr,fw,^fr".utf8)) == 2)
        #expect(c.classMask(forFlags: Array("nope".utf8)) == nil)
    }

    @Test(.needsOpenBSMTables) func embeddedDataMatchesSharedTables() throws {
        let dir = URL(fileURLWithPath: try #require(TestEnvironment.openBSMTables))
        let ev = try readBytes(dir.appendingPathComponent("audit_event"))
        let cl = try readBytes(dir.appendingPathComponent("audit_class"))
        let sameEvents = ev == Array(CatalogData.auditEvent.utf8)
        let sameClasses = cl == Array(CatalogData.auditClass.utf8)
        #expect(sameEvents, "CatalogData.swift is stale: run scripts/gen-catalog.py")
        #expect(sameClasses, "CatalogData.swift is stale: run scripts/gen-catalog.py")
        // Every non-comment line of the shared table is a valid event.
        let lines = String(decoding: ev, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(Catalog.embedded.events.count == lines.count)
    }

    @Test func parserFollowsLibbsm() {
        let classes = "0x00000001:fr:file read\n# comment:x:y\n0x2:fw:file write\n010:fa:octal eight\n"
        let events = """
        # 5:AUE_COMMENT:a comment line with colons:fr
        100:AUE_A:first, with comma:fr,fw
        100:AUE_DUP:second:fr
        101::AUE_B::empty fields vanish:fa
        102:AUE_C
        103:AUE_UNKNOWN_CLASS:desc:zz
        104:AUE_THIS_NAME_IS_EXACTLY_30_CHR:too long name:fr
        105:AUE_LONGDESC:01234567890123456789012345678901234567890123456789:fr
        106:AUE_DESC49:0123456789012345678901234567890123456789012345678:fr
        -1:AUE_NEG:wraps:fr
        70000:AUE_BIG:wraps too:fr
        abc:AUE_ZERO:atoi gives 0:fr
        107:AUE_MORE:desc:fr:extra:fields
        """
        let c = Catalog(eventTable: events, classTable: classes)
        #expect(c.classes.map(\.mask) == [1, 2, 8])
        // getauevnum does not skip comments: atoi("# 5") is 0.
        #expect(c.event(0)?.nameString == "AUE_COMMENT")
        #expect(c.event(5) == nil)
        #expect(c.event(100)?.nameString == "AUE_A")
        #expect(c.event(100)?.descriptionString == "first, with comma")
        #expect(c.event(100)?.classMask == 3)
        #expect(c.event(101)?.nameString == "AUE_B")
        #expect(c.event(101)?.descriptionString == "empty fields vanish")
        #expect(c.event(101)?.classMask == 8)
        #expect(c.event(102)?.descriptionString == "")
        #expect(c.event(102)?.classMask == 0)
        #expect(c.event(103)?.classMask == 0)
        #expect(c.event(104) == nil)
        #expect(c.event(105) == nil)
        #expect(c.event(106)?.nameString == "AUE_DESC49")
        #expect(c.event(65535)?.nameString == "AUE_NEG")
        #expect(c.event(UInt16(70000 - 65536))?.nameString == "AUE_BIG")
        #expect(c.events.contains { $0.nameString == "AUE_ZERO" && $0.number == 0 })
        #expect(c.event(107)?.classNames == Array("fr".utf8))
    }

    @Test func classTableStopsAtFirstInvalidLine() {
        let c = Catalog(eventTable: "", classTable: "0x1:fr:read\nbroken line\n0x2:fw:write\n")
        #expect(c.classes.count == 1)
    }

    @Test func longLinesSplitLikeFgets() {
        let long = "200:AUE_X:" + String(repeating: "d", count: 300) + "\n201:AUE_Y:y:fr\n"
        let c = Catalog(eventTable: long, classTable: "0x1:fr:read\n")
        #expect(c.event(200) == nil)  // description ≥ 50 bytes
        #expect(c.event(201)?.nameString == "AUE_Y")
        #expect(Catalog.lines(Array(String(repeating: "a", count: 600).utf8)).map(\.count) == [255, 255, 90])
    }
}
