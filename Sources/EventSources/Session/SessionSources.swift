// The sources a configuration asks for: recordings (by format, recognized from their first bytes),
// a followed trail, the live sources of this platform.
//
// To add a replay format: a case in FileWatchCore's `InputFormat` (with its signature in
// `InputFormat.recognize`) and its branch in `replaySource(_:format:)` below. To add a live
// source: a case in `LiveSourceKind` and its branch in `liveSource(_:)`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import FileWatchCore

/// A configuration that cannot start on this host (no such file, no fanotify, not root, …).
public struct SessionError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// Input whose first bytes are no known format.
    static func unrecognized(_ name: String, prefix: some Collection<UInt8>) -> SessionError {
        let shown = prefix.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
        return SessionError("\(name): not a recognized recording (first bytes \(shown)); known formats: "
            + InputFormat.allCases.filter { $0 != .auto }.map(\.rawValue).joined(separator: ", ")
            + " (choose one with --input)")
    }
}

enum SessionSources {
    /// The one source for `configuration` (several are composed: `SequenceSource` for
    /// recordings, `MergedSource` for live sources side by side). `report` gets one-line remarks
    /// for the debug log.
    /// `selection`: decide BSM records from their headers first (nil when every record must become
    /// an event, e.g. for detection).
    static func make(_ configuration: WatchConfiguration, selection: HeaderSelection? = nil,
                     report: @escaping @Sendable (String) -> Void) throws -> EventSource {
        switch configuration.input {
        case .replay(let inputs, let format):
            var notices: [SourceNotice] = []
            let files = try expandTrails(inputs, notice: { notices.append($0) }).map(\.path)
            report("source: replay of \(files.joined(separator: ", "))")
            // A file that cannot be read is said now, before anything runs (and no summary of nothing);
            // with `--input auto` recognizing each file's format opens it.
            if format != .auto {
                for f in files where f != "-" && access(f, R_OK) != 0 { throw SystemCallError("open", currentErrno(), object: f) }
            }
            // Standard input alone, format not given: the stream source recognizes it from the bytes
            // it reads first (BSM, eslogger, JSON Lines, Linux audit; filters decide per event) — unless BSM is implied by --bsm-event/--class or by
            // copying records to BSM output.
            let bsmSelection = configuration.filters.bsmEvents != nil || configuration.filters.classes != nil
            let stdinRecognized = files == ["-"] && format == .auto && !bsmSelection && configuration.output.format != .bsm
            // BSM trails: header first, several merged in time order (Trails/).
            if !stdinRecognized, try files.allSatisfy({ try (format == .auto ? ($0 == "-" ? .bsm : recognize($0)) : format) == .bsm }) {
                try requireReadable(files)
                let merged = MergedTrailSource(paths: files)
                merged.selection = selection
                merged.notices = notices
                return merged
            }
            let sources = try files.map { try replaySource($0, format: format) }
            for case let stream as StreamReplaySource in sources { stream.selection = selection }
            return sources.count == 1 ? sources[0] : SequenceSource(sources)
        case .follow(let path, var format):
            if isDirectory(path) {
                let log = (path.hasSuffix("/") ? path : path + "/") + "audit.log"
                throw SessionError("\(path) is a directory; --follow follows one file: "
                    + (isRegularFile(log) ? "--read \(log) --follow" : "e.g. --read /var/log/audit/audit.log --follow or --read /var/audit/current --follow"))
            }
            // A file holding bytes already is recognized now (and a format that cannot be followed
            // refused before anything runs); an empty one by the source from its first bytes.
            if format == .auto, !existsAsNonRegularFile(path) {
                let prefix = try firstBytes(of: path, count: InputFormat.recognitionBytes)
                if !prefix.isEmpty {
                    guard let recognized = InputFormat.recognize(prefix) else { throw SessionError.unrecognized(path, prefix: prefix) }
                    format = recognized
                }
            }
            guard TrailFollowSource.follows(format) else {
                throw SessionError("\(path): --follow reads BSM trails and auditd logs, not \(format.rawValue) input.")
            }
            report("source: followed \(format == .linuxAudit ? "auditd log" : "trail") \(path)")
            return TrailFollowSource(path: path, format: format)
        case .live(let kinds):
            var chosen: [LiveSourceKind] = []
            for kind in kinds {
                let k = resolve(kind, configuration)
                if !chosen.contains(k) { chosen.append(k) }
            }
            if configuration.filters.result == .failed, chosen.contains(.audit), chosen.count > 1 {
                // --failed: only the audit source reports failures; the others would watch in vain.
                report("--failed: only the kernel audit source reports failures; \(chosen.filter { $0 != .audit }.map(\.rawValue).joined(separator: ", ")) not started")
                chosen = [.audit]
            }
            let sources = try chosen.map { try liveSource($0, configuration, report: report) }
            return sources.count == 1 ? sources[0] : MergedSource(sources)
        }
    }

