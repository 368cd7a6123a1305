// Records → events. The records of one event share (node, SECONDS.MILLIS, SERIAL); they may come
// interleaved with other events' and out of order. An event is complete at its EOE record, when it
// is a single-record type, when `timeout` of record time has passed since its last record AND at
// least `minRecordsAfter` records of others came since (logs written without EOE, lost EOEs; the
// count keeps a shuffled log or a clock step from cutting events), when more than `maxOpenEvents`
// are open (the oldest goes), when a live source is idle for the timeout, or at the end of input. Missing serial numbers (records lost before they were logged) are reported
// once the same timeout has passed without them turning up.

public struct AuditEventAssembler {
    public enum Output {
        /// The records of one event, in arrival order.
        case event([AuditRecord])
        /// `count` serial numbers from `first` never turned up.
        case lost(count: UInt64, first: UInt64, node: ByteString?)
    }

    struct Key: Hashable {
        var node: ByteString?
        var stamp: AuditStamp

        /// Two words instead of the synthesized five (hashing was 3 % of a log replay's CPU).
        func hash(into h: inout Hasher) {
            h.combine(stamp.serial ^ stamp.timeMilliseconds << 32)
            if let node { h.combine(node) }
        }
    }

    struct Open {
        var records: [AuditRecord]
        var lastTime: UInt64
        var lastRecord: UInt64
        var order: UInt64
    }

    /// Record time (ms) after which an event without EOE is taken as complete.
    public var timeoutMilliseconds: UInt64
    /// Open events at most (a flood of events without EOE cannot grow memory).
    public var maxOpenEvents: Int
    /// Records of other events that must follow an event's last record before a timeout completes it.
    public var minRecordsAfter: UInt64 = 32
    private var recordCount: UInt64 = 0
    /// Serial gaps larger than this are a renumbering (a reboot, a log of another host), not loss.
    public var maxGap: UInt64 = 1 << 20

    private var open: [Key: Open] = [:]
    /// Keys in arrival order (entries whose event already completed are skipped when met).
    private var queue: [(key: Key, order: UInt64)] = []
    private var queueHead = 0
    private var nextOrder: UInt64 = 0
    private var latestTime: UInt64 = 0
    /// Per node: the highest serial seen, and ranges not seen yet (first, last, record time then).
    private var highest: [ByteString?: UInt64] = [:]
    private var missing: [(node: ByteString?, first: UInt64, last: UInt64, time: UInt64)] = []
    public static let maxMissingRanges = 256

    public init(timeoutMilliseconds: UInt64 = 2000, maxOpenEvents: Int = 4096) {
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxOpenEvents = max(1, maxOpenEvents)
    }

    /// Events still waiting for records.
    public var openEventCount: Int { open.count }

    /// Adds one record; `emit` receives every event (and loss) it completes.
    public mutating func push(_ record: AuditRecord, _ emit: (Output) -> Void) {
        guard let stamp = record.stamp else {
            emit(.event([record]))
            return
        }
        recordCount += 1
        let node = record.node
        let time = stamp.timeMilliseconds
        if time > latestTime { latestTime = time }
        let key = Key(node: node, stamp: stamp)
        if record.type == AuditRecordTypes.eoe {
            if let done = open.removeValue(forKey: key) { emit(.event(done.records)) }
            // An EOE for an event already complete (or alone) adds nothing.
        } else if let i = open.index(forKey: key) {
            // One lookup; the event's records grow in place.
            open.values[i].records.append(record)
            open.values[i].lastTime = time
            open.values[i].lastRecord = recordCount
        } else if AuditRecordTypes.isSingleRecord(record.type) {
            // auditd's own DAEMON_* records carry auditd's counter (from a random start), not the kernel's.
            if !AuditRecordTypes.isDaemon(record.type) { noteSerial(stamp.serial, node: node, time: time) }
            emit(.event([record]))
        } else {
            noteSerial(stamp.serial, node: node, time: time)
            // Room for a usual event's records (SYSCALL, EXECVE, CWD, PATH×2, PROCTITLE) at once:
            // growing 1→2→4→8 was three more allocations per event.
            var records: [AuditRecord] = []
            records.reserveCapacity(8)
            records.append(record)
            open[key] = Open(records: records, lastTime: time, lastRecord: recordCount, order: nextOrder)
            queue.append((key, nextOrder))
            nextOrder += 1
            if open.count > maxOpenEvents { completeOldest(emit) }
        }
        expire(emit)
    }

