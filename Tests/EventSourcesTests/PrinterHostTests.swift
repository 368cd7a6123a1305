#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import EventSources
import Testing

/// The host facts behind `filewatcher print`.
@Suite struct PrinterHostTests {
    @Test func strerrorTextsByName() {
        let e = SystemErrorText()
        #expect(e.errorText(symbol: "ENOENT").map { String(decoding: $0, as: UTF8.self) } == String(cString: strerror(ENOENT)))
        #expect(e.errorText(symbol: "ENOTEMPTY") != nil)
        #if os(Linux)
        // No such errno on Linux: praudit says "failure: Unknown error: 190" for BSM EPROCLIM.
        #expect(e.errorText(symbol: "EPROCLIM") == nil)
        #endif
        #expect(e.errorText(symbol: "ENOSUCHTHING") == nil)
        // Every BSM table entry's symbol resolves or is absent; none crash.
        for entry in BSMErrno.table { if let s = entry.symbol { _ = e.errorText(symbol: s.description) } }
    }

    @Test func namesResolveAndAreCached() {
        let n = SystemIdentityNames()
        #expect(n.userName(0) == Array("root".utf8))
        #expect(n.groupName(0) == Array("root".utf8))
        #expect(n.userName(4_000_000_123) == nil)
        #expect(n.userName(4_000_000_123) == nil)
    }

    @Test func localOffsetAgreesWithLocaltime() {
        var t = SystemLocalTime()
        for s in stride(from: Int64(0), to: 2_000_000_000, by: 86_400 * 37 + 1234) {
            var tt = time_t(s)
            var tmv = tm()
            _ = localtime_r(&tt, &tmv)
            #expect(t.utcOffset(at: s) == Int64(tmv.tm_gmtoff))
            #expect(t.utcOffset(at: s + 1) != nil)
        }
    }
}
