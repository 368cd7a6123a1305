// One eslogger line (an Endpoint Security message as JSON) → the few members filewatcher uses.
//
// Shape (es_message_t as eslogger prints it; key order varies between releases, every member may
// be missing, and real lines carry kilobytes of `stat`, `env`, `fds` and token data we skip):
//
//   {"version":9, "time":"2025-08-07T15:13:09.811587464Z", "seq_num":362, "global_seq_num":1103,
//    "event_type":15, "action_type":1, "mach_time":…, "thread":{…}, "schema_version":1,
//    "process": <process>,
//    "event": {"<name>": {…the event's members…}}}
//
//   <process> = {"audit_token": <token>, "ppid":532, "original_ppid":532, "signing_id":"com.apple.x",
//                "team_id":null, "cdhash":"F988…FA98", "start_time":"…",
//                "executable": <file>, …}
//   <token>   = {"pid":…, "pidversion":…, "euid":…, "ruid":…, "egid":…, "rgid":…, "auid":…, "asid":…}
//               or (macOS 26, message version 10) the same eight numbers as an array:
//               [auid, euid, egid, ruid, rgid, pid, asid, pidversion]
//   <file>    = {"path":"\/usr\/sbin\/ipconfig", "path_truncated":false, "stat":{"st_mode":33261, …}}
//
// The event's kind is the single key inside `event` (not `event_type`, whose numbers change).
// A member of an unexpected type counts as absent (the JSON scanner's lenient readers); a line
// that is not JSON at all throws the scanner's error, with its byte offset.

/// A file as Endpoint Security names it.
public struct EsloggerFile: Equatable, Sendable {
    public var path: ByteString?
    /// The kernel cut the path short (`path_truncated`).
    public var truncated = false
    /// `stat.st_mode` (or a `new_path`'s `mode`), when given.
    public var mode: UInt32?

    public init(path: ByteString? = nil, truncated: Bool = false, mode: UInt32? = nil) {
        self.path = path; self.truncated = truncated; self.mode = mode
    }

    /// The mode says directory.
    public var isDirectory: Bool { mode.map { $0 & 0o170000 == 0o040000 } ?? false }
}

/// A process (es_process_t) as Endpoint Security describes it.
public struct EsloggerProcess: Equatable, Sendable {
    public var pid: Int32?
    public var pidVersion: UInt32?
    public var auid: UInt32?, euid: UInt32?, egid: UInt32?, ruid: UInt32?, rgid: UInt32?
    public var ppid: Int32?
    public var originalPPID: Int32?
    public var executable: EsloggerFile?
    public var signingID: String?
    public var teamID: String?
    public var cdhash: [UInt8]?
    /// µs since the epoch.
    public var startTime: Int64?

    public init() {}
}

/// The members of one event that filewatcher maps (which ones depends on the event).
public struct EsloggerPayload: Equatable, Sendable {
    /// The event's file: open `file`; close, unlink, write, truncate, setattrlist, setmode, setowner
    /// `target`; create `destination`; rename and link `source`.
    public var file: EsloggerFile?
    /// rename `destination`; link `target_dir` + `target_filename`.
    public var destination: EsloggerFile?
    /// open: the kernel's FREAD/FWRITE/O_* bits.
    public var fflag: Int64?
    /// close: the file was written through this descriptor.
    public var modified: Bool?
    /// exec: the new program (`target`); fork: the child (`child`).
    public var process: EsloggerProcess?
    /// exec.
    public var args: [ByteString]?
    public var cwd: EsloggerFile?
    /// exit: `stat`.
    public var exitStatus: Int64?

    public init() {}
}

/// One decoded line.
public struct EsloggerMessage: Equatable, Sendable {
    public var version: Int64?
    /// µs since the epoch (`time`).
    public var time: Int64?
    public var sequence: UInt64?
    public var globalSequence: UInt64?
    public var process: EsloggerProcess?
    /// The key inside `event`; nil when the line has no `event` object.
    public var event: String?
    public var payload = EsloggerPayload()

    public init() {}
}