    /// `auto`: eslogger when its program is given or on macOS 14 and later (audit is disabled
    /// there), the auditpipe when one is given or the platform has it, else fanotify.
    static func resolve(_ kind: LiveSourceKind, _ configuration: WatchConfiguration) -> LiveSourceKind {
        guard kind == .auto else { return kind }
        if configuration.esloggerPath != nil { return .eslogger }
        if configuration.auditPipePath == nil && HostPlatform.prefersEslogger { return .eslogger }
        return configuration.auditPipePath != nil || HostPlatform.hasAuditPipe ? .auditpipe : .fanotify
    }

    // MARK: Recordings

    /// A recording in `format` (`auto`: recognized from its first bytes; standard input by the
    /// source as it reads them; FIFOs and other streams that cannot be looked at without reading
    /// them are taken as BSM).
    static func replaySource(_ path: String, format: InputFormat) throws -> EventSource {
        var format = format
        if format == .auto {
            // Standard input is recognized by the source itself, from the bytes it reads first.
            if path == "-" { return StreamReplaySource(path: path, format: .auto) }
            format = try recognize(path)
        }
        switch format {
        case .bsm, .auto:
            return TrailSource(path: path)
        case .eslogger, .json, .linuxAudit:
            return StreamReplaySource(path: path, format: format)
        }
    }

    /// Files that cannot be read are said now, before anything runs (and no summary of nothing).
    static func requireReadable(_ files: [String]) throws {
        for f in files where f != "-" && access(f, R_OK) != 0 {
            throw SystemCallError("open", currentErrno(), object: f)
        }
    }

    /// The format of the file at `path`, from its first bytes.
    static func recognize(_ path: String) throws -> InputFormat {
        // A FIFO or device is never opened here: opening would meet (and lose) its writer.
        if existsAsNonRegularFile(path) { return .bsm }
        let prefix = try firstBytes(of: path, count: InputFormat.recognitionBytes)
        guard !prefix.isEmpty else { return .bsm }  // empty: nothing to misread
        if let format = InputFormat.recognize(prefix) { return format }
        throw SessionError.unrecognized(path, prefix: prefix)
    }

    /// Files and directories → files: a directory stands for its regular files (not hidden ones)
    /// in name order, which for audit trails (named by their start time) is time order.
    static func expand(_ inputs: [String]) throws -> [String] {
        var files: [String] = []
        for input in inputs {
            guard input != "-", isDirectory(input) else { files.append(input); continue }
            let names = rotationOrder(try directoryEntries(input).filter { !$0.hasPrefix(".") })
            let inside = names.map { input.hasSuffix("/") ? input + $0 : input + "/" + $0 }.filter(isRegularFile)
            if inside.isEmpty { throw SessionError("\(input): no files to read in this directory") }
            files += inside
        }
        return files
    }

    /// Name order, except that auditd's rotated logs come oldest first: `audit.log.3`,
    /// `audit.log.2`, `audit.log.1`, `audit.log` (a suffix of up to 6 digits counts down to the base).
    static func rotationOrder(_ names: [String]) -> [String] {
        func key(_ name: String) -> (String, Int) {
            guard let dot = name.lastIndex(of: "."), case let digits = name[name.index(after: dot)...],
                  (1...6).contains(digits.count), digits.allSatisfy(\.isASCII), let n = Int(digits) else { return (name, 0) }
            return (String(name[..<dot]), n)
        }
        return names.sorted { a, b in
            let (ka, kb) = (key(a), key(b))
            return ka.0 != kb.0 ? ka.0 < kb.0 : ka.1 > kb.1
        }
    }

    // MARK: Live

