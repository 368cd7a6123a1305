#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if os(macOS) || os(FreeBSD)
import CShims  // proc_pidpath (libproc.h) / sysctl (sys/sysctl.h): outside the libc modules
#endif

/// Asks the system once per pid for a process's executable path (when no exec record named it)
/// and remembers the answer. Bounded: the cache is cleared when it grows past `capacity`.
/// Only `systemExecutablePath` is platform-specific.
public struct ExecutableLookup {
    private var cache: [Int32: [UInt8]?] = [:]
    public let capacity: Int
    private let ask: (Int32) -> [UInt8]?

    /// `ask` defaults to the system's answer (proc_pidpath on macOS, kern.proc.pathname on FreeBSD,
    /// nothing elsewhere: records replayed on Linux come from another machine).
    public init(capacity: Int = 8192, ask: @escaping (Int32) -> [UInt8]? = ExecutableLookup.systemExecutablePath) {
        self.capacity = capacity
        self.ask = ask
    }

    /// The executable of `pid`, asking the system only the first time.
    public mutating func executable(of pid: Int32) -> [UInt8]? {
        if let known = cache[pid] { return known }
        if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
        let answer = ask(pid)
        cache[pid] = .some(answer)
        return answer
    }

    /// An exec record named the executable: it wins over (and replaces) what the system said.
    public mutating func learn(pid: Int32, executable: [UInt8]) {
        if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
        cache[pid] = .some(executable)
    }

    /// The process exited: forget it so a reused pid is asked again.
    public mutating func forget(pid: Int32) { cache[pid] = nil }

    public static func systemExecutablePath(_ pid: Int32) -> [UInt8]? {
        #if os(macOS)
        // proc_pidpath(3): PROC_PIDPATHINFO_MAXSIZE = 4 * MAXPATHLEN.
        var buffer = [UInt8](repeating: 0, count: 4 * Int(MAXPATHLEN))
        let length = buffer.withUnsafeMutableBytes { proc_pidpath(pid, $0.baseAddress, UInt32($0.count)) }
        guard length > 0 else { return nil }
        return Array(buffer[0..<Int(length)])
        #elseif os(FreeBSD)
        // sysctl kern.proc.pathname.<pid>; the answer's length includes the terminating NUL.
        var mib: [Int32] = [CTL_KERN, KERN_PROC, KERN_PROC_PATHNAME, pid]
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX))
        var length = buffer.count
        let rc = buffer.withUnsafeMutableBytes { sysctl(&mib, 4, $0.baseAddress, &length, nil, 0) }
        guard rc == 0, length > 1 else { return nil }
        return Array(buffer[0..<(length - 1)])
        #else
        return nil
        #endif
    }
}
