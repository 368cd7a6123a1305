// `--read` of trail files and directories as auditd leaves them in /var/audit:
//   20211014091059.20211014101059   a closed trail: start and end time (UTC) in its name
//   20211014101059.not_terminated   the trail being written (or one auditd never closed: a crash)
//   20211014101059.crash_recovery   a trail closed after a crash
//   current                         a symbolic link to the trail being written
// A directory stands for its files (not hidden ones) in name order, which for trails is time
// order, with `current` last; `current` is read once when it points to a file already listed.
// A `not_terminated` trail is read as it is now, with a notice.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FileWatchCore

/// One input file of a replay.
struct ReplayInput: Equatable {
    var path: String
    /// auditd had not closed this trail (`*.not_terminated`).
    var notTerminated: Bool
}

extension SessionSources {
    /// Files and directories → files, with /var/audit's rules (above). `notice` gets one remark per
    /// trail that was not terminated.
    static func expandTrails(_ inputs: [String], notice: (SourceNotice) -> Void) throws -> [ReplayInput] {
        var out: [ReplayInput] = []
        for input in inputs {
            guard input != "-", isDirectory(input) else {
                out.append(ReplayInput(path: input, notTerminated: isNotTerminated(input)))
                continue
            }
            var names = try directoryEntries(input).filter { !$0.hasPrefix(".") }.sorted()
            let join = { (name: String) in input.hasSuffix("/") ? input + name : input + "/" + name }
            names = names.filter { isRegularFile(join($0)) }
            if let i = names.firstIndex(of: "current") {
                names.remove(at: i)
                let target = realPath(join("current"))
                if target == nil || !names.contains(where: { realPath(join($0)) == target }) { names.append("current") }
            }
            if names.isEmpty { throw SessionError("\(input): no files to read in this directory") }
            out += names.map { ReplayInput(path: join($0), notTerminated: isNotTerminated(join($0))) }
        }
        for input in out where input.notTerminated {
            notice(.info("\(input.path): trail not terminated (auditd is writing it, or stopped without closing it); read as it is now"))
        }
        return out
    }

    /// `*.not_terminated`, or a link (`current`) to one.
    static func isNotTerminated(_ path: String) -> Bool {
        if path.hasSuffix(".not_terminated") { return true }
        return realPath(path)?.hasSuffix(".not_terminated") ?? false
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
