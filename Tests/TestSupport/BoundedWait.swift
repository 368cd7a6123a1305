// Waiting for a child process with a bound: a child that hangs (a lost signal, a blocked read) is
// killed and its test fails on the status, instead of hanging the whole suite until CI gives up.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension Process {
    /// Waits until the process ends; after `seconds` it is killed (SIGKILL), so `terminationStatus`
    /// then reads 9 with `terminationReason == .uncaughtSignal`. Returns whether it ended by itself.
    @discardableResult
    public func waitUntilExit(orKillAfter seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning && Date() < deadline { usleep(5_000) }
        let endedByItself = !isRunning
        if !endedByItself {
            kill(processIdentifier, SIGKILL)
            FileHandle.standardError.write(Data("test child \(processIdentifier) (\(executableURL?.lastPathComponent ?? "?")) still ran after \(Int(seconds)) s: killed\n".utf8))
        }
        waitUntilExit()
        return endedByItself
    }

    /// The bound every test uses for its children: well above any honest run on a loaded machine.
    public static let testChildBound: Double = 240
}

extension Process {
    /// Kills the process (SIGKILL) if it still runs after `seconds`: for a test that reads a child's
    /// output to its end before waiting, so a hung child ends the read too.
    public func killIfRunning(after seconds: Double = Process.testChildBound) {
        let pid = processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [weak self] in
            guard let self, self.isRunning, self.processIdentifier == pid else { return }
            kill(pid, SIGKILL)
            FileHandle.standardError.write(Data("test child \(pid) still ran after \(Int(seconds)) s: killed\n".utf8))
        }
    }
}
