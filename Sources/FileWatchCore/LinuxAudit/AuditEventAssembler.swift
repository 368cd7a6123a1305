// Records → events. The records of one event share (node, SECONDS.MILLIS, SERIAL); they may come
// interleaved with other events' and out of order. An event is complete at its EOE record, when it
// is a single-record type, when `timeout` of record time has passed since its last record AND at
// least `minRecordsAfter` records of others came since (logs written without EOE, lost EOEs; the
// count keeps a shuffled log or a clock step from cutting events), when more than `maxOpenEvents`
// are open (the oldest goes), when a live source is idle for the timeout, or at the end of input. Missing serial numbers (records lost before they were logged) are reported
// once the same timeout has passed without them turning up.

/// What receives the assembler's output. Passed `inout` down the call chain (a closure capturing
/// the mapper, the name and the receiver cost ~10 reference-count operations a record, ~200
/// instructions: 85 M of a 100k-event replay's 3,455 M).
protocol AuditOutputHandler {
    mutating func handle(_ output: AuditEventAssembler.Output)
}

/// The public closure form of a handler.
private struct ClosureOutputHandler: AuditOutputHandler {
    let body: (AuditEventAssembler.Output) -> Void
    func handle(_ output: AuditEventAssembler.Output) { body(output) }
}

public struct AuditEventAssembler {
    public enum Output {
        /// The records of one event, in arrival order.
        case event(AuditEventRecords)
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

    /// An open event's place: its records' buffer stays here after the event completes and is
    /// reused by the next one (free slots are taken last-freed first, while their memory is warm).
    struct Slot {
        var records = AuditEventRecords()
        var key: Key
        var lastTime: UInt64 = 0
        var lastRecord: UInt64 = 0
        var order: UInt64 = 0
        var isOpen = false
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

    private var slots: [Slot] = []
    /// Free slots that keep their buffers' capacity at most.
    static let warmSlots = 16
    private var single = AuditEventRecords()
    private var freeSlots: [Int] = []
    /// Open events by key → slot.
    private var open: [Key: Int] = [:]
    /// The slot the last record went to: the next record usually belongs to the same event.
    private var lastSlot = -1
    /// Slots in the order their events opened (entries whose event already completed are skipped).
    private var queue: [(slot: Int, order: UInt64)] = []
    private var queueHead = 0
    private var nextOrder: UInt64 = 0
    private var latestTime: UInt64 = 0
    /// Per node: the highest serial seen, and ranges not seen yet (first, last, record time then).
    private var highest: [ByteString: UInt64] = [:]
    /// The highest serial of records without a node (nearly all): kept apart from `highest` (its
    /// hashing was 510 instructions a new event).
    private var highestWithoutNode: UInt64?
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
        withHandler(emit) { a, h in record.withView { a.push($0, &h) } }
    }

    /// Runs `body` with `emit` as a handler.
    private mutating func withHandler(_ emit: (Output) -> Void, _ body: (inout Self, inout ClosureOutputHandler) -> Void) {
        withoutActuallyEscaping(emit) { e in
            var h = ClosureOutputHandler(body: e)
            body(&self, &h)
        }
    }

    /// Adds one record read in place (its bytes are copied into its event's buffer).
    mutating func push<H: AuditOutputHandler>(_ record: AuditRecordView, _ emit: inout H) {
        guard let stamp = record.header.stamp else {
            emitAlone(record, &emit)
            return
        }
        recordCount += 1
        let time = stamp.timeMilliseconds
        if time > latestTime { latestTime = time }
        let type = record.header.type
        // The last record's event, compared in place (no key is made for most records).
        var slot = -1
        if lastSlot >= 0, slots[lastSlot].isOpen, slots[lastSlot].key.stamp == stamp,
           record.header.nodeRange == nil ? slots[lastSlot].key.node == nil : record.hasNode(slots[lastSlot].key.node) {
            slot = lastSlot
        }
        var key: Key? = nil
        if slot < 0 {
            let k = Key(node: record.node, stamp: stamp)
            if let s = open[k] { slot = s }
            key = k
        }
        if slot >= 0, type != AuditRecordTypes.eoe,
           slots[slot].records.byteCount + record.bytes.count > AuditEventRecords.maxBytes {
            if key == nil { key = slots[slot].key }
            complete(slot, &emit)  // a gigabyte under one serial: what came so far is one event
            slot = -1
        }
        if type == AuditRecordTypes.eoe {
            // An EOE for an event already complete (or alone) adds nothing.
            if slot >= 0 { complete(slot, &emit) }
        } else if slot >= 0 {
            slots[slot].records.append(record)
            slots[slot].lastTime = time
            slots[slot].lastRecord = recordCount
            lastSlot = slot
        } else if AuditRecordTypes.isSingleRecord(type) {
            // auditd's own DAEMON_* records carry auditd's counter (from a random start), not the kernel's.
            if !AuditRecordTypes.isDaemon(type) { noteSerial(stamp.serial, node: key!.node, time: time) }
            emitAlone(record, &emit)
        } else {
            let key = key!
            noteSerial(stamp.serial, node: key.node, time: time)
            let s: Int
            if let free = freeSlots.popLast() {
                s = free
                slots[s].key = key
            } else {
                s = slots.count
                slots.append(Slot(key: key))
            }
            slots[s].records.append(record)
            slots[s].lastTime = time
            slots[s].lastRecord = recordCount
            slots[s].order = nextOrder
            slots[s].isOpen = true
            open[key] = s
            queue.append((s, nextOrder))
            nextOrder += 1
            lastSlot = s
            if open.count > maxOpenEvents { completeOldest(&emit) }
        }
        expire(&emit)
    }

