// One collector: connects (TLS when asked), sends the spool's records from its acknowledged position
// on, keeps a window of RELP messages in flight, moves its acknowledged position as responses come,
// and after a lost connection reconnects with backoff and sends again everything not acknowledged.
// Plain syslog has no acknowledgements: a record counts as delivered once the socket took it.
// Every method runs on the client's event loop.

import FileWatchCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL

final class CollectorClient: @unchecked Sendable {
    let address: CollectorAddress
    let key: String
    private let spool: Spool
    private let loop: EventLoop
    private let tls: NIOSSLContext?
    private let configuration: ShippingConfiguration
    private let lossMessage: (LossRecord, UInt64) -> [UInt8]
    private let report: @Sendable (String) -> Void
    private let logger: Logger

    static let window = 1024
    private var cursor: SpoolCursor
    private var channel: Channel?
    /// Bumped per connection: callbacks of an old connection are ignored.
    private var generation = 0
    private var ready = false
    private var stopping = false
    /// RELP: (transaction, sequence, acknowledged) in sending order.
    private var inFlight = CircularBuffer<(txnr: Int, sequence: UInt64, acked: Bool)>()
    /// The highest sequence the responses of the current read acknowledged (recorded at its end).
    private var ackedInRead: UInt64?
    private var nextTxnr = 1
    private var openTxnr = 0
    private var acked: UInt64
    private var attempts = 0
    private var reconnectTask: Scheduled<Void>?
    private var lastSentence: String?
    private var drainWaiters: [EventLoopPromise<Void>] = []

    // Statistics (read on the loop).
    private(set) var sentThisRun: UInt64 = 0
    private(set) var ackedThisRun: UInt64 = 0
    private(set) var reconnects = 0
    private(set) var lossRecordsSent = 0
    private(set) var refusal: String?

    init(address: CollectorAddress, spool: Spool, loop: EventLoop, tls: NIOSSLContext?,
         configuration: ShippingConfiguration, lossMessage: @escaping (LossRecord, UInt64) -> [UInt8],
         report: @escaping @Sendable (String) -> Void, logger: Logger) {
        self.address = address
        self.key = address.spoolKey
        self.spool = spool
        self.loop = loop
        self.tls = tls
        self.configuration = configuration
        self.lossMessage = lossMessage
        self.report = report
        self.logger = logger
        self.acked = spool.acknowledged(address.spoolKey)
        self.cursor = SpoolCursor(spool: spool, after: acked)
    }

    var acknowledged: UInt64 { acked }

    func start() { loop.execute { self.connect() } }

    /// New records are in the spool.
    func wake() { loop.execute { self.pump() } }

    // MARK: Connection

