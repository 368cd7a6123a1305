// `--ship URL`: every event becomes RFC 5424 messages (one per record of the ship format), numbered
// with the spool's persisted sequence, appended to the durable spool by a writer queue, and sent to
// every collector by its CollectorClient. The source's thread only formats and hands over a batch:
// it never waits on the disk or the network (a live source whose writer falls behind by more than
// `queueLimit` bytes drops that batch, counted; the collectors then get a loss record for the gap).
// Memory stays bounded during a collector outage: the queue is small for a live source, and when it
// empties the writer gives freed heap pages back (glibc keeps them otherwise, so one burst would set
// the resident size for good).
// At the end it waits up to `--ship-drain` seconds for every collector to acknowledge everything.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CShims
import Dispatch
import FileWatchCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

public final class ShipSink: EventSink, SessionReporting, @unchecked Sendable {
    private let configuration: ShippingConfiguration
    private let spool: Spool
    private let formatter: SyslogFormatter
    private let group: MultiThreadedEventLoopGroup
    private let clients: [CollectorClient]
    private let writer = DispatchQueue(label: "filewatcher.spool.writer")
    private let live: Bool
    private let report: @Sendable (String) -> Void
    private let logger: Logger

    /// Bytes handed to the writer and not yet written.
    private let queued = Atomic<Int>(0)
    /// A live source's batches are dropped past this (a replay waits instead, past twice as much).
    static let queueLimit = 16 << 20
    private var queueLimit: Int { live ? Self.queueLimit : 2 * Self.queueLimit }
    /// When the writer last gave memory back (uptime ns; used on the writer queue only).
    private var lastTrim: UInt64 = 0
    private var batch: [SpoolRecord] = []
    private var batchBytes = 0
    private let syncScheduled = Atomic<Bool>(false)
    /// Events dropped before the spool (writer behind, or the disk refused them).
    private let droppedBeforeSpool = Atomic<UInt64>(0)
    private let spoolDrops = Atomic<UInt64>(0)
    private var reportedBehind = false
    /// stderr lines about the full spool: one when dropping starts, then at most one a minute (writer queue only).
    private var fullReport = SpoolFullReport()
    private var summary: [String] = []
    private var finished = false

    public init(_ configuration: ShippingConfiguration, live: Bool, identity: RecordIdentity,
                report: @escaping @Sendable (String) -> Void, logger: Logger) throws(SessionError) {
        self.configuration = configuration
        self.live = live
        self.report = report
        self.logger = logger
        do {
            spool = try Spool(directory: configuration.spoolDirectory, maxBytes: configuration.spoolMaxBytes,
                              collectorKeys: configuration.collectors.map(\.spoolKey))
        } catch {
            throw SessionError("--spool \(configuration.spoolDirectory): \(error)")
        }
        let kind: RecordSchemaKind = switch configuration.format { case .ecs: .ecs; case .ocsf: .ocsf; case .json: .json }
        formatter = SyslogFormatter(schema: kind.schema(identity), hostName: identity.hostName,
                                    processID: Int32(getpid()), maxBytes: configuration.maxMessageBytes)
        let tls = configuration.collectors.contains { $0.transport.usesTLS } ? try CollectorTLS.context(configuration) : nil
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let lossFormatter = SyslogFormatter(schema: kind.schema(identity), hostName: identity.hostName,
                                            processID: Int32(getpid()), maxBytes: configuration.maxMessageBytes)
        let spool = spool
        clients = configuration.collectors.map { address in
            CollectorClient(address: address, spool: spool, loop: loop, tls: address.transport.usesTLS ? tls : nil,
                            configuration: configuration,
                            lossMessage: { loss, seq in lossFormatter.lossMessage(loss, sequence: seq, time: realtimeNow()) },
                            report: report, logger: logger)
        }
        logger.debug("ship: spool", metadata: ["dir": "\(configuration.spoolDirectory)", "next": "\(spool.nextSequence)",
                                               "written": "\(spool.lastWritten)"])
        for c in clients { c.start() }
    }

    public func write(_ event: Event) throws {
        let n = formatter.schema.recordCount(for: event)
        let first = spool.reserveSequences(n)
        for (i, message) in formatter.messages(for: event, firstSequence: first).enumerated() {
            batch.append(SpoolRecord(sequence: first + UInt64(i), time: event.time, payload: message))
            batchBytes += message.count + SpoolRecord.headerSize
        }
        if batch.count >= 512 || batchBytes >= 1 << 20 || !event.alerts.isEmpty { submit() }
    }

    public func flush() throws { submit() }

