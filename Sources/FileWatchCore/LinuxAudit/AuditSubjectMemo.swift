// The process subjects of recent events, by pid, with the bytes they were made from: a process
// logs event after event with the same pid, ppid, ids, comm, exe and PROCTITLE, and a hit hands
// out the subject made before (a few retains) instead of parsing, decoding and allocating its
// fields again (callgrind, 100k-event benchmark log: `process(_:_:title:)` was 317 M Ir, 8.7 %
// of the replay; with the memo it is about 25 M).

/// Direct-mapped on the pid; a slot holds the subject and its key: for each part the subject is
/// made from (the subject record's pid, ppid, uid, euid, auid, gid, comm, exe and enriched UID
/// fields, then PROCTITLE's `proctitle`), the form byte (0xFF: no such field, 0xFE: no PROCTITLE
/// record), the value's length (4 bytes, little-endian) and its bytes as logged. Equal keys make
/// equal subjects: `AuditEventMapper.process` reads nothing else. One per mapper, never shared.
struct AuditSubjectMemo {
    static var slots: Int { 256 }
    /// Longer keys (long command lines) are not kept; their subjects are made every time.
    static var maxKeyBytes: Int { 1024 }
    /// A reference per slot: a hit reads the subject out of it without copying an Optional
    /// subject out of an array (measured: those copies cost more than the comparison).
    private final class Entry {
        var key: [UInt8] = []
        var subject: ProcessSubject?
    }
    private var entries: [Entry] = (0..<slots).map { _ in Entry() }

    /// The subject of record `r` (its fields `f`) and PROCTITLE field `tf` of record `t`: the one
    /// kept for the same bytes, or `make()` (then kept).
    mutating func subject(_ r: AuditRecordView, _ f: SubjectFields, title t: AuditRecordView?, _ tf: AuditField?,
                          make: () -> ProcessSubject) -> ProcessSubject {
        let pid = f.pid.flatMap { r.integer($0) } ?? -1
        let slot = Int(truncatingIfNeeded: pid) & (Self.slots - 1)
        let entry = entries[slot]
        if entry.subject != nil {
            let same = entry.key.withUnsafeBufferPointer { k in
                var c = Reader(key: k)
                return c.same(r, f.pid) && c.same(r, f.ppid) && c.same(r, f.uid) && c.same(r, f.euid)
                    && c.same(r, f.auid) && c.same(r, f.gid) && c.same(r, f.comm) && c.same(r, f.exe)
                    && c.same(r, f.enrichedUID) && (t.map { c.same($0, tf) } ?? c.same(noTitle: ())) && c.atEnd
            }
            if same { return entry.subject! }
        }
        let made = make()
        entry.key.removeAll(keepingCapacity: true)
        for (record, field) in [(r, f.pid), (r, f.ppid), (r, f.uid), (r, f.euid), (r, f.auid), (r, f.gid),
                                (r, f.comm), (r, f.exe), (r, f.enrichedUID)] {
            Self.append(record, field, to: &entry.key)
        }
        if let t { Self.append(t, tf, to: &entry.key) } else { entry.key.append(Self.noTitle) }
        entry.subject = entry.key.count <= Self.maxKeyBytes ? made : nil
        return made
    }

    private static let absent: UInt8 = 0xFF
    private static let noTitle: UInt8 = 0xFE

    private static func append(_ r: AuditRecordView, _ x: AuditField?, to key: inout [UInt8]) {
        guard let x else { key.append(absent); return }
        let value = UnsafeBufferPointer(rebasing: r.bytes[r.range(x)])
        key.append(x.form.rawValue)
        withUnsafeBytes(of: UInt32(value.count).littleEndian) { key.append(contentsOf: $0) }
        key.append(contentsOf: value)
    }

    /// Reads a key part by part, comparing with the parts of a record.
    private struct Reader {
        let key: UnsafeBufferPointer<UInt8>
        var at = 0

        init(key: UnsafeBufferPointer<UInt8>) { self.key = key }

        var atEnd: Bool { at == key.count }

        @inline(__always)
        mutating func same(_ r: AuditRecordView, _ x: AuditField?) -> Bool {
            guard at < key.count else { return false }
            guard let x else {
                at &+= 1
                return key[at &- 1] == AuditSubjectMemo.absent
            }
            let n = Int(x.valueEnd &- x.valueStart)
            guard key[at] == x.form.rawValue, at &+ 5 &+ n <= key.count,
                  UnsafeRawPointer(key.baseAddress! + (at &+ 1)).loadUnaligned(as: UInt32.self) == UInt32(n).littleEndian
            else { return false }
            at &+= 5
            let value = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: r.bytes[r.range(x)]))
            guard memoryEqual(value, UnsafeRawBufferPointer(start: key.baseAddress! + at, count: n)) else { return false }
            at &+= n
            return true
        }

        mutating func same(noTitle: Void) -> Bool {
            guard at < key.count else { return false }
            at &+= 1
            return key[at &- 1] == AuditSubjectMemo.noTitle
        }
    }
}