    private func connect() {
        guard !stopping, channel == nil else { return }
        generation += 1
        let generation = generation
        let tls = tls, host = address.host
        let relp = address.transport.acknowledges
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(5))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [weak self] ch in
                guard let self else { return ch.eventLoop.makeSucceededVoidFuture() }
                do {
                    let sync = ch.pipeline.syncOperations
                    if let tls {
                        try sync.addHandler(try NIOSSLClientHandler(
                            context: tls, serverHostname: CollectorTLS.isIPAddress(host) ? nil : host))
                    }
                    if relp {
                        try sync.addHandler(ByteToMessageHandler(RELPResponseDecoder()))
                        try sync.addHandler(CollectorInboundHandler(client: self, generation: generation))
                    } else {
                        try sync.addHandler(DiscardingInboundHandler(client: self, generation: generation))
                    }
                    return ch.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return ch.eventLoop.makeFailedFuture(error)
                }
            }
        bootstrap.connect(host: address.host, port: address.port).whenComplete { [weak self] result in
            guard let self, generation == self.generation else { return }
            switch result {
            case .failure(let error):
                self.disconnected(reason: error, generation: generation)
            case .success(let ch):
                self.channel = ch
                self.logger.debug("ship: connected", metadata: ["collector": "\(self.address)"])
                if relp {
                    self.nextTxnr = 1  // every RELP session numbers its transactions from 1
                    self.openTxnr = self.takeTxnr()
                    let offer = RELPFrame(transaction: self.openTxnr, command: "open",
                                          data: RELPFrame.openOffer(software: "filewatcher,\(FileWatcherVersion.current)"))
                    ch.writeAndFlush(ByteBuffer(bytes: offer.encoded()), promise: nil)
                } else if tls != nil {
                    // TLS: delivered only once the handshake succeeded (a refusal arrives as an error).
                    self.becomeReady()
                } else {
                    self.becomeReady()
                }
            }
        }
    }

    private func becomeReady() {
        ready = true
        if attempts > 0 || lastSentence != nil {
            report("filewatcher: ship \(address): connected again after \(attempts) attempt\(attempts == 1 ? "" : "s"); sending from sequence \(acked + 1)")
        }
        attempts = 0
        lastSentence = nil
        refusal = nil
        logger.debug("ship: ready", metadata: ["collector": "\(address)", "from": "\(acked + 1)",
                                               "backlog": "\(spool.backlog(key))"])
        pump()
    }

    /// The connection ended (or never came): everything unacknowledged is sent again after a reconnect.
    func disconnected(reason: Error?, generation: Int) {
        guard generation == self.generation else { return }
        self.generation += 1
        let wasReady = ready
        ready = false
        if let sequence = ackedInRead {  // acknowledged before the end: not sent again
            ackedInRead = nil
            advance(to: sequence)
        }
        inFlight.removeAll()
        cursor.rewind(to: acked + 1)
        channel?.close(promise: nil)
        channel = nil
        guard !stopping else { finishDrainIfDone(force: true); return }
        attempts += 1
        reconnects += wasReady ? 1 : 0
        let sentence = reason.map { CollectorTLS.sentence(for: $0, configuration) } ?? "the collector closed the connection"
        if sentence != lastSentence {
            lastSentence = sentence
            if address.transport.usesTLS && sentence.contains("TLS") { refusal = sentence }
            report("filewatcher: ship \(address): \(sentence); events stay in the spool, retrying")
        }
        let delay = min(5_000, 100 << min(attempts - 1, 6))
        logger.debug("ship: reconnect", metadata: ["collector": "\(address)", "attempt": "\(attempts)",
                                                   "in_ms": "\(delay)", "reason": "\(sentence)"])
        reconnectTask = loop.scheduleTask(in: .milliseconds(Int64(delay))) { [weak self] in self?.connect() }
    }

    // MARK: Sending

    private func takeTxnr() -> Int {
        let t = nextTxnr
        nextTxnr = nextTxnr >= 999_999_999 ? 1 : nextTxnr + 1
        return t
    }

    /// Sends records while the window has room.
    private func pump() {
        guard ready, let channel else { return }
        let relp = address.transport.acknowledges
        var buffer = channel.allocator.buffer(capacity: 64 << 10)
        var lastSequence: UInt64 = 0
        var count = 0
        var header: [UInt8] = []
        header.reserveCapacity(32)
        while !relp || inFlight.count < Self.window {
            let room = relp ? Self.window - inFlight.count : 512
            let items = cursor.read(maxRecords: room, maxBytes: 1 << 20)
            if items.isEmpty { break }
            for item in items {
                let (sequence, payload): (UInt64, [UInt8])
                switch item {
                case .record(let r):
                    (sequence, payload) = (r.sequence, r.payload)
                case .gap(let first, let last):
                    let times = spool.lostTimes(first, last)
                    let loss = LossRecord(count: last - first + 1, firstSequence: first, lastSequence: last,
                                          firstTime: times.0, lastTime: times.1,
                                          reason: "not in the spool when \(address) was sent to: dropped when the spool was full or when its writer fell behind")
                    (sequence, payload) = (last, lossMessage(loss, last))
                    lossRecordsSent += 1
                    logger.debug("ship: loss record", metadata: ["collector": "\(address)", "count": "\(loss.count)"])
                }
                if relp {
                    let txnr = takeTxnr()
                    header.removeAll(keepingCapacity: true)
                    RELPFrame.appendHeader(transaction: txnr, command: "syslog", dataCount: payload.count, to: &header)
                    buffer.writeBytes(header)
                    buffer.writeBytes(payload)
                    buffer.writeInteger(UInt8(0x0A))
                    inFlight.append((txnr, sequence, false))
                } else {
                    buffer.writeString("\(payload.count) ")
                    buffer.writeBytes(payload)
                }
                lastSequence = sequence
                count += 1
            }
            if buffer.readableBytes >= 256 << 10 {
                send(&buffer, upTo: lastSequence, relp: relp)
            }
        }
        if buffer.readableBytes > 0 { send(&buffer, upTo: lastSequence, relp: relp) }
        sentThisRun += UInt64(count)
    }

    private func send(_ buffer: inout ByteBuffer, upTo sequence: UInt64, relp: Bool) {
        guard let channel else { return }
        let generation = generation
        let promise: EventLoopPromise<Void>? = relp ? nil : loop.makePromise()
        channel.writeAndFlush(buffer, promise: promise)
        buffer.clear()
        // Syslog: written to the socket is as far as delivery can be known.
        promise?.futureResult.whenSuccess { [weak self] in
            guard let self, generation == self.generation else { return }
            self.advance(to: sequence)
            self.pump()
        }
    }

    /// A RELP frame from the collector.
    func received(_ frame: RELPFrame, generation: Int) {
        guard generation == self.generation else { return }
        if frame.command == "serverclose" {
            disconnected(reason: nil, generation: generation)
            return
        }
        guard let (code, text) = frame.response else { return }
        if !ready && frame.transaction == openTxnr {
            if code == 200 { becomeReady() } else {
                report("filewatcher: ship \(address): the collector refused the RELP session: \(code) \(text)")
                disconnected(reason: nil, generation: generation)
            }
            return
        }
        guard let front = inFlight.first else { return }
        var offset = frame.transaction - front.txnr
        if offset < 0 { offset += 999_999_999 }
        guard offset < inFlight.count else { return }
        guard code == 200 else {
            report("filewatcher: ship \(address): the collector did not take a message: \(code) \(text); sending it again")
            disconnected(reason: nil, generation: generation)
            return
        }
        let index = inFlight.index(inFlight.startIndex, offsetBy: offset)
        inFlight[index].acked = true
        while let first = inFlight.first, first.acked {
            ackedInRead = first.sequence
            inFlight.removeFirst()
        }
        // The position is recorded and the window refilled once per read (readComplete), not per
        // response: one spool update and one write for many.
    }

    /// The end of one read from the collector: record what its responses acknowledged, refill the window.
    func readComplete(generation: Int) {
        guard generation == self.generation else { return }
        if let sequence = ackedInRead {
            ackedInRead = nil
            advance(to: sequence)
        }
        pump()
    }

    private func advance(to sequence: UInt64) {
        guard sequence > acked else { return }
        ackedThisRun += sequence - acked
        acked = sequence
        spool.acknowledge(key, upTo: sequence)
        finishDrainIfDone(force: false)
    }

    // MARK: The end

    /// Completes when everything written to the spool up to now is acknowledged.
    func drained() -> EventLoopFuture<Void> {
        loop.submit { () -> EventLoopFuture<Void> in
            let p = self.loop.makePromise(of: Void.self)
            self.drainWaiters.append(p)
            self.finishDrainIfDone(force: false)
            return p.futureResult
        }.flatMap { $0 }
    }

    private func finishDrainIfDone(force: Bool) {
        guard force || acked >= spool.lastWritten else { return }
        let waiters = drainWaiters
        drainWaiters = []
        for w in waiters { w.succeed(()) }
    }

    /// Closes the connection (RELP: with `close`). Completes when it is closed.
    func stop() -> EventLoopFuture<Void> {
        loop.submit { () -> EventLoopFuture<Void> in
            self.stopping = true
            self.reconnectTask?.cancel()
            self.finishDrainIfDone(force: true)
            guard let channel = self.channel else { return self.loop.makeSucceededVoidFuture() }
            if self.address.transport.acknowledges && self.ready {
                let close = RELPFrame(transaction: self.takeTxnr(), command: "close", data: [])
                channel.writeAndFlush(ByteBuffer(bytes: close.encoded()), promise: nil)
            }
            let closed = channel.close()
            return closed.flatMapError { _ in self.loop.makeSucceededVoidFuture() }
        }.flatMap { $0 }
    }

    /// Summary facts, read on the loop.
    func snapshot() -> EventLoopFuture<(acked: UInt64, sent: UInt64, reconnects: Int, losses: Int, refusal: String?)> {
        loop.submit { (self.acked, self.sentThisRun, self.reconnects, self.lossRecordsSent, self.refusal) }
    }
}
