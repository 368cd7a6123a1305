// ctime(3)-style time text, computed from seconds since the epoch plus the local UTC offset.
// The offset comes from the injected `LocalTimeProvider` (EventSources asks localtime_r and
// caches it); the calendar arithmetic here is pure.

/// A broken-down civil time.
public struct CivilTime: Equatable, Sendable {
    public var year: Int64
    public var month: Int      // 1...12
    public var day: Int        // 1...31
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var weekday: Int    // 0 = Sunday

    /// Civil time of `seconds` since 1970-01-01 00:00:00 UTC shifted by `offset` seconds.
    public init(epochSeconds seconds: Int64, utcOffset offset: Int64) {
        let t = seconds &+ offset
        var days = t / 86_400
        var rem = t % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        hour = Int(rem / 3600)
        minute = Int(rem % 3600 / 60)
        second = Int(rem % 60)
        var wd = (days + 4) % 7
        if wd < 0 { wd += 7 }
        weekday = Int(wd)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = Int(doy - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }
}

/// The local time zone as the printer needs it: the UTC offset in effect at an instant.
public protocol LocalTimeProvider {
    /// Seconds east of UTC in effect at `epochSeconds` (what localtime_r reports as tm_gmtoff),
    /// or nil when the instant cannot be represented.
    mutating func utcOffset(at epochSeconds: Int64) -> Int64?
}

/// UTC, for tests and for `TZ=UTC`.
public struct UTCTime: LocalTimeProvider {
    public init() {}
    public func utcOffset(at epochSeconds: Int64) -> Int64? { 0 }
}

/// The one local-time offset cache (the host's `SystemLocalTime` is this over localtime_r): asking
/// the system for every event or record would put a libc call in the hot path.
///
/// Offsets are cached per 15-minute slot of UTC. Both ends of a slot are asked; when they agree the
/// offset holds for the whole slot (no zone changes its offset twice within 15 minutes), when they
/// differ (a change inside the slot, at any second: historical zones change at odd times) every
/// instant of that slot is asked. Nothing assumes offsets are whole quarter hours.
public struct CachedLocalTime: LocalTimeProvider {
    private let offsetAt: (Int64) -> Int64?
    private var slot: Int64 = .min
    private var slotOffset: Int64 = 0
    private var slotIsMixed = false
    static let slotLength: Int64 = 900

    /// - Parameter offsetAt: the uncached offset at an instant (nil: not representable).
    public init(_ offsetAt: @escaping (Int64) -> Int64?) { self.offsetAt = offsetAt }

    public mutating func utcOffset(at epochSeconds: Int64) -> Int64? {
        let length = Self.slotLength
        let s = epochSeconds >= 0 ? epochSeconds / length : (epochSeconds - length + 1) / length
        if s == slot { return slotIsMixed ? offsetAt(epochSeconds) : slotOffset }
        let start = s &* length
        guard let a = offsetAt(start), let b = offsetAt(start &+ length &- 1) else { return offsetAt(epochSeconds) }
        slot = s
        slotOffset = a
        slotIsMixed = a != b
        return slotIsMixed ? offsetAt(epochSeconds) : a
    }
}

private let dayNames: StaticString = "SunMonTueWedThuFriSat"
private let monthNames: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"

extension OutputBuffer {
    /// `ctime` without the newline: `Thu Jan  1 00:00:00 1970` (glibc's asctime layout
    /// `%.3s %.3s%3d %.2d:%.2d:%.2d %d`).
    public func appendCTime(_ c: CivilTime) {
        reserve(32)
        let d = dayNames.utf8Start + c.weekday * 3
        let m = monthNames.utf8Start + (c.month - 1) * 3
        appendUnchecked(d[0]); appendUnchecked(d[1]); appendUnchecked(d[2])
        appendUnchecked(32)
        appendUnchecked(m[0]); appendUnchecked(m[1]); appendUnchecked(m[2])
        appendUnchecked(32)
        if c.day < 10 { appendUnchecked(32); appendUnchecked(UInt8(c.day) + 48) } else { two(c.day) }
        appendUnchecked(32)
        two(c.hour); appendUnchecked(58); two(c.minute); appendUnchecked(58); two(c.second)
        appendUnchecked(32)
        appendDecimal(signed: c.year)
    }

    @inline(__always)
    private func two(_ v: Int) {
        appendUnchecked(UInt8(v / 10) + 48)
        appendUnchecked(UInt8(v % 10) + 48)
    }
}
