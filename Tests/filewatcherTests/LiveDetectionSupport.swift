// What the live detection tests share: the simulated ransomware and a small network tool (C, built per run), a
// `filewatcher` scoped to one temporary directory, and helpers to run programs and read process states.
//
// Every run is scoped with --under to its own temporary directory, so the monitor never judges (or stops!) other
// processes on the machine.

import Foundation
import Testing
import TestSupport

let simulatorSource = #"""
// sim DIR COUNT SIZE MODE DELAY_MS PHASE
//   PHASE generate: writes COUNT text documents DIR/sub{0..3}/docNNN.txt and exits.
//   PHASE encrypt | encrypt-rename-self: for each document (generated beforehand, so not its own files):
//     inplace: read it, overwrite it with random bytes, close, rename to NAME.locked
//     copy:    read it, write random bytes to NAME.locked, close, unlink the original
//     overwrite: read it, overwrite it with random bytes, close (no rename: only the content gives it away)
//   encrypt-rename-self calls prctl(PR_SET_NAME, "kworker/0:1") after its first file.
// prints "done N" after each file (unbuffered).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc < 7) return 2;
    const char *dir = argv[1]; int count = atoi(argv[2]); size_t size = (size_t)atol(argv[3]);
    int inplace = strcmp(argv[4], "inplace") == 0, overwrite = strcmp(argv[4], "overwrite") == 0;
    int delay = atoi(argv[5]);
    int renameSelf = strcmp(argv[6], "encrypt-rename-self") == 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    char path[4096], dest[4200];
    unsigned char *buf = malloc(size), *rnd = malloc(size);
    if (strcmp(argv[6], "generate") == 0) {
        const char *words[] = {"invoice ", "meeting ", "budget ", "report ", "quarter ", "customer ", "draft\n", "final. "};
        for (int s = 0; s < 4; s++) { snprintf(path, sizeof path, "%s/sub%d", dir, s); mkdir(path, 0755); }
        for (int i = 0; i < count; i++) {
            snprintf(path, sizeof path, "%s/sub%d/doc%03d.txt", dir, i % 4, i);
            FILE *f = fopen(path, "w");
            size_t w = 0; unsigned x = (unsigned)i * 2654435761u;
            while (w < size) { x = x * 1103515245u + 12345u; const char *t = words[(x >> 16) % 8]; fputs(t, f); w += strlen(t); }
            fclose(f);
        }
        return 0;
    }
    for (int i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/sub%d/doc%03d.txt", dir, i % 4, i);
        snprintf(dest, sizeof dest, "%s.locked", path);
        int fd = open(path, O_RDONLY);
        if (fd < 0) continue;
        while (read(fd, buf, size) > 0) {}
        close(fd);
        size_t off = 0;
        while (off < size) { ssize_t r = getrandom(rnd + off, size - off, 0); if (r > 0) off += (size_t)r; }
        if (overwrite || inplace) {
            fd = open(path, O_WRONLY | O_TRUNC);
            if (write(fd, rnd, size) < 0) return 1;
            close(fd);
            if (inplace) rename(path, dest);
        } else {
            fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (write(fd, rnd, size) < 0) return 1;
            close(fd);
            unlink(path);
        }
        printf("done %d\n", i + 1);
        if (renameSelf && i == 0) prctl(PR_SET_NAME, "kworker/0:1", 0, 0, 0);
        if (delay > 0) { struct timespec ts = { delay / 1000, (delay % 1000) * 1000000L }; nanosleep(&ts, NULL); }
    }
    return 0;
}
"""#

/// `net serve-upload PORT DIR N`: accepts N connections, each "NAME\n" then the bytes, written to DIR/NAME.
/// `net upload PORT FILE NAME`: sends FILE as NAME.
/// `net serve-download PORT FILE N`: sends FILE to each of N connections.
/// `net download PORT OUT...`: fetches once per OUT file, all in this one process.
let netSource = #"""
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static int listener(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 16)) { perror("listen"); exit(1); }
    printf("listening\n"); fflush(stdout);
    return s;
}
static int dial(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(s, (struct sockaddr *)&a, sizeof a)) { perror("connect"); exit(1); }
    return s;
}
static void pump(int from, int to) { char b[65536]; ssize_t n; while ((n = read(from, b, sizeof b)) > 0) if (write(to, b, n) != n) exit(1); }
int main(int argc, char **argv) {
    int port = atoi(argv[2]);
    if (!strcmp(argv[1], "serve-upload")) {
        int s = listener(port), n = atoi(argv[4]);
        for (int i = 0; i < n; i++) {
            int c = accept(s, 0, 0); char name[256]; int k = 0;
            while (k < 255 && read(c, name + k, 1) == 1 && name[k] != '\n') k++;
            name[k] = 0;
            char path[4096]; snprintf(path, sizeof path, "%s/%s", argv[3], name);
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            pump(c, fd); close(fd); close(c);
        }
    } else if (!strcmp(argv[1], "upload")) {
        int c = dial(port), fd = open(argv[3], O_RDONLY);
        if (write(c, argv[4], strlen(argv[4])) < 0 || write(c, "\n", 1) != 1) return 1;
        pump(fd, c); close(c);
    } else if (!strcmp(argv[1], "serve-download")) {
        int s = listener(port), n = atoi(argv[4]);
        for (int i = 0; i < n; i++) { int c = accept(s, 0, 0), fd = open(argv[3], O_RDONLY); pump(fd, c); close(fd); close(c); }
    } else {
        for (int i = 3; i < argc; i++) {
            int c = dial(port), fd = open(argv[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
            pump(c, fd); close(fd); close(c);
        }
    }
    return 0;
}
"""#

/// Why live tests cannot run here, or nil.
let liveDetectionSkipReason: String? = {
    if getuid() != 0 { return "not root (fanotify needs CAP_SYS_ADMIN)" }
    #if !os(Linux)
    return "fanotify is Linux only"
    #else
    for cc in ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"] where FileManager.default.isExecutableFile(atPath: cc) { return nil }
    return "no C compiler (cc) to build the simulated ransomware and the benign build"
    #endif
}()

@discardableResult
func sh(_ argv: [String], cwd: String? = nil) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    var env = ProcessInfo.processInfo.environment
    env["GIT_AUTHOR_NAME"] = "t"; env["GIT_AUTHOR_EMAIL"] = "t@example.org"
    env["GIT_COMMITTER_NAME"] = "t"; env["GIT_COMMITTER_EMAIL"] = "t@example.org"
    p.environment = env
    try p.run()
    p.waitUntilExit(orKillAfter: Process.testChildBound)
    return p.terminationStatus
}

/// A running `filewatcher` scoped to `dir`, JSON Lines to `dir/../out.jsonl`.
final class Monitor {
    let process = Process()
    let out: String
    let err: String
    let dir: String

    init(dir: String, extra: [String]) throws {
        self.dir = dir
        let base = (dir as NSString).deletingLastPathComponent
        out = base + "/out.jsonl"
        err = base + "/err.txt"
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.executableURL = binary
        process.arguments = ["--under", dir, "--format", "json", "-o", out] + extra
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits until the monitor reports events from `dir` (probe files), or throws with its stderr.
    func waitReady() throws {
        let deadline = Date().addingTimeInterval(15)
        var n = 0
        while Date() < deadline {
            if !process.isRunning { throw MonitorFailed(stderr: stderrText) }
            n += 1
            _ = FileManager.default.createFile(atPath: dir + "/.probe\(n)", contents: Data("x".utf8))
            usleep(100_000)
            if let t = try? String(contentsOfFile: out, encoding: .utf8), t.contains(".probe") {
                for i in 1...n { try? FileManager.default.removeItem(atPath: dir + "/.probe\(i)") }
                return
            }
        }
        throw MonitorFailed(stderr: "monitor not ready after 15 s: " + stderrText)
    }

    var stderrText: String { (try? String(contentsOfFile: err, encoding: .utf8)) ?? "" }

    /// A test that fails half-way must not leave a system-wide monitor running.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit(orKillAfter: Process.testChildBound)
        }
    }

    /// SIGINT, wait; returns (JSON objects, stderr).
    func stop() throws -> (events: [[String: Any]], stderr: String) {
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
        process.waitUntilExit(orKillAfter: Process.testChildBound)
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let objs = try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        return (objs, stderrText)
    }
}

struct MonitorFailed: Error, CustomStringConvertible {
    var stderr: String
    var description: String { "filewatcher did not start: \(stderr)" }
}

func procState(_ pid: Int32) -> String? {
    guard let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = s.lastIndex(of: ")") else { return nil }
    return s[s.index(after: close)...].split(separator: " ").first.map(String.init)
}

/// The state of a process that was sent SIGSTOP with its children: "T", or "D (vfork)" for a shell that was in
/// vfork(2) (dash starts commands so) when its stopped child had not exec'd yet: it then waits uninterruptibly
/// for that child and stops only once it goes on — as stopped in effect (it cannot run on), and shown as such.
func stoppedState(_ pid: Int32) -> String? {
    guard let state = procState(pid) else { return nil }
    guard state == "D",
          let list = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else { return state }
    let children = list.split(separator: " ").compactMap { Int32($0) }
    return !children.isEmpty && children.allSatisfy({ procState($0) == "T" }) ? "T" : state
}

func alerts(_ objs: [[String: Any]]) -> [[String: Any]] { objs.compactMap { $0["alert"] as? [String: Any] } }

/// A fresh directory with the simulator and the network tool built; returns (base, watched dir, sim, net).
func prepareLiveDirectory() throws -> (base: String, dir: String, sim: String, net: String) {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("fw-live-\(UUID().uuidString)").path
    let dir = base + "/w"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Data(simulatorSource.utf8).write(to: URL(fileURLWithPath: base + "/sim.c"))
    try Data(netSource.utf8).write(to: URL(fileURLWithPath: base + "/net.c"))
    #expect(try sh(["cc", "-O2", "-o", base + "/sim", base + "/sim.c"]) == 0)
    #expect(try sh(["cc", "-O2", "-o", base + "/net", base + "/net.c"]) == 0)
    // Built binaries live outside the watched directory; the base must be reachable by `nobody` (uploads).
    _ = chmod(base, 0o755)
    _ = chmod(dir, 0o777)
    return (base, dir, base + "/sim", base + "/net")
}

/// The "ransomware check: …" summary line.
func judgedLine(_ stderr: String) -> String {
    stderr.split(separator: "\n").first { $0.contains("ransomware check:") }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "?"
}
