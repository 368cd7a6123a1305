// `--since TIME` / `--until TIME`: RFC 3339 (`2021-10-14T09:10:59Z`, `2021-10-14 09:10:59.250+02:00`)
// or auditreduce's `YYYYMMDD[HH[MM[SS]]]` in local time (its -a/-b form). Pure: the local time zone
// is the caller's (a closure from broken-down local time to epoch seconds, mktime in EventSources).

/// Broken-down local time as given on the command line.
public struct LocalDateTime: Sendable, Equatable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year; self.month = month; self.day = day; self.hour = hour; self.minute = minute; self.second = second
    }
}

public enum SelectionTime {
    /// Microseconds since the epoch, and whether the time was given to the whole second (no
    /// fraction): `--until` then includes that whole second, as auditreduce `-b` does.
    public static func parse(_ text: String, option: String,
                             local: (LocalDateTime) -> Int64?) throws(ConfigurationError) -> (micros: Int64, wholeSecond: Bool) {
        let b = Array(text.utf8)
        func fail(_ why: String) -> ConfigurationError {
            ConfigurationError("\(option) '\(text)': \(why); give RFC 3339 (2021-10-14T09:10:59Z, 2021-10-14T11:10:59.5+02:00) or YYYYMMDD[HH[MM[SS]]] in local time.")
        }
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for k in at..<(at + n) {
                guard b[k] >= 0x30 && b[k] <= 0x39 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            return v
        }
        if b.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // auditreduce: YYYYMMDD[HH[MM[SS]]], local time.
            guard [8, 10, 12, 14].contains(b.count) else { throw fail("expected 8, 10, 12 or 14 digits") }
            let t = LocalDateTime(year: digits(0, 4)!, month: digits(4, 2)!, day: digits(6, 2)!,
                                  hour: digits(8, 2) ?? 0, minute: digits(10, 2) ?? 0, second: digits(12, 2) ?? 0)
            guard valid(t) else { throw fail("no such date or time") }
            guard let secs = local(t) else { throw fail("not a time in the local time zone") }
            return (secs * 1_000_000, true)
        }
        // RFC 3339: date-time = full-date "T" full-time (also ' ' or 't'), offset "Z" or ±HH:MM.
        guard b.count >= 19, let y = digits(0, 4), b[4] == 0x2d, let mo = digits(5, 2), b[7] == 0x2d,
              let d = digits(8, 2), [0x54, 0x74, 0x20].contains(b[10]), let h = digits(11, 2), b[13] == 0x3a,
              let mi = digits(14, 2), b[16] == 0x3a, let s = digits(17, 2) else {
            throw fail("not a date and time")
        }
        var i = 19
        var micros = 0
        var whole = true
        if i < b.count, b[i] == 0x2e {
            i += 1
            var n = 0
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                if n < 6 { micros = micros * 10 + Int(b[i] - 0x30) }
                n += 1
                i += 1
            }
            guard n > 0 else { throw fail("a fraction needs digits") }
            for _ in n..<max(n, 6) { micros *= 10 }
            whole = false
        }
        var offset = 0
        guard i < b.count else { throw fail("missing time zone offset (Z or +HH:MM)") }
        if b[i] == 0x5a || b[i] == 0x7a {
            i += 1
        } else if b[i] == 0x2b || b[i] == 0x2d, let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3a,
                  let om = digits(i + 4, 2), oh < 24, om < 60 {
            offset = (oh * 3600 + om * 60) * (b[i] == 0x2d ? -1 : 1)
            i += 6
        } else {
            throw fail("bad time zone offset")
        }
        guard i == b.count else { throw fail("unexpected text after the time") }
        let t = LocalDateTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
        guard valid(t) else { throw fail("no such date or time") }
        let secs = Int64(RFC3339.daysFromCivil(year: y, month: mo, day: d)) * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offset)
        return (secs * 1_000_000 + Int64(micros), whole)
    }

    static func valid(_ t: LocalDateTime) -> Bool {
        guard (1...12).contains(t.month), t.day >= 1, t.hour < 24, t.minute < 60, t.second <= 60 else { return false }
        return t.day <= RFC3339.daysIn(month: t.month, year: t.year)
    }
}
