import BSM
import FileWatchCore
import Testing
import TestSupport

/// `--bsm-event`, `--class`, `--since`/`--until` parsing and the header table.
@Suite struct SelectionTests {
    let catalogs = [Catalog.embedded]

    @Test func timesInBothForms() throws {
        func parse(_ s: String, local: @escaping (LocalDateTime) -> Int64? = { _ in nil }) throws -> (Int64, Bool) {
            let t = try SelectionTime.parse(s, option: "--since", local: local)
            return (t.micros, t.wholeSecond)
        }
        #expect(try parse("2021-10-14T09:10:59Z") == (1_634_202_659_000_000, true))
        #expect(try parse("2021-10-14t09:10:59.409z") == (1_634_202_659_409_000, false))
        #expect(try parse("2021-10-14 11:10:59.4091234+02:00") == (1_634_202_659_409_123, false))
        #expect(try parse("1969-12-31T23:59:59-00:00") == (-1_000_000, true))
        #expect(try parse("2024-02-29T00:00:00Z").0 == 1_709_164_800_000_000)
        // auditreduce's form: local time, through the given zone.
        var asked: LocalDateTime?
        let local: (LocalDateTime) -> Int64? = { asked = $0; return 42 }
        #expect(try parse("20211014", local: local) == (42_000_000, true))
        #expect(asked == LocalDateTime(year: 2021, month: 10, day: 14))
        _ = try parse("20211014091059", local: local)
        #expect(asked == LocalDateTime(year: 2021, month: 10, day: 14, hour: 9, minute: 10, second: 59))
        for bad in ["", "2021", "2021101", "20211301", "20230229", "2021-10-14T09:10:59", "2021-10-14T24:00:00Z",
                    "2021-10-14T09:10:59.Z", "2021-10-14T09:10:59+2:00", "2021-10-14T09:10:59Zjunk", "yesterday"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try parse(bad, local: local) }
        }
    }

    @Test func eventsByNameOrNumber() throws {
        #expect(try BSMEventSelection.parse(["AUE_UNLINK,aue_rename", "23"], catalogs: catalogs) == [6, 42, 23])
        #expect(throws: ConfigurationError.self) { try BSMEventSelection.parse(["AUE_NOTHING"], catalogs: catalogs) }
    }

    @Test func classesByOutcome() throws {
        let fd = try ClassSelection.parse(["fd"], catalogs: catalogs)
        #expect(fd.successEvents.contains(6) && fd.failureEvents.contains(6) && !fd.needsOutcome)
        #expect(!fd.admits(72))
        let failedOnly = try ClassSelection.parse(["-fd"], catalogs: catalogs)
        #expect(failedOnly.admits(6) && failedOnly.matches(6, succeeded: false) && !failedOnly.matches(6, succeeded: true))
        #expect(failedOnly.needsOutcome)
        let removed = try ClassSelection.parse(["fd,fr", "^fd"], catalogs: catalogs)
        #expect(!removed.admits(6) && removed.admits(72))
        #expect(throws: ConfigurationError.self) { try ClassSelection.parse(["nope"], catalogs: catalogs) }
    }

    @Test func headerTableAgreesWithTheEventFilter() throws {
        var o = FilterOptions()
        o.bsmEvents = [6, 72]
        o.since = Int64(TrailFixture.t0 + 1) * 1_000_000
        o.until = Int64(TrailFixture.t0 + 5) * 1_000_000
        let header = HeaderSelection(o)
        #expect(header.decidesAlone && !header.isTrivial)
        let filter = EventFilter(o)
        var agreed = 0
        for record in TrailFixture.editing {
            let bytes = record.bytes
            let r = try #require(RecordReader.items(in: bytes).first.flatMap { if case .record(let r) = $0 { r } else { nil } })
            let event = try #require(TrailFixture.events(bytes).events.first)
            #expect(header.accepts(try #require(r.headerSummary)) == filter.matches(event), "\(event.kind) at \(event.time)")
            if filter.matches(event) { agreed += 1 }
        }
        #expect(agreed == 2, "the open at t0+1 and the failed unlink at t0+4")
        o.files = ["x"]
        #expect(!HeaderSelection(o).decidesAlone)
        #expect(HeaderSelection(FilterOptions()).decidesAlone)
        var everything = FilterOptions()
        everything.all = true
        #expect(HeaderSelection(everything).isTrivial)
    }
}