    /// Hands the batch to the writer queue.
    private func submit() {
        guard !batch.isEmpty else { return }
        let records = batch, bytes = batchBytes
        batch = []
        batchBytes = 0
        if queued.load(ordering: .relaxed) + bytes > queueLimit {
            if live {
                droppedBeforeSpool.add(UInt64(records.count), ordering: .relaxed)
                if !reportedBehind {
                    reportedBehind = true
                    report("filewatcher: ship: the spool writer is behind; events dropped (the collectors get a loss record)")
                }
                return
            }
            // A replay can wait: nothing is lost by reading the file later.
            while queued.load(ordering: .relaxed) + bytes > queueLimit { usleep(1000) }
        }
        queued.add(bytes, ordering: .relaxed)
        writer.async { [self] in
            defer { if queued.subtract(bytes, ordering: .relaxed).newValue == 0 { releaseMemory() } }
            do {
                let losses = try spool.append(records)
                for loss in losses { spoolDrops.add(loss.count, ordering: .relaxed) }
                if let line = fullReport.note(losses, now: DispatchTime.now().uptimeNanoseconds) { report(line) }
            } catch {
                droppedBeforeSpool.add(UInt64(records.count), ordering: .relaxed)
                report("filewatcher: ship: cannot write the spool: \(error); \(records.count) events dropped")
                return
            }
            for c in clients { c.wake() }
            if !syncScheduled.exchange(true, ordering: .acquiringAndReleasing) {
                writer.asyncAfter(deadline: .now() + .milliseconds(20)) { [self] in
                    syncScheduled.store(false, ordering: .releasing)
                    spool.sync()
                    spool.checkpoint()
                }
            }
        }
    }

    /// Gives the heap's free pages back to the system, at most once a second (on the writer queue,
    /// when its queue has just emptied).
    private func releaseMemory() {
        #if canImport(Glibc)
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastTrim >= 1_000_000_000 else { return }
        lastTrim = now
        _ = cshims_malloc_trim()
        #endif
    }

    /// Writes what is pending, waits up to `--ship-drain` for the collectors, closes them.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        submit()
        writer.sync { spool.sync() }
        let deadline = NIODeadline.now() + .nanoseconds(Int64(configuration.drainSeconds * 1e9))
        let loop = group.next()
        let done = loop.makePromise(of: Void.self)
        let completed = OnceFlag()
        let complete: @Sendable () -> Void = { if completed.take() { done.succeed(()) } }
        EventLoopFuture.andAllComplete(clients.map { $0.drained() }, on: loop).whenComplete { _ in complete() }
        let timeout = loop.scheduleTask(deadline: deadline) { complete() }
        _ = try? done.futureResult.wait()
        timeout.cancel()
        for c in clients { _ = try? c.stop().wait() }
        writer.sync { spool.close() }
        summary = makeSummary()
        try? group.syncShutdownGracefully()
    }

    private func makeSummary() -> [String] {
        var lines: [String] = []
        let last = spool.lastWritten
        for c in clients {
            guard let s = try? c.snapshot().wait() else { continue }
            let left = last > s.acked ? last - s.acked : 0
            var line = "shipped to \(c.address): acknowledged up to sequence \(s.acked), \(s.sent) sent this run"
            if s.reconnects > 0 { line += ", \(s.reconnects) reconnects" }
            if s.losses > 0 { line += ", \(s.losses) loss records" }
            line += left > 0 ? "; \(left) left in the spool for the next start" : "; nothing left to send"
            if let refusal = s.refusal { line += " (\(refusal))" }
            lines.append(line)
        }
        let drops = spoolDrops.load(ordering: .relaxed), before = droppedBeforeSpool.load(ordering: .relaxed)
        if drops > 0 { lines.append("ship: \(drops) events dropped from the full spool (--spool-max)") }
        if before > 0 { lines.append("ship: \(before) events dropped before the spool (its writer was behind)") }
        return lines
    }

    public var summaryLines: [String] { summary }

    public var lostEvents: UInt64 {
        spoolDrops.load(ordering: .relaxed) + droppedBeforeSpool.load(ordering: .relaxed)
    }
}

/// What stderr says while the spool is full: one line when dropping starts, then (while it goes on)
/// at most one line a minute with what was dropped since — not a line per dropped segment.
struct SpoolFullReport {
    static let interval: UInt64 = 60_000_000_000
    private var lastLine: UInt64?
    private var pending: (count: UInt64, first: UInt64, last: UInt64)?

    /// The line to print now for these drops at `now` (uptime ns), if any.
    mutating func note(_ losses: [LossRecord], now: UInt64) -> String? {
        for loss in losses {
            if let p = pending {
                pending = (p.count + loss.count, min(p.first, loss.firstSequence), max(p.last, loss.lastSequence))
            } else {
                pending = (loss.count, loss.firstSequence, loss.lastSequence)
            }
        }
        guard let p = pending else { return nil }
        if let last = lastLine, now - last < Self.interval { return nil }
        let first = lastLine == nil
        lastLine = now
        pending = nil
        return first
            ? "filewatcher: ship: spool full (--spool-max): dropping the oldest events not yet acknowledged, \(p.count) so far (sequences \(p.first)-\(p.last)); the collectors get a loss record and the summary counts them"
            : "filewatcher: ship: spool still full: \(p.count) more events dropped (sequences \(p.first)-\(p.last))"
    }
}

/// Now, µs since the epoch.
func realtimeNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

/// True for the first `take()` only, from any thread.
final class OnceFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func take() -> Bool { !flag.exchange(true, ordering: .acquiringAndReleasing) }
}