extension EsloggerMessage {
    /// Decodes one line (without its newline). Throws the scanner's error for a line that is not
    /// one JSON object; members it does not know or whose type is unexpected are skipped.
    /// `cache`: process objects decoded before, by their bytes (EsloggerProcessCache.swift).
    public static func decode(_ line: UnsafeRawBufferPointer, baseOffset: Int = 0,
                              limits: JSONLimits = EsloggerMessage.limits,
                              cache: EsloggerProcessCache? = nil) throws(JSONError) -> EsloggerMessage {
        try decode(line, baseOffset: baseOffset, limits: limits, cache: cache, quickRests: true)
    }

    /// `quickRests` false: the rests of `stat` blocks walked member by member (the reference of
    /// the tests of the quick skip).
    static func decode(_ line: UnsafeRawBufferPointer, baseOffset: Int = 0, limits: JSONLimits = EsloggerMessage.limits,
                       cache: EsloggerProcessCache?, quickRests: Bool) throws(JSONError) -> EsloggerMessage {
        var s = JSONScanner(line, baseOffset: baseOffset, limits: limits)
        s.quickRests = quickRests
        var m = EsloggerMessage()
        try s.beginObject()
        while let key = try s.nextKey() {
            if s.equals(key, "event") {
                try s.decodeEvent(into: &m)
            } else if s.equals(key, "process") {
                if let cache, try s.peek() == .object {
                    let start = s.position
                    if let end = cache.lookup(line, at: start, into: &m.process) {
                        s.position = end
                        continue
                    }
                    try s.skipValueQuickly()
                    let raw = UnsafeRawBufferPointer(rebasing: line[start..<s.position])
                    var sub = JSONScanner(raw, baseOffset: baseOffset + start, limits: limits)
                    sub.quickRests = quickRests
                    m.process = try sub.decodeProcess()
                    try sub.finish()
                    cache.store(raw, m.process)
                } else {
                    m.process = try s.decodeProcess()
                }
            } else if s.equals(key, "time") {
                m.time = try s.optionalString().flatMap { s.microseconds(of: $0) }
            } else if s.equals(key, "version") {
                m.version = try s.optionalInt64()
            } else if s.equals(key, "global_seq_num") {
                m.globalSequence = try s.optionalUInt64()
            } else if s.equals(key, "seq_num") {
                m.sequence = try s.optionalUInt64()
            } else {
                try s.skipValueQuickly()
            }
        }
        try s.finish()
        return m
    }

    /// Lines are at most 4 MiB (the line splitter's cap); real messages nest about six levels.
    public static let limits = JSONLimits(maxDepth: 64, maxInputBytes: 4 << 20)
}

/// The events whose members `decodePayload` tells apart (decided once a message, not a member).
enum EsloggerPayloadShape {
    case open, close, create, rename, link, exec, fork, exit, other

    init(_ name: String) {
        switch name {
        case "open": self = .open
        case "close": self = .close
        case "create": self = .create
        case "rename": self = .rename
        case "link": self = .link
        case "exec": self = .exec
        case "fork": self = .fork
        case "exit": self = .exit
        default: self = .other
        }
    }
}

extension JSONScanner {
    /// `"event": {"<name>": {…}}`: the name and the members of that event.
    mutating func decodeEvent(into m: inout EsloggerMessage) throws(JSONError) {
        guard try beginObjectIfPresent() else { return }
        while let key = try nextKey() {
            guard m.event == nil else { try skipValueQuickly(); continue }  // one key expected; the first wins
            let name = string(of: key)
            m.event = name
            try decodePayload(EsloggerPayloadShape(name), into: &m.payload)
        }
    }