    static func liveSource(_ kind: LiveSourceKind, _ configuration: WatchConfiguration,
                           report: @escaping @Sendable (String) -> Void) throws -> EventSource {
        switch kind {
        case .auto, .fanotify:
            if !HostPlatform.hasFanotify {
                throw SessionError("fanotify is Linux's; macOS and FreeBSD are watched through /dev/auditpipe (--source auditpipe).")
            }
            var live = LiveSourceOptions()
            live.layout = configuration.live.layout
            live.unlimitedQueue = configuration.live.queue == .unlimited
            live.readBufferSize = configuration.live.readBufferSize
            live.batchDelayMicroseconds = configuration.live.batchDelayMicroseconds
            live.kinds = configuration.requestedKinds
            // What the user asked to see, so kinds this source cannot give are named in one sentence.
            live.askedKinds = configuration.filters.kinds ?? (configuration.filters.all ? Set(EventKind.allCases) : nil)
            live.failuresOnly = configuration.filters.result == .failed
            live.ignoredPaths = configuration.ignoredPaths
            // The same resolved directories the filters use: the filesystems holding them are marked.
            live.paths = configuration.watchedDirectories
            live.debug = report
            report("source: live (layout \(configuration.live.layout ?? "default"), queue \(configuration.live.queue.rawValue))")
            do { return try LiveSource.make(live) } catch { throw SessionError("\(error)") }
        case .audit:
            if let sentence = AuditLiveSource.unavailable() { throw SessionError(sentence) }
            var options = AuditLiveOptions()
            options.daemon = configuration.audit.daemon
            options.failureRules = configuration.audit.failureRules
            report("source: kernel audit (\(options.daemon ? "as the audit daemon" : "multicast log, read-only")\(options.failureRules ? ", our failure rules" : ""))")
            return AuditLiveSource(options: options)
        case .auditpipe:
            if configuration.auditPipePath == nil && !HostPlatform.hasAuditPipe {
                throw SessionError("Linux has no /dev/auditpipe: filewatcher watches Linux live through fanotify (run it as root without --source auditpipe), or give --auditpipe PATH to read BSM records from a FIFO or file.")
            }
            let catalog = SystemCatalog.load()
            let mask = AuditPreselection.classMask(for: configuration.preselectedKinds, catalog: catalog)
            report("auditpipe classes: \(AuditPreselection.classNames(in: mask, catalog: catalog).joined(separator: ","))")
            let path = configuration.auditPipePath ?? AuditPipeSource.defaultPath
            report("source: auditpipe \(path)")
            return AuditPipeSource(path: path, classMask: mask)
        case .eslogger:
            #if !os(macOS)
            if configuration.esloggerPath == nil {
                throw SessionError("eslogger is macOS's (13 and later); this system is watched through fanotify (--source fanotify), or give --eslogger-path PATH to run a program that prints eslogger's JSON Lines.")
            }
            #endif
            var o = EsloggerSourceOptions()
            if let path = configuration.esloggerPath { o.executable = path }
            o.events = EsloggerDiagnosis.eventNames(for: configuration.requestedKinds)
            o.ignoredPaths = configuration.ignoredPaths
            report("source: eslogger \(o.executable) (events \(o.events.joined(separator: " ")))")
            return EsloggerSource(o)
        }
    }
}

// MARK: - Files

/// The first `count` bytes of a file (fewer when it is shorter), read with pread: nothing is
/// consumed. Throws a `SystemCallError` naming the file when it cannot be opened.
func firstBytes(of path: String, count: Int) throws(SystemCallError) -> [UInt8] {
    let fd = try path.withCString { Sys.open($0, O_RDONLY | O_NONBLOCK) }.get("open", object: path)
    defer { _ = Sys.close(fd) }
    guard case .success(true) = Sys.isRegularFile(fd) else { return [] }
    var buffer = [UInt8](repeating: 0, count: count)
    let n = try buffer.withUnsafeMutableBytes { Sys.pread(fd, into: $0, at: 0) }.get("read", object: path)
    return Array(buffer.prefix(n))
}

func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// Whether `path` exists and is not a regular file (a FIFO, a device, a directory).
func existsAsNonRegularFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG
}

func isRegularFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}

/// The names in a directory (without `.` and `..`).
func directoryEntries(_ path: String) throws(SystemCallError) -> [String] {
    guard let dir = opendir(path) else { throw SystemCallError("opendir", currentErrno(), object: path) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
