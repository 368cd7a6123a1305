// Reads back filewatcher's own JSON Lines (what JSONSink writes; the schema is in the README):
// one object per line → one Event, alerts included. Members may come in any order; unknown
// members are skipped (a newer writer may add some); `time`, `event` and `process.pid` are
// required. Names that were not UTF-8 come back exact from their `_base64` twins.

/// Decodes one JSON Lines object into an Event.
public enum EventJSONDecoder {
    /// A line that is not one of our event objects: what is wrong, and the byte offset in the line.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public var reason: String
        public var offset: Int
        public var description: String { "byte \(offset) of the line: \(reason)" }
    }

    /// Objects decoded before, kept by their exact bytes (JSONObjectCache.swift): a stream's
    /// lines repeat their process objects and `bsm_event` objects.
    public final class Caches {
        @exclusivity(unchecked) var process = JSONObjectCache<ProcessSubject>(slots: 1024, keyBytes: 32)
        @exclusivity(unchecked) var bsm = JSONObjectCache<SourceDetail>(slots: 64, keyBytes: 16)
        public init() {}
    }

    /// The event in `line` (one JSON object, without its newline). For one line; a stream's
    /// decoder passes its `caches` to the other form.
    public static func decode(_ line: UnsafeRawBufferPointer) throws(Failure) -> Event {
        try decode(line, caches: Caches())
    }

    /// The event in `line`, reusing (and adding to) the objects in `caches`.
    public static func decode(_ line: UnsafeRawBufferPointer, caches: Caches) throws(Failure) -> Event {
        var s = JSONScanner(line)
        do {
            let event = try decodeEvent(&s, caches)
            try s.finish()
            return event
        } catch let e as JSONError {
            throw Failure(reason: e.reasonText, offset: e.offset)
        } catch let e as Failure {
            throw e
        } catch {
            throw Failure(reason: "\(error)", offset: s.position)
        }
    }

    static func missing(_ what: String, _ s: JSONScanner) -> Failure {
        Failure(reason: "missing \(what)", offset: s.position)
    }

    static func invalid(_ what: String, at offset: Int) -> Failure {
        Failure(reason: "invalid \(what)", offset: offset)
    }

    private static func decodeEvent(_ s: inout JSONScanner, _ caches: Caches) throws -> Event {
        try s.beginObject()
        // Members go straight into the event: with a local for each of its large members
        // (process, detail) the line cost some 40 copies of them (measured).
        var event = Event(time: 0, kind: .other, process: ProcessSubject(pid: 0), source: .trail)
        var hasTime = false, hasKind = false, hasProcess = false
        var failed = false
        var errno: Int32?
        var top: Alert?
        var all: [Alert]?
        while let key = try s.nextKey() {
            let at = s.position
            if s.equals(key, "time") {
                event.time = try readTime(&s, "time"); hasTime = true
            } else if s.equals(key, "event") {
                let name = try s.readString()
                guard let k = Self.named(name, in: Self.kindNames, s) else { throw invalid("event kind '\(s.string(of: name))'", at: at) }
                event.kind = k; hasKind = true
            } else if s.equals(key, "result") {
                failed = s.equals(try s.readString(), "failure")
            } else if s.equals(key, "errno") {
                errno = try s.optionalInt64().flatMap { Int32(exactly: $0) }
            } else if s.equals(key, "path") {
                event.path = try optionalName(&s)
            } else if s.equals(key, "path_base64") {
                event.path = ByteString(try s.decodeBase64(try s.readString()))
            } else if s.equals(key, "dest_path") {
                event.destinationPath = try optionalName(&s)
            } else if s.equals(key, "dest_path_base64") {
                event.destinationPath = ByteString(try s.decodeBase64(try s.readString()))
            } else if s.equals(key, "directory") {
                event.isDirectory = try s.optionalBool() ?? false
            } else if s.equals(key, "open_flags") {
                if try s.beginArrayIfPresent() {
                    while try s.nextElement() {
                        let f = try s.readString()
                        if s.equals(f, "read") { event.openFlags.insert(.read) }
                        else if s.equals(f, "write") { event.openFlags.insert(.write) }
                        else if s.equals(f, "create") { event.openFlags.insert(.create) }
                        else if s.equals(f, "truncate") { event.openFlags.insert(.truncate) }
                    }
                }
            } else if s.equals(key, "close_write") {
                event.closeAfterWrite = try s.optionalBool()
            } else if s.equals(key, "process") {
                if let p = caches.process.lookup(&s) {
                    event.process = p
                } else {
                    let start = s.position
                    event.process = try decodeProcess(&s)
                    caches.process.store(s.input, start..<s.position, event.process)
                }
                hasProcess = true
            } else if s.equals(key, "source") {
                event.source = Self.named(try s.readString(), in: Self.sourceNames, s) ?? .trail
            } else if s.equals(key, "bsm_event") {
                if let d = caches.bsm.lookup(&s) {
                    event.detail = d
                } else if try s.beginObjectIfPresent() {
                    let start = s.position - 1  // its `{`
                    var number: UInt16 = 0, modifier: UInt16 = 0
                    var name: String?
                    while let k = try s.nextKey() {
                        if s.equals(k, "number") { number = UInt16(clamping: try s.optionalUInt64() ?? 0) }
                        else if s.equals(k, "modifier") { modifier = UInt16(clamping: try s.optionalUInt64() ?? 0) }
                        else if s.equals(k, "name") { name = try s.optionalString().map { s.string(of: $0) } }
                        else { try s.skipValue() }
                    }
                    event.detail = .bsm(event: number, name: name, modifier: modifier)
                    caches.bsm.store(s.input, start..<s.position, event.detail)
                }
            } else if s.equals(key, "fanotify_mask") {
                if let m = try s.optionalUInt64() { event.detail = .fanotify(mask: m) }
            } else if s.equals(key, "alert") {
                top = try decodeAlert(&s)
            } else if s.equals(key, "alerts") {
                guard try s.beginArrayIfPresent() else { continue }
                var list: [Alert] = []
                while try s.nextElement() { list.append(try decodeAlert(&s)) }
                all = list
            } else {
                try s.skipValue()
            }
        }
        guard hasTime else { throw missing("member \"time\"", s) }
        guard hasKind else { throw missing("member \"event\"", s) }
        guard hasProcess else { throw missing("member \"process\"", s) }
        event.result = failed ? .failure(errno: errno) : .success
        event.alerts = all ?? top.map { [$0] } ?? []
        return event
    }

    private static func readTime(_ s: inout JSONScanner, _ what: String) throws -> Int64 {
        let at = s.position
        let text = try s.readString()
        // In place when there is nothing to unescape (no copy per event).
        let t = text.hasEscapes ? RFC3339.epochMicroseconds(s.bytes(of: text))
            : RFC3339.microseconds(UnsafeRawBufferPointer(rebasing: s.input[text.range]))
        guard let t else { throw invalid("\(what) (not an RFC 3339 time)", at: at) }
        return t
    }

    static let kindNames = EventKind.allCases.map { (name: Array($0.rawValue.utf8), value: $0) }
    static let sourceNames = [SourceKind.trail, .auditpipe, .fanotify, .eslogger, .audit, .auditLog]
        .map { (name: Array($0.rawValue.utf8), value: $0) }

    /// The value whose name `text` is, compared in place (no String per event).
    @inline(__always)
    static func named<T>(_ text: JSONString, in table: [(name: [UInt8], value: T)], _ s: JSONScanner) -> T? {
        if text.hasEscapes {
            let bytes = s.bytes(of: text)
            return table.first { $0.name == bytes }?.value
        }
        let raw = UnsafeRawBufferPointer(rebasing: s.input[text.range])
        for entry in table where entry.name.count == raw.count {
            if entry.name.withUnsafeBytes({ memoryEqual($0, raw) }) { return entry.value }
        }
        return nil
    }

    /// A string member that may be null.
    private static func optionalName(_ s: inout JSONScanner) throws -> ByteString? {
        if try s.consumeNull() { return nil }
        return s.byteString(of: try s.readString())
    }

    private static func decodeProcess(_ s: inout JSONScanner) throws -> ProcessSubject {
        try s.beginObject()
        var p = ProcessSubject(pid: 0)
        var hasPid = false
        var argsExact: [ByteString]?
        while let key = try s.nextKey() {
            if s.equals(key, "pid") {
                let at = s.position
                guard let pid = try s.optionalInt64().flatMap({ Int32(exactly: $0) }) else { throw invalid("process.pid", at: at) }
                p.pid = pid; hasPid = true
            } else if s.equals(key, "ppid") {
                p.ppid = try s.optionalInt64().flatMap { Int32(exactly: $0) }
            } else if s.equals(key, "name") {
                p.name = try optionalName(&s) ?? ""
            } else if s.equals(key, "name_base64") {
                p.name = ByteString(try s.decodeBase64(try s.readString()))
            } else if s.equals(key, "exe") {
                p.executable = try optionalName(&s)
            } else if s.equals(key, "exe_base64") {
                p.executable = ByteString(try s.decodeBase64(try s.readString()))
            } else if s.equals(key, "uid") {
                p.uid = try s.optionalUInt64().flatMap { UInt32(exactly: $0) }
            } else if s.equals(key, "euid") {
                p.euid = try s.optionalUInt64().flatMap { UInt32(exactly: $0) }
            } else if s.equals(key, "auid") {
                p.auid = try s.optionalUInt64().flatMap { UInt32(exactly: $0) }
            } else if s.equals(key, "gid") {
                p.gid = try s.optionalUInt64().flatMap { UInt32(exactly: $0) }
            } else if s.equals(key, "user") {
                p.user = try s.optionalString().map { s.string(of: $0) }
            } else if s.equals(key, "args") || s.equals(key, "args_base64") {
                let base64 = s.equals(key, "args_base64")
                guard try s.beginArrayIfPresent() else { continue }
                var list: [ByteString] = []
                while try s.nextElement() {
                    let v = try s.readString()
                    list.append(base64 ? ByteString(try s.decodeBase64(v)) : s.byteString(of: v))
                }
                if base64 { argsExact = list } else { p.arguments = list }
            } else if s.equals(key, "signing_id") {
                p.signingID = try s.optionalString().map { s.string(of: $0) }
            } else if s.equals(key, "team_id") {
                p.teamID = try s.optionalString().map { s.string(of: $0) }
            } else if s.equals(key, "cdhash") {
                let at = s.position
                let hex = s.bytes(of: try s.readString())
                guard hex.count % 2 == 0 else { throw invalid("process.cdhash (hex)", at: at) }
                var bytes: [UInt8] = []
                for i in stride(from: 0, to: hex.count, by: 2) {
                    guard let hi = hexValue(hex[i]), let lo = hexValue(hex[i + 1]) else { throw invalid("process.cdhash (hex)", at: at) }
                    bytes.append(hi << 4 | lo)
                }
                p.cdhash = bytes
            } else {
                try s.skipValue()
            }
        }
        guard hasPid else { throw missing("process.pid", s) }
        if let argsExact { p.arguments = argsExact }
        return p
    }

    private static func decodeAlert(_ s: inout JSONScanner) throws -> Alert {
        try s.beginObject()
        var origin = AlertOrigin.ransomware
        var ruleName: String?
        var severity = AlertSeverity.medium
        var time: Int64 = 0
        var kind = EventKind.other
        var path: ByteString?
        var dest: ByteString?
        var process = ProcessSubject(pid: 0)
        var reason = ""
        var evidence: [SuspiciousFile] = []
        var tree = false
        var stopped: [Int32] = []
        var responses: [String] = []
        while let key = try s.nextKey() {
            if s.equals(key, "type") {
                let t = try s.readString()
                origin = s.equals(t, "rule") ? .rule("") : .ransomware
            } else if s.equals(key, "rule") {
                ruleName = try s.optionalString().map { s.string(of: $0) }
            } else if s.equals(key, "severity") {
                severity = AlertSeverity(rawValue: s.string(of: try s.readString())) ?? .medium
            } else if s.equals(key, "time") {
                time = try readTime(&s, "alert.time")
            } else if s.equals(key, "event") {
                kind = EventKind(rawValue: s.string(of: try s.readString())) ?? .other
            } else if s.equals(key, "path") {
                path = try optionalName(&s)
            } else if s.equals(key, "path_base64") {
                path = ByteString(try s.decodeBase64(try s.readString()))
            } else if s.equals(key, "dest_path") {
                dest = try optionalName(&s)
            } else if s.equals(key, "dest_path_base64") {
                dest = ByteString(try s.decodeBase64(try s.readString()))
            } else if s.equals(key, "process") {
                process = try decodeProcess(&s)
            } else if s.equals(key, "reason") {
                reason = s.string(of: try s.readString())
            } else if s.equals(key, "evidence") {
                guard try s.beginArrayIfPresent() else { continue }
                while try s.nextElement() { evidence.append(try decodeEvidence(&s)) }
            } else if s.equals(key, "process_tree") {
                tree = try s.optionalBool() ?? false
            } else if s.equals(key, "stopped") {
                guard try s.beginArrayIfPresent() else { continue }
                while try s.nextElement() {
                    if let pid = try s.optionalInt64().flatMap({ Int32(exactly: $0) }) { stopped.append(pid) }
                }
            } else if s.equals(key, "responses") {
                guard try s.beginArrayIfPresent() else { continue }
                while try s.nextElement() {
                    if let r = try s.optionalString() { responses.append(s.string(of: r)) }
                }
            } else {
                try s.skipValue()
            }
        }
        if case .rule = origin { origin = .rule(ruleName ?? "") }
        var alert = Alert(time: time, origin: origin, severity: severity, process: process, eventKind: kind, path: path,
                          destinationPath: dest, reason: reason, evidence: evidence, responses: responses,
                          offenderTree: tree)
        alert.stopped = stopped.map { pid in
            StoppedProcess(pid: pid, name: pid == process.pid ? process.name : "")
        }
        return alert
    }

    private static func decodeEvidence(_ s: inout JSONScanner) throws -> SuspiciousFile {
        try s.beginObject()
        var time: Int64 = 0
        var check = ""
        var path: ByteString = ""
        var pid: Int32?
        var entropy = 0.0, piError = 0.0
        var fromExt: ByteString = "", toExt: ByteString = ""
        var replacedBy: ByteString?
        while let key = try s.nextKey() {
            if s.equals(key, "time") { time = try readTime(&s, "evidence.time") }
            else if s.equals(key, "check") { check = s.string(of: try s.readString()) }
            else if s.equals(key, "path") { path = try optionalName(&s) ?? "" }
            else if s.equals(key, "path_base64") { path = ByteString(try s.decodeBase64(try s.readString())) }
            else if s.equals(key, "pid") { pid = try s.optionalInt64().flatMap { Int32(exactly: $0) } }
            else if s.equals(key, "entropy") { entropy = try readDouble(&s) }
            else if s.equals(key, "pi_error_percent") { piError = try readDouble(&s) }
            else if s.equals(key, "from_extension") { fromExt = try optionalName(&s) ?? "" }
            else if s.equals(key, "from_extension_base64") { fromExt = ByteString(try s.decodeBase64(try s.readString())) }
            else if s.equals(key, "to_extension") { toExt = try optionalName(&s) ?? "" }
            else if s.equals(key, "to_extension_base64") { toExt = ByteString(try s.decodeBase64(try s.readString())) }
            else if s.equals(key, "replaced_by") { replacedBy = try optionalName(&s) }
            else if s.equals(key, "replaced_by_base64") { replacedBy = ByteString(try s.decodeBase64(try s.readString())) }
            else { try s.skipValue() }
        }
        let reason: SuspiciousFile.Reason
        switch check {
        case "encrypted-content": reason = .encryptedContent(entropy: entropy, piErrorPercent: piError)
        case "replaced-by-rename": reason = .replacedByRename(from: replacedBy)
        case "renamed-extension": reason = .renamedExtension(from: fromExt, to: toExt)
        default: reason = .deletedAfterRead
        }
        return SuspiciousFile(time: time, path: path, reason: reason, pid: pid)
    }

    private static func readDouble(_ s: inout JSONScanner) throws -> Double {
        guard try s.peek() == .number else { try s.skipValue(); return 0 }
        return try s.readDouble()
    }
}