    mutating func decodePayload(_ shape: EsloggerPayloadShape, into p: inout EsloggerPayload) throws(JSONError) {
        guard try beginObjectIfPresent() else { return }
        var linkDir: EsloggerFile?
        var linkName: JSONString?
        while let key = try nextKey() {
            switch shape {
            case .open:
                if equals(key, "file") { p.file = try decodeFile() }
                else if equals(key, "fflag") { p.fflag = try optionalInt64() }
                else { try skipValueQuickly() }
            case .close:
                if equals(key, "target") { p.file = try decodeFile() }
                else if equals(key, "modified") { p.modified = try optionalBool() }
                else { try skipValueQuickly() }
            case .create:
                if equals(key, "destination") { p.file = try decodeDestination() } else { try skipValueQuickly() }
            case .rename:
                if equals(key, "source") { p.file = try decodeFile() }
                else if equals(key, "destination") { p.destination = try decodeDestination() }
                else { try skipValueQuickly() }
            case .link:
                if equals(key, "source") { p.file = try decodeFile() }
                else if equals(key, "target_dir") { linkDir = try decodeFile() }
                else if equals(key, "target_filename") { linkName = try optionalString() }
                else { try skipValueQuickly() }
            case .exec:
                if equals(key, "target") { p.process = try decodeProcess() }
                else if equals(key, "args") { p.args = try decodeStrings() }
                else if equals(key, "cwd") { p.cwd = try decodeFile() }
                else { try skipValueQuickly() }
            case .fork:
                if equals(key, "child") { p.process = try decodeProcess() } else { try skipValueQuickly() }
            case .exit:
                if equals(key, "stat") { p.exitStatus = try optionalInt64() } else { try skipValueQuickly() }
            case .other:
                // unlink, write, truncate, setattrlist, setmode, setowner and events filewatcher does
                // not map: the file is `target` (or `file`, `source`), whichever comes first.
                if p.file == nil, equals(key, "target") || equals(key, "file") || equals(key, "source") {
                    p.file = try decodeFile()
                } else {
                    try skipValueQuickly()
                }
            }
        }
        if shape == .link, let linkDir {
            p.destination = joined(linkDir, linkName)
        }
    }

    /// `{"path": …, "path_truncated": …, "stat": {"st_mode": …}}`; nil when not an object.
    /// `mode`: whether `stat.st_mode` is wanted (not for executables: the stat block is skipped).
    mutating func decodeFile(mode wantsMode: Bool = true) throws(JSONError) -> EsloggerFile? {
        guard try beginObjectIfPresent() else { return nil }
        var f = EsloggerFile()
        while let key = try nextKey() {
            if equals(key, "path") {
                f.path = try optionalString().map { byteString(of: $0) }
            } else if equals(key, "path_truncated") {
                f.truncated = try optionalBool() ?? false
            } else if wantsMode, equals(key, "stat") {
                guard try beginObjectIfPresent() else { continue }
                // Its members up to `st_mode` (the first of them wins), then the rest in one quick
                // skip: measured on bench/eslogger-gen.py lines, about 2,500 instructions a line less.
                while let k = try nextKey() {
                    guard equals(k, "st_mode") else { try skipValueQuickly(); continue }
                    f.mode = try optionalUInt64().flatMap { UInt32(exactly: $0) }
                    try skipRestOfObjectQuickly()
                    break
                }
            } else {
                try skipValueQuickly()
            }
        }
        return f
    }

    /// create/rename `destination`: `{"existing_file": <file>}` or
    /// `{"new_path": {"dir": <file>, "filename": "…", "mode": …}}`, as one file.
    mutating func decodeDestination() throws(JSONError) -> EsloggerFile? {
        guard try beginObjectIfPresent() else { return nil }
        var result: EsloggerFile?
        while let key = try nextKey() {
            if equals(key, "existing_file") {
                result = try decodeFile() ?? result
            } else if equals(key, "new_path") {
                guard try beginObjectIfPresent() else { continue }
                var dir: EsloggerFile?
                var name: JSONString?
                var mode: UInt32?
                while let k = try nextKey() {
                    if equals(k, "dir") { dir = try decodeFile() }
                    else if equals(k, "filename") { name = try optionalString() }
                    else if equals(k, "mode") { mode = try optionalUInt64().flatMap { UInt32(exactly: $0) } }
                    else { try skipValueQuickly() }
                }
                if let dir {
                    var f = joined(dir, name)
                    f.mode = mode
                    result = f
                }
            } else {
                try skipValueQuickly()
            }
        }
        return result
    }

    /// `dir` + `/` + `name` (no second slash after a directory ending in one). Without a name the
    /// path is unknown (nil): the directory alone would name another file.
    func joined(_ dir: EsloggerFile, _ name: JSONString?) -> EsloggerFile {
        var f = EsloggerFile(truncated: dir.truncated)
        guard let base = dir.path, let name else { return f }
        var bytes = base.bytes
        if bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
        decode(name, into: &bytes)
        f.path = ByteString(bytes)
        return f
    }

