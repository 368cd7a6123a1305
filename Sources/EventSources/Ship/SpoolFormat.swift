// The spool's files: segment files of records, and small text files of numbers.
//
// DIR/NNNNNNNNNNNNNNNNNNNN.seg   records from sequence N on (20 digits), appended in order
// DIR/sequence                   the next sequence number (the highest on disk + 1 wins at start)
// DIR/acked-KEY                  the highest sequence a collector has acknowledged (all before it too)
//
// Byte layout of one record (little-endian):
//    0  u32  payload length n
//    4  u32  CRC-32 (IEEE 802.3) of bytes 8 ..< 24 + n
//    8  u64  sequence
//   16  i64  event time, µs since the epoch
//   24  n    payload: one RFC 5424 message
// A record cut short or failing its CRC (filewatcher killed mid-write) ends the segment; the spool
// truncates it there when it opens.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// One record as stored.
struct SpoolRecord: Equatable {
    var sequence: UInt64
    var time: Int64
    var payload: [UInt8]

    static let headerSize = 24
    /// The largest payload accepted when reading (messages are capped far below it).
    static let maxPayload = 1 << 24

    var storedSize: Int { Self.headerSize + payload.count }

    func encode(into out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: 8))
        withUnsafeBytes(of: sequence.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(bitPattern: time).littleEndian) { out.append(contentsOf: $0) }
        out += payload
        let crc = out[(start + 8)...].withUnsafeBytes { crc32($0) }
        out.withUnsafeMutableBytes { p in
            p.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: start, as: UInt32.self)
            p.storeBytes(of: crc.littleEndian, toByteOffset: start + 4, as: UInt32.self)
        }
    }

    enum Decoded {
        /// A whole valid record and its stored size.
        case record(SpoolRecord, size: Int)
        /// `b` is a prefix of a record (more may follow, or the writer was killed mid-record).
        case incomplete
        /// Not a record: a length over the limit or a CRC mismatch.
        case damaged
    }

    /// Decodes the record at the start of `b`. Its CRC is checked unless its sequence is at least
    /// `trustedFrom`: records this run wrote itself, read back below the size it recorded after
    /// writing them (measured: checking those too was half the spool's CRC time when shipping).
    static func decode(_ b: UnsafeRawBufferPointer, trustedFrom: UInt64 = .max) -> Decoded {
        guard b.count >= headerSize else { return .incomplete }
        let n = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        guard n <= maxPayload else { return .damaged }
        guard b.count >= headerSize + n else { return .incomplete }
        let crc = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let seq = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        if seq < trustedFrom {
            guard crc32(UnsafeRawBufferPointer(rebasing: b[8..<(headerSize + n)])) == crc else { return .damaged }
        }
        let time = Int64(bitPattern: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
        return .record(SpoolRecord(sequence: seq, time: time, payload: Array(b[headerSize..<(headerSize + n)])), size: headerSize + n)
    }
}

/// CRC-32 tables for slicing by 8: `crcTables[k * 256 + n]` is the CRC of byte `n` followed by `k`
/// zero bytes (k = 0 is the classic byte-at-a-time table).
private let crcTables: [UInt32] = {
    var t = [UInt32](repeating: 0, count: 8 * 256)
    for n in 0..<256 {
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        t[n] = c
    }
    for k in 1..<8 {
        for n in 0..<256 { t[k * 256 + n] = (t[(k - 1) * 256 + n] >> 8) ^ t[Int(t[(k - 1) * 256 + n] & 0xFF)] }
    }
    return t
}()

/// CRC-32 (IEEE 802.3, as zlib computes it), eight bytes a step.
func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    crcTables.withUnsafeBufferPointer { t in
        let n = bytes.count
        var i = 0
        while n - i >= 8 {
            let lo = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ c
            let hi = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
            c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                ^ t[256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
            i += 8
        }
        while i < n {
            c = t[Int((c ^ UInt32(bytes[i])) & 0xFF)] ^ (c >> 8)
            i += 1
        }
    }
    return c ^ 0xFFFF_FFFF
}

/// Small file helpers for the spool (the errors name the call and the file).
enum SpoolFiles {
    static func segmentName(_ first: UInt64) -> String {
        let digits = String(first)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    /// The first sequence of a segment file name, or nil for other files.
    static func segmentFirst(_ name: String) -> UInt64? {
        guard name.hasSuffix(".seg"), name.count == 24 else { return nil }
        return UInt64(name.prefix(20))
    }

    static func list(_ dir: String) throws(SystemCallError) -> [String] {
        guard let d = opendir(dir) else { throw SystemCallError("opendir", currentErrno(), object: dir) }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// mkdir -p with mode 0700 for what it makes.
    static func makeDirectory(_ path: String) throws(SystemCallError) {
        var partial = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            partial += "/" + part
            if mkdir(partial, 0o700) != 0 {
                let e = currentErrno()
                if e != .fileExists { throw SystemCallError("mkdir", e, object: partial) }
            }
        }
    }

    /// A decimal number from a small text file; nil when it is missing or not a number.
    static func readNumber(_ path: String) -> UInt64? {
        guard let fd = try? FileDescriptor.open(path, .readOnly, options: [.closeOnExec]) else { return nil }
        defer { try? fd.close() }
        var buffer = [UInt8](repeating: 0, count: 32)
        guard let n = try? buffer.withUnsafeMutableBytes({ try fd.read(into: $0) }) else { return nil }
        return UInt64(String(decoding: buffer[..<n].prefix { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self))
    }

    /// Replaces a small text file with `value` (written to a temporary name, then renamed).
    static func writeNumber(_ value: UInt64, to path: String, sync: Bool) throws(SystemCallError) {
        let tmp = path + ".tmp"
        do {
            let fd = try FileDescriptor.open(tmp, .writeOnly, options: [.create, .truncate, .closeOnExec],
                                             permissions: [.ownerReadWrite])
            defer { try? fd.close() }
            _ = try fd.writeAll(Array("\(value)\n".utf8))
            if sync { _ = fsync(fd.rawValue) }
        } catch let e as Errno {
            throw SystemCallError("write", e, object: tmp)
        } catch {
            throw SystemCallError("write", .ioError, object: tmp)
        }
        guard rename(tmp, path) == 0 else { throw SystemCallError("rename", currentErrno(), object: path) }
    }
}
