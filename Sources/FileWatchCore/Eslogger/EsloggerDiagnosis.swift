// What eslogger's failures mean, in one sentence each (the live source reports them and exits 1).
//
// eslogger prints the Endpoint Security client error by name (es_new_client_result_t) on standard
// error when it cannot start: ES_NEW_CLIENT_RESULT_ERR_NOT_PERMITTED (no Full Disk Access: TCC),
// …_ERR_NOT_PRIVILEGED (not root), …_ERR_TOO_MANY_CLIENTS, …_ERR_NOT_ENTITLED, …_ERR_INTERNAL,
// …_ERR_INVALID_ARGUMENT.

public enum EsloggerDiagnosis {
    /// The event names filewatcher asks eslogger for by default (file events and the process life
    /// cycle).
    public static let defaultEvents = ["open", "close", "create", "rename", "unlink", "write", "link", "truncate",
                                       "setattrlist", "setmode", "setowner", "exec", "exit", "fork"]

    /// The events to ask for when only `kinds` are wanted (nil: all of `defaultEvents`). exec, exit
    /// and fork are always asked for: they name the processes of the other events.
    public static func eventNames(for kinds: Set<EventKind>?) -> [String] {
        guard let kinds else { return defaultEvents }
        return defaultEvents.filter { name in
            ["exec", "exit", "fork"].contains(name) || kinds.contains(EsloggerMapper.kind(of: name))
        }
    }

    /// One sentence for an eslogger that ended (`ended`: "exit status 1", "signal 9") having printed
    /// `stderr`, after `events` events.
    /// `listing`: the failure was of `eslogger --list-events` (no events counted).
    public static func sentence(program: String, stderr: [UInt8], ended: String, events: UInt64, listing: Bool = false) -> String {
        let text = String(decoding: stderr, as: UTF8.self)
        if text.contains("ERR_NOT_PERMITTED") {
            return "eslogger is not permitted to use Endpoint Security (ES_NEW_CLIENT_RESULT_ERR_NOT_PERMITTED): grant Full Disk "
                + "Access to the program that starts filewatcher — the terminal app, or for a launchd service the filewatcher "
                + "executable — in System Settings > Privacy & Security > Full Disk Access, then start filewatcher again."
        }
        if text.contains("ERR_NOT_PRIVILEGED") {
            return "eslogger must run as root (ES_NEW_CLIENT_RESULT_ERR_NOT_PRIVILEGED): run filewatcher with sudo, "
                + "or as a launchd daemon (not an agent)."
        }
        if text.contains("ERR_TOO_MANY_CLIENTS") {
            return "Endpoint Security has too many clients (ES_NEW_CLIENT_RESULT_ERR_TOO_MANY_CLIENTS): stop another "
                + "eslogger or security tool, then start filewatcher again."
        }
        if text.contains("ERR_NOT_ENTITLED") {
            return "\(program) is not entitled to use Endpoint Security (ES_NEW_CLIENT_RESULT_ERR_NOT_ENTITLED): "
                + "use Apple's /usr/bin/eslogger."
        }
        let firstLine = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingCharacters() }.first { !$0.isEmpty }
        var s = listing ? "eslogger (\(program)) --list-events failed (\(ended))"
            : "eslogger (\(program)) ended (\(ended)) after \(events) event\(events == 1 ? "" : "s")"
        if let firstLine {
            s += ": " + String(firstLine.prefix(300))
        } else if ended == "exit status 0" && !listing {
            s += " while filewatcher was still watching"
        }
        return s + "."
    }
}

private extension Substring {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
