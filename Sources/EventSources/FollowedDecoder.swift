// What the bytes of a followed file go through (TrailFollowSource): a BSM trail's record decoder or
// an auditd log's line decoder, each with its own rule for the three moments only following has:
// - the end of a rotated file (more comes in the next one): a BSM record cut there is damage (auditd
//   terminates a trail with a whole record); an auditd log's last line is read, and events stay open
//   (auditd may write an event's first records before the rotation and the rest after it);
// - a rewrite in place (the file is read again from its start): a half-read record or line is dropped;
// - a stop request: a record still being written is not damage; an auditd log's open events are delivered.
// With `.auto` the format is recognized from the file's first bytes (an empty log waits for them).

import BSM
import FileWatchCore

struct FollowedDecoder {
    private enum State {
        case unknown([UInt8])
        case bsm(BSMStreamDecoder)
        case audit(AuditLogDecoder)
    }

    let name: String
    let mapper: BSMEventMapper
    private var state: State

    init(format: InputFormat, name: String, mapper: BSMEventMapper) {
        self.name = name
        self.mapper = mapper
        state = .unknown([])
        if format != .auto { state = Self.decoder(for: format, name: name, mapper: mapper) }
    }

    private static func decoder(for format: InputFormat, name: String, mapper: BSMEventMapper) -> State {
        format == .linuxAudit ? .audit(AuditLogReplay.makeDecoder(name: name)) : .bsm(BSMStreamDecoder(name: name, mapper: mapper))
    }

    /// The format being decoded (`.auto` until the first bytes tell).
    var format: InputFormat {
        switch state {
        case .unknown: .auto
        case .bsm: .bsm
        case .audit: .linuxAudit
        }
    }

    /// What the file is called in notices.
    var noun: String { format == .linuxAudit ? "log" : "trail" }

    mutating func push(_ bytes: UnsafeRawBufferPointer, into receiver: EventReceiver, stop: StopToken) throws {
        switch state {
        case .unknown(var prefix):
            prefix.append(contentsOf: bytes)
            guard let format = try Self.recognized(prefix, name: name, atEnd: false) else { state = .unknown(prefix); return }
            state = Self.decoder(for: format, name: name, mapper: mapper)
            try prefix.withUnsafeBytes { try push($0, into: receiver, stop: stop) }
        case .bsm(var d):
            d.push(bytes, into: receiver, stop: stop)
            state = .bsm(d)
        case .audit(var d):
            d.push(bytes, into: receiver)
            state = .audit(d)
        }
    }

    /// The file was read to its end and the next one (after a rotation) starts.
    mutating func endOfFile(into receiver: EventReceiver) throws {
        switch state {
        case .unknown(let prefix):
            // A few bytes that never became a whole signature: they still must be a known format.
            guard !prefix.isEmpty, let format = try Self.recognized(prefix, name: name, atEnd: true) else { return }
            state = Self.decoder(for: format, name: name, mapper: mapper)
            try prefix.withUnsafeBytes { try push($0, into: receiver, stop: StopToken()) }
            try endOfFile(into: receiver)
        case .bsm(var d):
            d.finish(into: receiver)
            state = .bsm(BSMStreamDecoder(name: name, mapper: mapper))
        case .audit(var d):
            d.endOfFile(into: receiver)
            state = .audit(d)
        }
    }

    /// The file is read again from its start: what was half-read belonged to the old content.
    mutating func restart() {
        switch state {
        case .unknown: state = .unknown([])
        case .bsm: state = .bsm(BSMStreamDecoder(name: name, mapper: mapper))
        case .audit(var d):
            d.restartFile()
            state = .audit(d)
        }
    }

    /// Nothing more to read for now: auditd log events whose records stopped coming a while ago
    /// (by the wall clock, as the records' own times are this machine's) are complete.
    mutating func idle(into receiver: EventReceiver) {
        guard case .audit(var d) = state else { return }
        d.idle(now: UInt64(max(0, HostFacts.now() / 1000)), into: receiver)
        state = .audit(d)
    }

    /// A stop request ended the reading.
    mutating func stopped(into receiver: EventReceiver) {
        switch state {
        case .unknown: break
        case .bsm(var d):
            d.stopped(into: receiver)
            state = .bsm(d)
        case .audit(var d):
            d.stopped(into: receiver)
            state = .audit(d)
        }
    }

    /// The followed format of `prefix`; nil while more bytes may tell. Throws when they cannot be
    /// a known format, or are one --follow does not read.
    private static func recognized(_ prefix: [UInt8], name: String, atEnd: Bool) throws -> InputFormat? {
        guard let format = InputFormat.recognize(prefix) else {
            if !atEnd && prefix.count < 16 { return nil }
            throw SessionError.unrecognized(name, prefix: prefix)
        }
        guard TrailFollowSource.follows(format) else {
            throw SessionError("\(name): --follow reads BSM trails and auditd logs, not \(format.rawValue) input.")
        }
        return format
    }
}
