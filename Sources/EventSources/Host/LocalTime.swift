// The local time zone (TZ, or /etc/localtime) for the clock column of `watch` and the times
// `print` writes: localtime_r behind BSM's one offset cache.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import FileWatchCore

/// The local UTC offset at an instant, cached (`CachedLocalTime`). One per thread.
public struct SystemLocalTime: LocalTimeProvider {
    private var cache = CachedLocalTime(SystemLocalTime.uncachedOffset)

    public init() { tzset() }

    public mutating func utcOffset(at epochSeconds: Int64) -> Int64? { cache.utcOffset(at: epochSeconds) }

    /// Now, in microseconds since the epoch (CLOCK_REALTIME).
    @Sendable public static func nowMicroseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }

    /// localtime_r's tm_gmtoff at `t`; nil when `t` does not fit a time_t or localtime_r fails.
    static func uncachedOffset(_ t: Int64) -> Int64? {
        var tt = time_t(truncatingIfNeeded: t)
        guard Int64(tt) == t else { return nil }
        var tmv = tm()
        guard localtime_r(&tt, &tmv) != nil else { return nil }
        return Int64(tmv.tm_gmtoff)
    }
}

extension SystemLocalTime {
    /// Seconds since the epoch of a local date and time (mktime, the zone deciding daylight saving
    /// time); nil when it cannot be represented.
    public static func epochSeconds(of t: LocalDateTime) -> Int64? {
        tzset()
        var tmv = tm()
        tmv.tm_year = Int32(t.year - 1900)
        tmv.tm_mon = Int32(t.month - 1)
        tmv.tm_mday = Int32(t.day)
        tmv.tm_hour = Int32(t.hour)
        tmv.tm_min = Int32(t.minute)
        tmv.tm_sec = Int32(t.second)
        tmv.tm_isdst = -1
        let r = mktime(&tmv)
        return r == -1 && !(t.year == 1969 && t.month == 12 && t.day == 31) ? nil : Int64(r)
    }
}
