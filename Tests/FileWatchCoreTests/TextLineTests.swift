import BSM
import Testing
@testable import FileWatchCore
import TestSupport

/// The text line a user reads: its time column (date when not today, `--time-format`), fields that
/// cannot be mistaken for the line's own words, colour spans over whole fields.
@Suite struct TextLineTests {
    /// Renders `events` in UTC (or `zone`) with "now" at `now` (epoch microseconds).
    func line(_ events: [Event], format: TimeFormat = .local, now: Int64? = nil, zone: any LocalTimeProvider = UTCTime(),
              color: Bool = false) throws -> [String] {
        let mem = MemoryWriter()
        let sink = TextSink(output: OutputBuffer(writer: mem, lineBuffered: true), color: color, zone: zone,
                            timeFormat: format, now: now.map { n in { n } })
        for e in events { try sink.write(e) }
        try sink.finish()
        return mem.text.split(separator: "\n").map(String.init)
    }

    // 1_700_000_000 = 2023-11-14 22:13:20 UTC.
    let t: Int64 = 1_700_000_000_123_456

    @Test func dateShownWhenNotFromToday() throws {
        let sameDay = t + 3_600_000_000  // 23:13:20 the same day
        let nextDay = t + 7_200_000_000  // 00:13:20 the next day (UTC)
        #expect(try line([ev(time: t)], now: sameDay)[0].hasPrefix("[22:13:20] [1000] Detected open"))
        #expect(try line([ev(time: t)], now: nextDay)[0].hasPrefix("[2023-11-14 22:13:20] [1000] Detected open"))
        #expect(try line([ev(time: nextDay)], now: nextDay)[0].hasPrefix("[00:13:20] "))
        // Years ago (a replayed trail).
        #expect(try line([ev(time: 1_381_741_859_000_000)], now: t)[0].hasPrefix("[2013-10-14 09:10:59] "))
        // The day is the local one: at +02:00 both instants are on 2023-11-15.
        #expect(try line([ev(time: nextDay)], now: t, zone: FixedZone(7200))[0].hasPrefix("[02:13:20] "))
        #expect(try line([ev(time: t)], now: t, zone: FixedZone(7200))[0].hasPrefix("[00:13:20] "))
        // Before the epoch, days round down.
        #expect(try line([ev(time: -1_000_000)], now: t)[0].hasPrefix("[1969-12-31 23:59:59] "))
    }

    @Test func isoAndEpochTimesWithMicroseconds() throws {
        #expect(try line([ev(time: t)], format: .iso, now: t)[0].hasPrefix("[2023-11-14T22:13:20.123456Z] [1000] "))
        #expect(try line([ev(time: t)], format: .iso, zone: FixedZone(7200))[0].hasPrefix("[2023-11-14T22:13:20.123456Z] "),
                "iso is UTC whatever the zone")
        #expect(try line([ev(time: t)], format: .epoch)[0].hasPrefix("[1700000000.123456] [1000] "))
        #expect(try line([ev(time: 5)], format: .epoch)[0].hasPrefix("[0.000005] "))
        #expect(try line([ev(time: -1_500_000)], format: .epoch)[0].hasPrefix("[-1.500000] "))
    }

    @Test func pathWithArrowIsNotARename() throws {
        let lines = try line([ev(.create, path: "/tmp/a -> b"), ev(.rename, path: "/tmp/a", dest: "b"),
                              ev(.rename, path: "/tmp/x y", dest: "/tmp/say \"hi\"")])
        #expect(lines[0].hasSuffix(#"Detected create event from Vim (pid 10) -> "/tmp/a -> b""#))
        #expect(lines[1].hasSuffix("Detected rename event from Vim (pid 10) -> /tmp/a -> b"))
        #expect(lines[2].hasSuffix(#"-> "/tmp/x y" -> "/tmp/say \"hi\"""#))
        // A path that imitates the line's own words stays one field.
        let spoof = try line([ev(.open, path: "/tmp/f FAILED (Permission denied, errno 13)")])
        #expect(spoof[0].hasSuffix(#"-> "/tmp/f FAILED (Permission denied, errno 13)""#))
    }

    @Test func argumentsAreQuotedWhenNeeded() throws {
        var exec = ev(.exec, path: "/bin/sh", name: "sh", exe: "/bin/sh")
        exec.process.arguments = ["sh", "-c", "echo \"a b\"", "", #"back\slash"#]
        let lines = try line([exec])
        #expect(lines[0].hasSuffix(#"args: sh -c "echo \"a b\"" "" back\\slash"#), "\(lines[0])")
        var plain = ev(.exec, path: "/bin/ls", name: "ls", exe: "/bin/ls")
        plain.process.arguments = ["ls", "-l"]
        #expect(try line([plain])[0].hasSuffix("args: ls -l"))
        // A process name with a space is one field too.
        #expect(try line([ev(name: "Web Content")])[0].contains(#"from "Web Content" (pid 10)"#))
    }

    @Test func colourSpansCoverWholeFields() throws {
        let s = try line([ev(user: "alice")], now: t, color: true)[0]
        #expect(s.hasPrefix("\u{1B}[2m[22:13:20] [alice]\u{1B}[0m Detected \u{1B}[36mopen\u{1B}[0m event from \u{1B}[1mVim\u{1B}[0m (pid 10)"),
                "\(s.debugDescription)")
        // Every span that opens is closed again, and never inside a bracketed field.
        let opens = s.components(separatedBy: "\u{1B}[").count - 1
        #expect(opens == 6)
    }
}
