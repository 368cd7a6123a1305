// The process's surroundings: environment variables, the working directory, path resolution.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an environment variable (e.g. NO_COLOR).
public func environmentValue(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
}

/// A directory as the kernel reports paths under it: absolute (relative to the working
/// directory) and with symbolic links resolved when it exists here (realpath); otherwise only
/// made absolute. `--under /var/run/x` becomes `/run/x` where /var/run is a link to /run.
public func canonicalDirectory(_ dir: String) -> String {
    if let resolved = realpath(dir, nil) {
        defer { free(resolved) }
        return String(cString: resolved)
    }
    if dir.hasPrefix("/") { return dir }
    guard let cwd = getcwd(nil, 0) else { return dir }
    defer { free(cwd) }
    return String(cString: cwd) + "/" + dir
}
