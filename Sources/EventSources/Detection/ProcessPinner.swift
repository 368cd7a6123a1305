// Pins processes by pid + start time and signals exactly the pinned process (ProcessIdentity.swift, issue 18).
//
// Linux: /proc/PID/stat gives the start time (field 22, clock ticks since boot, CLOCK_BOOTTIME), the parent,
// the session and the flags (PF_KTHREAD). To signal, a pidfd is opened on the pid and /proc is read again: when
// the start time is the pinned one, the pidfd refers to the pinned process (had it died before the pidfd_open,
// the pid's new holder would show a later start time), and the signal goes through the pidfd
// (pidfd_send_signal), so it cannot reach whoever takes the pid afterwards.
// Elsewhere (macOS, FreeBSD) nothing is pinned: --stop-offenders then says it cannot stop.

import FileWatchCore
import SystemPackage
#if os(Linux)
import Glibc
import CShims
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a pinned process could not be signalled.
public enum SignalFailure: Error, Equatable, CustomStringConvertible {
    /// The process has exited (its pid may belong to another process now).
    case gone
    case failed(SystemCallError)

    public var description: String {
        switch self {
        case .gone: "it has exited"
        case .failed(let e): "\(e)"
        }
    }
}

public final class ProcessPinner: ProcessPinning {
    /// Ourselves and our ancestors (never stopped, never summed as a tree).
    private var protectedProcesses: Set<PinnedProcess> = []

    public init() {
        #if os(Linux)
        var pid = getpid()
        for _ in 0..<64 {
            guard pid > 1, let p = read(pid: pid) else { break }
            protectedProcesses.insert(p)
            guard let ppid = p.ppid else { break }
            pid = ppid
        }
        #endif
    }

    public func pin(pid: Int32, at time: Int64) -> PinnedProcess? {
        #if os(Linux)
        guard pid > 0, let p = read(pid: pid) else { return nil }
        // Started after the event (allowing the 10 ms granularity of the start time): a later process.
        guard p.startedAt <= time + 20_000 else { return nil }
        return p
        #else
        return nil
        #endif
    }

    /// Sends `signal` to exactly `process`, never to another holder of its pid.
    public func signal(_ process: PinnedProcess, _ signal: Int32) -> Result<Void, SignalFailure> {
        #if os(Linux)
        let fd: Int32
        switch valueOrErrno({ fw_pidfd_open(process.pid, 0) }) {
        case .success(let d): fd = d
        case .failure(.noSuchProcess): return .failure(.gone)
        case .failure(let e): return .failure(.failed(SystemCallError("pidfd_open", e)))
        }
        defer { _ = Sys.close(fd) }
        guard let now = read(pid: process.pid), now == process else { return .failure(.gone) }
        switch valueOrErrno({ fw_pidfd_send_signal(fd, signal) }) {
        case .success: return .success(())
        case .failure(.noSuchProcess): return .failure(.gone)
        case .failure(let e): return .failure(.failed(SystemCallError("pidfd_send_signal", e)))
        }
        #else
        return .failure(.failed(SystemCallError("pidfd_send_signal", .notSupported)))
        #endif
    }

    /// The children of `process` now (pinned; the protected ones left out).
    public func children(of process: PinnedProcess) -> [PinnedProcess] {
        #if os(Linux)
        var out: [PinnedProcess] = []
        var seen = Set<Int32>()
        for tid in threads(of: process.pid) {
            guard let text = Self.readText("/proc/\(process.pid)/task/\(tid)/children") else { continue }
            for word in text.split(separator: " ") {
                guard let child = Int32(word.trimmingSpace), seen.insert(child).inserted,
                      let p = read(pid: child), p.ppid == process.pid, p.startedAt >= process.startedAt,
                      !p.isProtected else { continue }
                out.append(p)
            }
        }
        return out
        #else
        return []
        #endif
    }