    /// End of input: every open event is complete; missing serials are lost.
    public mutating func finish(_ emit: (Output) -> Void) {
        withHandler(emit) { a, h in a.finish(&h) }
    }

    mutating func finish<H: AuditOutputHandler>(_ emit: inout H) {
        while !open.isEmpty { completeOldest(&emit) }
        queue.removeAll(); queueHead = 0
        for m in missing { emit.handle(.lost(count: m.last - m.first + 1, first: m.first, node: m.node)) }
        missing.removeAll()
    }

    /// Completes what is older than the timeout measured from `now` (milliseconds since the epoch):
    /// for a live source with no records coming.
    public mutating func expire(now: UInt64, _ emit: (Output) -> Void) {
        withHandler(emit) { a, h in a.expire(now: now, &h) }
    }

    mutating func expire<H: AuditOutputHandler>(now: UInt64, _ emit: inout H) {
        if now > latestTime { latestTime = now }
        expire(&emit, idle: true)
    }

    // MARK: Internals

    /// Emits the event of `slot` and frees the slot (its buffers kept for the next event while
    /// few free slots keep theirs: memory stays bounded after a burst of open events).
    private mutating func complete<H: AuditOutputHandler>(_ slot: Int, _ emit: inout H) {
        open.removeValue(forKey: slots[slot].key)
        slots[slot].isOpen = false
        emit.handle(.event(slots[slot].records))
        if freeSlots.count < Self.warmSlots {
            slots[slot].records.removeAll()
        } else {
            slots[slot].records = AuditEventRecords()
        }
        freeSlots.append(slot)
    }

    /// A record that is an event by itself, through a buffer kept for them.
    private mutating func emitAlone<H: AuditOutputHandler>(_ record: AuditRecordView, _ emit: inout H) {
        single.append(record)
        emit.handle(.event(single))
        single.removeAll()
    }

    private mutating func expire<H: AuditOutputHandler>(_ emit: inout H, idle: Bool = false) {
        let cutoff = latestTime > timeoutMilliseconds ? latestTime - timeoutMilliseconds : 0
        while queueHead < queue.count {
            let (slot, order) = queue[queueHead]
            guard slots[slot].isOpen, slots[slot].order == order else { queueHead += 1; continue }
            guard slots[slot].lastTime < cutoff, idle || recordCount - slots[slot].lastRecord >= minRecordsAfter else { break }
            queueHead += 1
            complete(slot, &emit)
        }
        compactQueue()
        while let m = missing.first, m.time < cutoff {
            missing.removeFirst()
            emit.handle(.lost(count: m.last - m.first + 1, first: m.first, node: m.node))
        }
    }

    private mutating func completeOldest<H: AuditOutputHandler>(_ emit: inout H) {
        while queueHead < queue.count {
            let (slot, order) = queue[queueHead]
            queueHead += 1
            if slots[slot].isOpen, slots[slot].order == order {
                complete(slot, &emit)
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
        let known: UInt64?
        if let node { known = highest[node] } else { known = highestWithoutNode }
        guard let top = known else { setHighest(serial, node: node); return }
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
            setHighest(serial, node: node)
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
        setHighest(serial, node: node)  // renumbered
    }

    private mutating func setHighest(_ serial: UInt64, node: ByteString?) {
        if let node { highest[node] = serial } else { highestWithoutNode = serial }
    }
}
