#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

/// A directory on another filesystem than /tmp (tmpfs /dev/shm, /run, …), or nil.
private let otherFilesystem: String? = {
    var tmp = stat()
    guard stat("/tmp", &tmp) == 0 else { return nil }
    for candidate in ["/dev/shm", "/run", "/var/tmp"] {
        var st = stat()
        if stat(candidate, &st) == 0, st.st_dev != tmp.st_dev, access(candidate, W_OK) == 0 { return candidate }
    }
    return nil
}()

/// `--under` names a directory through a symbolic link into another filesystem (as `/var/run/x` does
/// where /var/run links to /run): the live source must watch the filesystem the link leads to, the
/// one the filters match against.
@Suite(.serialized, .needsRoot, .timeLimit(.minutes(2)),
       .enabled(if: TestEnvironment.isLinux, "fanotify is Linux's"),
       .enabled(if: otherFilesystem != nil, "no writable directory on a filesystem other than /tmp's"))
struct UnderResolutionTests {
    @Test func underThroughASymlinkWatchesTheFilesystemItLeadsTo() throws {
        let links = try TemporaryDirectory("fw-under")
        defer { links.remove() }
        let target = try TemporaryDirectory("fw-under-target", in: try #require(otherFilesystem))
        defer { target.remove() }
        let link = links.file("run")
        #expect(symlink(target.path, link) == 0)
        let out = links.file("out.jsonl")
        let err = links.file("err.txt")
        _ = FileManager.default.createFile(atPath: err, contents: nil)

        let p = Process()
        p.executableURL = binary
        p.arguments = ["--under", link + "/", "--format", "json", "-o", out, "--no-summary", "--event", "create"]
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit(orKillAfter: Process.testChildBound) } }

        // Files created on the far side of the link must be reported (under their resolved path).
        var seen = false
        var n = 0
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !seen && p.isRunning {
            n += 1
            let fd = open(target.file("probe\(n)"), O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)  // one plain create
            if fd >= 0 { close(fd) }
            usleep(100_000)
            seen = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains(target.file("probe"))
        }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        #expect(seen, "no event from \(target.path) (reached through \(link)) within 10 s; stderr: \(stderr)")
        #expect(p.terminationStatus == 0, "\(stderr)")
    }
}