    /// The process state letter now (R, S, D, T, Z, …), nil when gone.
    public static func state(of pid: Int32) -> Character? {
        #if os(Linux)
        guard let stat = readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].first { $0 != " " }
        #else
        return nil
        #endif
    }

    #if os(Linux)
    /// Reads /proc/PID/stat (and comm, exe, uid) into a pinned identity.
    private func read(pid: Int32) -> PinnedProcess? {
        guard let stat = Self.readBytes("/proc/\(pid)/stat"), let open = stat.firstIndex(of: 0x28),
              let close = stat.lastIndex(of: 0x29), open < close else { return nil }
        let name = Array(stat[(open + 1)..<close])
        // Fields from 3 (state) on, split at spaces.
        let fields = stat[(close + 2)...].split(separator: 0x20)
        func field(_ n: Int) -> UInt64? {
            let i = n - 3
            guard i < fields.count else { return nil }
            var v: UInt64 = 0
            for b in fields[fields.startIndex + i] {
                guard b >= 0x30, b <= 0x39 else { return nil }
                v = v &* 10 &+ UInt64(b - 0x30)
            }
            return v
        }
        guard let ppid = field(4), let session = field(6), let flags = field(9), let start = field(22) else { return nil }
        let ticks = Int64(Self.ticksPerSecond)
        let startedAt = Self.bootRealtime() + Int64(start) * 1_000_000 / ticks
        var subject = ProcessSubject(pid: pid, ppid: Int32(ppid), name: ByteString(name),
                                     executable: withProcPIDPath(pid, "exe") { readLinkBytes($0) }.map(ByteString.init),
                                     startTime: startedAt)
        subject.uid = Self.uid(of: pid)
        let kernelThread = flags & 0x0020_0000 != 0 || ppid == 2 || pid == 2
        var p = PinnedProcess(pid: pid, startTime: start, startedAt: startedAt, ppid: Int32(ppid),
                              isSessionLeader: Int64(session) == Int64(pid), isProtected: false, subject: subject)
        if pid <= 1 || kernelThread || protectedProcesses.contains(p) {
            p = PinnedProcess(pid: pid, startTime: start, startedAt: startedAt, ppid: Int32(ppid),
                              isSessionLeader: p.isSessionLeader, isProtected: true, subject: subject)
        }
        return p
    }

    private func threads(of pid: Int32) -> [Int32] {
        guard let dir = opendir("/proc/\(pid)/task") else { return [] }
        defer { closedir(dir) }
        var out: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let tid = Int32(name) { out.append(tid) }
        }
        return out
    }

    /// The real uid from /proc/PID/status.
    private static func uid(of pid: Int32) -> UInt32? {
        guard let text = readText("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("Uid:") {
            return line.dropFirst(4).split(whereSeparator: { $0 == "\t" || $0 == " " }).first.flatMap { UInt32($0) }
        }
        return nil
    }

    private static let ticksPerSecond: Int = {
        let t = sysconf(Int32(_SC_CLK_TCK))
        return t > 0 ? t : 100
    }()

    /// When the machine booted, µs since the epoch (CLOCK_REALTIME − CLOCK_BOOTTIME).
    private static func bootRealtime() -> Int64 {
        var real = timespec(), boot = timespec()
        clock_gettime(CLOCK_REALTIME, &real)
        clock_gettime(CLOCK_BOOTTIME, &boot)
        return (Int64(real.tv_sec) - Int64(boot.tv_sec)) * 1_000_000 + (Int64(real.tv_nsec) - Int64(boot.tv_nsec)) / 1000
    }

    private static func readBytes(_ path: String) -> [UInt8]? {
        withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 8) { buffer in
            path.withCString { p in readSmallFile(p, into: buffer) }.flatMap { n in n > 0 ? Array(buffer[0..<n]) : nil }
        }
    }
    #endif

    private static func readText(_ path: String) -> String? {
        #if os(Linux)
        return readBytes(path).map { String(decoding: $0, as: UTF8.self) }
        #else
        return nil
        #endif
    }
}

private extension Substring {
    var trimmingSpace: Substring {
        var s = self
        while let c = s.last, c == "\n" || c == " " { s.removeLast() }
        return s
    }
}