    /// An array of strings (other elements skipped); nil when not an array.
    mutating func decodeStrings() throws(JSONError) -> [ByteString]? {
        guard try beginArrayIfPresent() else { return nil }
        var out: [ByteString] = []
        while try nextElement() {
            if let s = try optionalString() { out.append(byteString(of: s)) }
        }
        return out
    }

    /// es_process_t; nil when not an object.
    mutating func decodeProcess() throws(JSONError) -> EsloggerProcess? {
        guard try beginObjectIfPresent() else { return nil }
        var p = EsloggerProcess()
        while let key = try nextKey() {
            if equals(key, "audit_token") {
                try decodeAuditToken(into: &p)
            } else if equals(key, "executable") {
                p.executable = try decodeFile(mode: false)
            } else if equals(key, "ppid") {
                p.ppid = try optionalInt64().flatMap { Int32(exactly: $0) }
            } else if equals(key, "original_ppid") {
                p.originalPPID = try optionalInt64().flatMap { Int32(exactly: $0) }
            } else if equals(key, "signing_id") {
                p.signingID = try optionalString().flatMap { $0.range.isEmpty ? nil : string(of: $0) }
            } else if equals(key, "team_id") {
                p.teamID = try optionalString().flatMap { $0.range.isEmpty ? nil : string(of: $0) }
            } else if equals(key, "cdhash") {
                p.cdhash = try optionalString().flatMap { hexBytes(of: $0) }
            } else if equals(key, "start_time") {
                p.startTime = try optionalString().flatMap { microseconds(of: $0) }
            } else {
                try skipValueQuickly()
            }
        }
        return p
    }

    /// An audit token as an object of named members or as the array
    /// `[auid, euid, egid, ruid, rgid, pid, asid, pidversion]` (audit_token_t's eight words).
    mutating func decodeAuditToken(into p: inout EsloggerProcess) throws(JSONError) {
        @inline(__always) func id(_ v: UInt64?) -> UInt32? { v.flatMap { UInt32(exactly: $0) } }
        switch try peek() {
        case .array:
            try beginArray()
            var index = 0
            while try nextElement() {
                let v = try optionalUInt64()
                switch index {
                case 0: p.auid = id(v)
                case 1: p.euid = id(v)
                case 2: p.egid = id(v)
                case 3: p.ruid = id(v)
                case 4: p.rgid = id(v)
                case 5: p.pid = v.flatMap { Int32(exactly: $0) }
                case 7: p.pidVersion = id(v)
                default: break
                }
                index += 1
            }
        case .object:
            try beginObject()
            while let key = try nextKey() {
                if equals(key, "pid") { p.pid = try optionalUInt64().flatMap { Int32(exactly: $0) } }
                else if equals(key, "pidversion") { p.pidVersion = id(try optionalUInt64()) }
                else if equals(key, "euid") { p.euid = id(try optionalUInt64()) }
                else if equals(key, "ruid") { p.ruid = id(try optionalUInt64()) }
                else if equals(key, "egid") { p.egid = id(try optionalUInt64()) }
                else if equals(key, "rgid") { p.rgid = id(try optionalUInt64()) }
                else if equals(key, "auid") { p.auid = id(try optionalUInt64()) }
                else { try skipValueQuickly() }
            }
        default:
            try skipValueQuickly()
        }
    }

    /// An RFC 3339 string as µs since the epoch.
    func microseconds(of s: JSONString) -> Int64? {
        if s.hasEscapes { return bytes(of: s).withUnsafeBytes { RFC3339.microseconds($0) } }
        return RFC3339.microseconds(UnsafeRawBufferPointer(rebasing: input[s.range]))
    }

    /// A hex string (cdhash) as bytes; nil when empty or not hex.
    func hexBytes(of s: JSONString) -> [UInt8]? {
        let text = bytes(of: s)
        guard !text.isEmpty, text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var i = 0
        while i < text.count {
            guard let hi = hexValue(text[i]), let lo = hexValue(text[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
