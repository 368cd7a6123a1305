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

    /// A Python with the OCSF validators (PyPI `ocsf-emitter`, `py-ocsf-models`) installed:
    /// FILEWATCHER_OCSF_PYTHON, else the virtual environment `.ci/run` makes (.build/ocsf-venv).
    public static let ocsfPython: String? = {
        let candidates = [ProcessInfo.processInfo.environment["FILEWATCHER_OCSF_PYTHON"],
                          packageRoot + "/.build/ocsf-venv/bin/python3"].compactMap { $0 }
        for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: python)
            // Finds the packages without importing them (importing pydantic's models takes seconds).
            p.arguments = ["-c", "import importlib.util as u, sys; sys.exit(0 if u.find_spec('ocsf_emitter') and u.find_spec('py_ocsf_models') else 1)"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { continue }
            p.waitUntilExit(orKillAfter: Process.testChildBound)
            if p.terminationStatus == 0 { return python }
        }
        return nil
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
    public static let ocsfValidatorMissing = "no OCSF validator: `python3 -m venv .build/ocsf-venv && .build/ocsf-venv/bin/pip install ocsf-emitter py-ocsf-models` (as .ci/run does), or set FILEWATCHER_OCSF_PYTHON"
    public static let needsRoot = "needs root (fanotify needs CAP_SYS_ADMIN); CI runs the tests as root"
}
