import Testing
@testable import BSM

/// The one local-time offset cache.
@Suite struct CachedLocalTimeTests {
    /// A zone that changes from +0:17:30 to +1:00 at an odd second (historical zones did), and from
    /// -3:30 to -2:30 on a quarter hour.
    final class Zone: @unchecked Sendable {
        var asked = 0
        func offset(_ t: Int64) -> Int64? {
            asked += 1
            if t < 1_000_000_123 { return 1050 }
            if t < 1_700_001_000 { return 3600 }
            return -9000
        }
    }

    @Test func everyInstantMatchesTheUncachedAnswer() {
        let zone = Zone()
        var cache = CachedLocalTime(zone.offset)
        for t in Array(999_999_000...1_000_001_000) + Array(1_700_000_000...1_700_002_000) {
            let answer = cache.utcOffset(at: Int64(t))
            #expect(answer == Zone().offset(Int64(t)), "at \(t)")
        }
    }

    @Test func asksOnlyAtSlotEndsWhenTheSlotIsUniform() {
        let zone = Zone()
        var cache = CachedLocalTime(zone.offset)
        // One uniform slot [1_500_000_000 - 1_500_000_000 % 900, +900): 2 questions, however many instants.
        for t in Int64(1_500_000_300)..<1_500_000_900 { _ = cache.utcOffset(at: t) }
        #expect(zone.asked == 2)
        // The slot holding the odd-second change is asked per instant (and its ends once).
        zone.asked = 0
        for t in Int64(1_000_000_100)..<1_000_000_110 { _ = cache.utcOffset(at: t) }
        #expect(zone.asked == 2 + 10)
    }

    @Test func negativeTimesAndUnrepresentableInstants() {
        var cache = CachedLocalTime { t in t < -1_000 ? nil : 7200 }
        #expect(cache.utcOffset(at: -1) == 7200)
        #expect(cache.utcOffset(at: -900) == 7200)
        #expect(cache.utcOffset(at: -5_000) == nil)
    }
}
