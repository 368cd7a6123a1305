// What the machine running the tests offers: the shared sample files, a praudit binary, root.
// Tests use these in `.enabled(if:)` traits so a missing precondition is reported as a skip.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

public enum TestEnvironment {
    /// The package root (this file is Tests/TestSupport/TestEnvironment.swift).
    public static let packageRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// `shared/` beside the package root or beside its parent (a worktree under /work/wt/NAME), or
    /// FILEWATCHER_SHARED.
    public static let shared: String? = {
        if let s = ProcessInfo.processInfo.environment["FILEWATCHER_SHARED"] { return s }
        for rel in ["../shared", "../../shared"] {
            let u = URL(fileURLWithPath: packageRoot).appendingPathComponent(rel).standardizedFileURL.path
            if FileManager.default.fileExists(atPath: u + "/samples") { return u }
        }
        return nil
    }()

    /// The public sample trails with praudit's output (`shared/samples`), or FILEWATCHER_SAMPLES.
    public static let samples: String? = {
        let s = ProcessInfo.processInfo.environment["FILEWATCHER_SAMPLES"] ?? shared.map { $0 + "/samples" }
        return s.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
    }()

    /// OpenBSM's tables (`shared/openbsm`: audit_event, audit_class).
    public static let openBSMTables: String? = shared.map { $0 + "/openbsm" }.flatMap {
        FileManager.default.fileExists(atPath: $0 + "/audit_event") ? $0 : nil
    }

    /// OpenBSM's praudit, when FILEWATCHER_PRAUDIT names an executable.
    public static let praudit: String? = {
        guard let p = ProcessInfo.processInfo.environment["FILEWATCHER_PRAUDIT"],
              FileManager.default.isExecutableFile(atPath: p) else { return nil }
        return p
    }()

    /// OpenBSM's auditreduce, when FILEWATCHER_AUDITREDUCE names an executable.
    public static let auditreduce: String? = {
        guard let p = ProcessInfo.processInfo.environment["FILEWATCHER_AUDITREDUCE"],
              FileManager.default.isExecutableFile(atPath: p) else { return nil }
        return p
    }()

    /// Built for Linux.
    public static var isLinux: Bool {
        #if os(Linux)
        true
        #else
        false
        #endif
    }

    /// Running as root (fanotify, the proc connector and signals to others need it).
    public static var isRoot: Bool { geteuid() == 0 }

    /// Whether `path` is an executable file (e.g. /usr/bin/unshare).
    public static func hasExecutable(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// A skip reason naming what is missing, for `.enabled(if:, Comment(...))`.
    public static let samplesMissing = "the sample trails (../shared/samples or FILEWATCHER_SAMPLES) are not present"
    public static let auditreduceMissing = "no OpenBSM auditreduce: set FILEWATCHER_AUDITREDUCE to an auditreduce binary"
    public static let prauditMissing = "no OpenBSM praudit: set FILEWATCHER_PRAUDIT to a praudit binary"
    public static let needsRoot = "needs root (fanotify needs CAP_SYS_ADMIN); CI runs the tests as root"
}
