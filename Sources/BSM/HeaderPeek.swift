// A record's event number and time, read from its header bytes alone (nothing else decoded): the
// first question of every selection (auditreduce's `-m`, `-a`, `-b`, `-c`), asked of every record.
//
// Byte layout (big-endian; the record's byte count was already checked by the framer):
//   header32     0x14  size u32  version u8  e_type u16  e_mod u16  seconds u32  msec u32
//   header32_ex  0x15  size u32  version u8  e_type u16  e_mod u16  ad_type u32  address (ad_type
//                      bytes: 4 or 16; none for any other type, as praudit reads it)  seconds u32  msec u32
//   header64     0x74  size u32  version u8  e_type u16  e_mod u16  seconds u64  msec u64
//   header64_ex  0x79  size u32  version u8  e_type u16  e_mod u16  ad_type u32  address  seconds u64
//                      msec u64
// The event number is always at offset 6; the time follows the (optional) address.

/// What a selection needs from a record's header.
public struct HeaderSummary: Hashable, Sendable {
    /// Event number (e_type).
    public var event: UInt16
    public var seconds: UInt64
    public var milliseconds: UInt64

    public init(event: UInt16, seconds: UInt64, milliseconds: UInt64) {
        self.event = event; self.seconds = seconds; self.milliseconds = milliseconds
    }

    /// Microseconds since the epoch (clamped; milliseconds over 999 count as their remainder, as
    /// the event mapper reads them).
    @inlinable public var microseconds: Int64 {
        Int64(clamping: seconds) &* 1_000_000 &+ Int64(clamping: milliseconds % 1000) &* 1000
    }

    /// The summary of the header at `p[i...]`, which must hold `count` bytes of the record; nil
    /// when the bytes are not a complete header (not a header id, too short).
    @inlinable
    public static func peek(_ p: UnsafeRawBufferPointer, at i: Int, count: Int) -> HeaderSummary? {
        guard count >= 18, i >= 0, i &+ count <= p.count else { return nil }
        @inline(__always) func u16(_ k: Int) -> UInt16 { UInt16(bigEndian: p.loadUnaligned(fromByteOffset: i &+ k, as: UInt16.self)) }
        @inline(__always) func u32(_ k: Int) -> UInt32 { UInt32(bigEndian: p.loadUnaligned(fromByteOffset: i &+ k, as: UInt32.self)) }
        @inline(__always) func u64(_ k: Int) -> UInt64 { UInt64(bigEndian: p.loadUnaligned(fromByteOffset: i &+ k, as: UInt64.self)) }
        let event = u16(6)
        switch p[i] {
        case 0x14:
            return HeaderSummary(event: event, seconds: UInt64(u32(10)), milliseconds: UInt64(u32(14)))
        case 0x74:
            guard count >= 26 else { return nil }
            return HeaderSummary(event: event, seconds: u64(10), milliseconds: u64(18))
        case 0x15, 0x79:
            let type = u32(10)
            let t = 14 &+ (type == 4 || type == 16 ? Int(type) : 0)
            let wide = p[i] == 0x79
            guard count >= t &+ (wide ? 16 : 8) else { return nil }
            return wide ? HeaderSummary(event: event, seconds: u64(t), milliseconds: u64(t &+ 8))
                : HeaderSummary(event: event, seconds: UInt64(u32(t)), milliseconds: UInt64(u32(t &+ 4)))
        default:
            return nil
        }
    }
}

extension Record {
    /// The header's event number and time (nil for a `file` record or a damaged header).
    @inlinable public var headerSummary: HeaderSummary? {
        guard kind == .record else { return nil }
        let b = bytes
        return b.storage.withUnsafeBytes { HeaderSummary.peek($0, at: b.lowerBound, count: b.upperBound &- b.lowerBound) }
    }
}
