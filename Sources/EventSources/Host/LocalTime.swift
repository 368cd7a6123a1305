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
