import Testing
@testable import EventSources

@Suite struct ExecutableLookupTests {
    final class Counter: @unchecked Sendable { var asked: [Int32] = [] }

    @Test func asksOncePerPidAndRemembersMisses() {
        let counter = Counter()
        var lookup = ExecutableLookup(capacity: 16) { pid in
            counter.asked.append(pid)
            return pid == 1 ? Array("/sbin/launchd".utf8) : nil
        }
        #expect(lookup.executable(of: 1) == Array("/sbin/launchd".utf8))
        #expect(lookup.executable(of: 1) == Array("/sbin/launchd".utf8))
        #expect(lookup.executable(of: 7) == nil)
        #expect(lookup.executable(of: 7) == nil)
        #expect(counter.asked == [1, 7])
    }

    @Test func execRecordWinsAndExitForgets() {
        let counter = Counter()
        var lookup = ExecutableLookup(capacity: 16) { pid in counter.asked.append(pid); return Array("/old".utf8) }
        #expect(lookup.executable(of: 5) == Array("/old".utf8))
        lookup.learn(pid: 5, executable: Array("/usr/bin/new".utf8))
        #expect(lookup.executable(of: 5) == Array("/usr/bin/new".utf8))
        lookup.forget(pid: 5)
        #expect(lookup.executable(of: 5) == Array("/old".utf8))
        #expect(counter.asked == [5, 5])
    }

    @Test func boundedCache() {
        let counter = Counter()
        var lookup = ExecutableLookup(capacity: 4) { pid in counter.asked.append(pid); return nil }
        for pid in Int32(0)..<10 { _ = lookup.executable(of: pid) }
        _ = lookup.executable(of: 9)   // still cached right after the last clear
        #expect(counter.asked.count == 10)
    }

    @Test func systemLookupIsNilOffBSD() {
        #if !os(macOS) && !os(FreeBSD)
        #expect(ExecutableLookup.systemExecutablePath(1) == nil)
        #endif
    }
}