    /// End of input: every open event is complete; missing serials are lost.
    public mutating func finish(_ emit: (Output) -> Void) {
        while !open.isEmpty { completeOldest(emit) }
        queue.removeAll(); queueHead = 0
        for m in missing { emit(.lost(count: m.last - m.first + 1, first: m.first, node: m.node)) }
        missing.removeAll()
    }

    /// Completes what is older than the timeout measured from `now` (milliseconds since the epoch):
    /// for a live source with no records coming.
    public mutating func expire(now: UInt64, _ emit: (Output) -> Void) {
        if now > latestTime { latestTime = now }
        expire(emit, idle: true)
    }

    // MARK: Internals

    private mutating func expire(_ emit: (Output) -> Void, idle: Bool = false) {
        let cutoff = latestTime > timeoutMilliseconds ? latestTime - timeoutMilliseconds : 0
        while queueHead < queue.count {
            let (key, order) = queue[queueHead]
            guard let o = open[key], o.order == order else { queueHead += 1; continue }
            guard o.lastTime < cutoff, idle || recordCount - o.lastRecord >= minRecordsAfter else { break }
            open.removeValue(forKey: key)
            queueHead += 1
            emit(.event(o.records))
        }
        compactQueue()
        while let m = missing.first, m.time < cutoff {
            missing.removeFirst()
            emit(.lost(count: m.last - m.first + 1, first: m.first, node: m.node))
        }
    }

    private mutating func completeOldest(_ emit: (Output) -> Void) {
        while queueHead < queue.count {
            let (key, order) = queue[queueHead]
            queueHead += 1
            if let o = open[key], o.order == order {
                open.removeValue(forKey: key)
                emit(.event(o.records))
                break
            }
        }
        compactQueue()
    }

    private mutating func compactQueue() {
        if queueHead > 1024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
    }

    /// Serial bookkeeping: a jump forward opens a gap; a serial inside a gap closes that part.
    private mutating func noteSerial(_ serial: UInt64, node: ByteString?, time: UInt64) {
        guard let top = highest[node] else { highest[node] = serial; return }
        // Serials are 32-bit in the kernel and wrap; compare modulo 2^32 when both fit.
        let modulus: UInt64 = 1 << 32
        let forward = (serial &- top) & (top < modulus && serial < modulus ? modulus - 1 : UInt64.max)
        if forward == 0 { return }
        if forward <= maxGap {
            if forward > 1 {
                if missing.count >= Self.maxMissingRanges { missing.removeFirst() }
                let first = (top &+ 1) & (top < modulus ? modulus - 1 : UInt64.max)
                missing.append((node, first, first &+ forward &- 2, time))
            }
            highest[node] = serial
            return
        }
        let backward = (top &- serial) & (top < modulus && serial < modulus ? modulus - 1 : UInt64.max)
        if backward <= maxGap {
            // A late event: it fills (part of) a gap.
            if let i = missing.firstIndex(where: { $0.node == node && $0.first <= serial && serial <= $0.last }) {
                let m = missing[i]
                missing.remove(at: i)
                if m.first < serial { missing.insert((node, m.first, serial - 1, m.time), at: i) }
                if serial < m.last { missing.insert((node, serial + 1, m.last, m.time), at: min(i + (m.first < serial ? 1 : 0), missing.count)) }
            }
            return
        }
        highest[node] = serial  // renumbered
    }
}
