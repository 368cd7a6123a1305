import BSM

// Calendar arithmetic for the sinks (pure). The local UTC offset comes from a `BSM.LocalTimeProvider`
// (EventSources' `SystemLocalTime`: localtime_r behind BSM's `CachedLocalTime`; `UTCTime` in tests).

/// Broken-down civil time.
public struct CivilTime: Equatable, Sendable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int

    /// `micros` since the epoch, shifted by `offset` seconds. Proleptic Gregorian, also before 1970.
    public init(epochMicroseconds micros: Int64, offset: Int = 0) {
        var secs = micros / 1_000_000
        var us = micros % 1_000_000
        if us < 0 { us += 1_000_000; secs -= 1 }
        let civil = BSM.CivilTime(epochSeconds: secs, utcOffset: Int64(offset))
        year = Int(civil.year); month = civil.month; day = civil.day
        hour = civil.hour; minute = civil.minute; second = civil.second; microsecond = Int(us)
    }
}

extension OutputBuffer {
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ` (RFC 3339, UTC, microseconds).
    /// The text up to the fraction is kept for the last second written (measured: events come
    /// many to a second, and the calendar arithmetic was a tenth of the JSON sink's instructions).
    public func appendRFC3339(epochMicroseconds micros: Int64) {
        var second = micros / 1_000_000
        var us = micros % 1_000_000
        if us < 0 { us += 1_000_000; second -= 1 }
        if let memo = rfc3339Memo, memo.second == second {
            append(contentsOf: memo.prefix)
        } else {
            let start = count
            let t = CivilTime(epochMicroseconds: micros)
            if t.year < 0 || t.year > 9999 {
                appendDecimal(Int64(t.year))
            } else {
                appendPadded(t.year, width: 4)
            }
            append(UInt8(ascii: "-")); appendPadded(t.month, width: 2)
            append(UInt8(ascii: "-")); appendPadded(t.day, width: 2)
            append(UInt8(ascii: "T")); appendPadded(t.hour, width: 2)
            append(UInt8(ascii: ":")); appendPadded(t.minute, width: 2)
            append(UInt8(ascii: ":")); appendPadded(t.second, width: 2)
            append(UInt8(ascii: "."))
            rfc3339Memo = (second, Array(UnsafeRawBufferPointer(rebasing: storage.bytes[start...])))
        }
        appendPadded(Int(us), width: 6)
        append(UInt8(ascii: "Z"))
    }

    /// `HH:MM:SS` in the zone `offset` seconds east of UTC.
    public func appendClock(epochMicroseconds micros: Int64, offset: Int) {
        let t = CivilTime(epochMicroseconds: micros, offset: offset)
        appendPadded(t.hour, width: 2); append(UInt8(ascii: ":"))
        appendPadded(t.minute, width: 2); append(UInt8(ascii: ":"))
        appendPadded(t.second, width: 2)
    }
}

/// How text output shows an event's time (`--time-format`).
public enum TimeFormat: String, CaseIterable, Sendable {
    /// The local clock, `HH:MM:SS`, preceded by the date (`YYYY-MM-DD HH:MM:SS`) when the event is
    /// not from today (replayed trails, a run across midnight).
    case local
    /// RFC 3339 in UTC with microseconds: `2023-11-14T22:13:20.000000Z`.
    case iso
    /// Seconds since the Unix epoch with microseconds: `1700000000.000000`.
    case epoch
}

extension OutputBuffer {
    /// `YYYY-MM-DD` of the civil time `t`.
    public func appendDate(_ t: CivilTime) {
        if t.year < 0 || t.year > 9999 { appendDecimal(Int64(t.year)) } else { appendPadded(t.year, width: 4) }
        append(UInt8(ascii: "-")); appendPadded(t.month, width: 2)
        append(UInt8(ascii: "-")); appendPadded(t.day, width: 2)
    }

    /// `SECONDS.ffffff` since the epoch (negative before 1970: `-1.500000` is 1.5 s before).
    public func appendEpoch(microseconds micros: Int64) {
        let magnitude = micros.magnitude
        if micros < 0 { append(UInt8(ascii: "-")) }
        appendDecimal(magnitude / 1_000_000)
        append(UInt8(ascii: "."))
        appendPadded(Int(magnitude % 1_000_000), width: 6)
    }
}

/// The local calendar day of an instant (days since 1970-01-01 in the zone `offset` seconds east
/// of UTC), for "is this event from today?".
@inline(__always)
public func localDay(epochMicroseconds micros: Int64, offset: Int) -> Int64 {
    var seconds = micros / 1_000_000
    if micros < 0 && micros % 1_000_000 != 0 { seconds -= 1 }
    let local = seconds + Int64(offset)
    return local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
}
