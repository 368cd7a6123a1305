#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import Foundation
import Testing
import TestSupport

/// Endless garbage and records with a token no kernel writes, through the binary: damage is said
/// with the file and the offset while it is read and when stopped, and the status is 1.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DamagedInputCommandTests {
    /// Runs the binary on never-ending input; once its standard error holds `waitFor` (said while it
    /// runs, before any signal), stops it with SIGINT.
    func interrupted(_ args: [String], waitFor: String) throws -> RunResult {
        let dir = try TemporaryDirectory("fw-endless")
        defer { dir.remove() }
        let errPath = dir.file("err")
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit(orKillAfter: Process.testChildBound) } }
        let deadline = Date().addingTimeInterval(60)
        var said = false
        while Date() < deadline && p.isRunning && !said {
            usleep(50_000)
            said = ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "").contains(waitFor)
        }
        #expect(said, "\(waitFor) was not said while running")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return RunResult(status: p.terminationStatus, stdout: Data(), stderr: stderr)
    }

    @Test func printOfEndlessZerosSaysSoAndExitsOneOnSIGINT() throws {
        let r = try interrupted(["print", "/dev/zero"], waitFor: "skipped 1048576 bytes")
        #expect(r.status == 1, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.first?.hasPrefix("filewatcher print: /dev/zero: offset 0: garbage where a record should start (byte 0x00") == true,
                "\(r.stderr)")
        // Every part names where it starts; they follow each other.
        var next = 0
        for line in lines {
            #expect(line.contains("offset \(next): "), "\(line)")
            #expect(!line.contains("skipped 0 bytes"))
            if let n = line.split(separator: " ").last(where: { Int($0) != nil }).flatMap({ Int($0) }) { next += n }
        }
    }

    @Test func watchOfEndlessRandomBytesSaysSoAndExitsOneOnSIGINT() throws {
        let r = try interrupted(["--read", "/dev/urandom"], waitFor: "damaged input at byte offset 0: ")
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("filewatcher: /dev/urandom: damaged input at byte offset 0: "), "\(r.stderr)")
        #expect(r.stderr.contains("damaged input stretch"), "the summary counts it: \(r.stderr)")
        let zeros = try interrupted(["--read", "/dev/zero", "--no-summary"], waitFor: "skipped 1048576 bytes")
        #expect(zeros.status == 1)
        #expect(zeros.stderr.hasPrefix("filewatcher: /dev/zero: damaged input at byte offset 0: garbage where a record should start"),
                "\(zeros.stderr)")
    }

    @Test func aStoppedCleanReplayStillExitsZero() throws {
        let r = try run(["--read", "-", "--no-summary"], stdin: Data(fixture)) { p in
            usleep(500_000)
            kill(p.processIdentifier, SIGINT)
            p.waitUntilExit(orKillAfter: Process.testChildBound)
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "a record cut off by the stop is not damage")
    }

    @Test func innerTokenProblemsNameFileOffsetAndProblem() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        let good = TrailFixture.bytes([TrailFixture.editing[1]])
        // header32 (18 bytes), an unknown token 0xee, a path, a return, the trailer.
        let body: [UInt8] = [0xee, 1, 2, 3, 0x23, 0, 3, 0x2f, 0x78, 0, 0x27, 0, 0, 0, 0, 0]
        let size = UInt32(18 + body.count + 7)
        let bad: [UInt8] = [0x14] + be32(size) + [11, 0, 72, 0, 0] + be32(1_700_000_000) + be32(0) + body
            + [0x13, 0xb1, 0x05] + be32(size)
        let path = try dir.write(good + bad + good, to: "inner.bsm")
        let alone = try run(["print", try dir.write(good, to: "good.bsm")])
        let printed = try run(["print", path])
        #expect(printed.status == 1)
        #expect(printed.stderr == "filewatcher print: \(path): offset \(good.count + 18): unknown token id 0xee (in the record at offset \(good.count), printed as praudit prints it)\n")
        #expect(printed.out.hasPrefix(alone.out) && printed.out.hasSuffix(alone.out))
        #expect(printed.out.contains("unknown,0x0102032300032f7800270000000000\n"), "praudit's text for it")

        let watched = try run(["--read", path, "-a", "--no-summary"])
        #expect(watched.status == 1)
        #expect(watched.stderr == "filewatcher: \(path): damaged input at byte offset \(good.count + 18): record at offset \(good.count) skipped: unknown token id 0xee\n",
                "\(watched.stderr)")
        #expect(watched.out.split(separator: "\n").count == 2, "the intact records around it")
    }
}
