#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import Dispatch
import FileWatchCore
@testable import EventSources
import Foundation
import SystemPackage
import Testing
import TestSupport

/// The host layer: system-call errors and the EINTR retry, names, local time, errno texts, signals.
@Suite struct HostLayerTests {
    @Test func strerrorTextsByName() {
        let e = SystemErrorText()
        #expect(e.errorText(symbol: "ENOENT").map { String(decoding: $0, as: UTF8.self) } == String(cString: strerror(ENOENT)))
        #expect(e.errorText(symbol: "ENOTEMPTY") != nil)
        #if os(Linux)
        // No such errno on Linux: praudit says "failure: Unknown error: 190" for BSM EPROCLIM.
        #expect(e.errorText(symbol: "EPROCLIM") == nil)
        #endif
        #expect(e.errorText(symbol: "ENOSUCHTHING") == nil)
        // Every BSM table entry's symbol resolves or is absent; none crash.
        for entry in BSMErrno.table { if let s = entry.symbol { _ = e.errorText(symbol: s.description) } }
    }

    @Test func namesResolveAndAreCached() {
        let n = SystemIdentityNames()
        #expect(n.userName(0) == Array("root".utf8))
        #expect(n.userName(for: 0) == "root")
        #expect(n.groupName(0) == Array("root".utf8))
        #expect(n.groupName(for: 0) == "root")
        #expect(n.userName(4_000_000_123) == nil)
        #expect(n.userName(for: 4_000_000_123) == nil)
        #expect(SystemIdentityNames.uid(ofUser: "root") == 0)
        #expect(SystemIdentityNames.uid(ofUser: "no-such-user-xyz") == nil)
        #expect(SystemIdentityNames.name(ofUID: 0) == "root")
    }

    @Test func lookupsGrowTheirBufferOnERANGE() {
        // A 1-byte buffer cannot hold any entry: the C library answers ERANGE and the lookup must grow
        // and retry instead of giving up (one of the three former services returned nil here).
        #expect(SystemIdentityNames.lookUpUser(uid: 0, initialBufferSize: 1) == Array("root".utf8))
        #expect(SystemIdentityNames.lookUpGroup(gid: 0, initialBufferSize: 1) == Array("root".utf8))
        #expect(SystemIdentityNames.uid(ofUser: "root", initialBufferSize: 1) == 0)
    }

    @Test func systemCallErrorsNameCallObjectAndErrno() {
        #expect(SystemCallError("open", .noSuchFileOrDirectory, object: "/x").description
                == "open /x: No such file or directory")
        #expect(SystemCallError("read", .badFileDescriptor).description == "read: Bad file descriptor")
        #expect(SystemCallError("open", .tooManySymbolicLinkLevels, object: "/o", note: "a symbolic link; refusing to follow it")
                .description == "open /o: Too many levels of symbolic links (a symbolic link; refusing to follow it)")
        #expect(throws: SystemCallError("fstat", .badFileDescriptor, object: "nothing")) {
            try Sys.fstat(-1).get("fstat", object: "nothing")
        }
    }

    @Test func interruptedCallsAreRetried() throws {
        // A thread blocks in read(2) on an empty pipe; a signal whose handler is installed without
        // SA_RESTART interrupts it (EINTR); `Sys.read` must retry and return the bytes written later.
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var action = sigaction()
        #if os(Linux)
        action.__sigaction_handler.sa_handler = { _ in }
        #else
        action.__sigaction_u.__sa_handler = { _ in }
        #endif
        action.sa_flags = 0
        var old = sigaction()
        #expect(sigaction(SIGUSR2, &action, &old) == 0)
        defer { sigaction(SIGUSR2, &old, nil) }

        let reader = fds[0]
        let started = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var thread = pthread_t()
        nonisolated(unsafe) var result: Result<Int, Errno>?
        nonisolated(unsafe) var byte: UInt8 = 0
        DispatchQueue.global().async {
            thread = pthread_self()
            started.signal()
            result = withUnsafeMutableBytes(of: &byte) { Sys.read(reader, into: $0) }
            done.signal()
        }
        started.wait()
        for _ in 0..<5 {
            usleep(20_000)
            pthread_kill(thread, SIGUSR2)  // each interrupts the blocked read
        }
        #expect(done.wait(timeout: .now() + .milliseconds(50)) == .timedOut, "an interrupted read must not return")
        var x: UInt8 = 0x2a
        #expect(write(fds[1], &x, 1) == 1)
        #expect(done.wait(timeout: .now() + .seconds(10)) == .success)
        #expect(try result?.get() == 1 && byte == 0x2a)
    }

    /// A signal that arrives at once after the stopper is made is not lost (a dispatch signal
    /// source armed after SIG_IGN lost it: a SIGTERM at startup then never stopped the run).
    @Test(.timeLimit(.minutes(1))) func aSignalRightAfterSetupStopsTheRun() throws {
        for _ in 0..<200 {
            let token = StopToken()
            let stopper = SignalStopper(stop: token, signals: [SIGUSR1])
            kill(getpid(), SIGUSR1)
            let deadline = Date().addingTimeInterval(10)
            while !token.isStopped && Date() < deadline { usleep(1_000) }
            stopper.cancel()
            #expect(token.isStopped)
            if !token.isStopped { break }
        }
    }

    @Test func signalStopperGivesTheSignalsBack() throws {
        // (That a signal stops the run is checked end to end: WatchCommandTests.sigintStopsCleanlyWithSummary.)
        let before = signal(SIGHUP, SIG_DFL)
        defer { signal(SIGHUP, before) }
        let stopper = SignalStopper(stop: StopToken(), signals: [SIGHUP])
        stopper.cancel()
        // The disposition is the default again (a handler was installed in between).
        let after = signal(SIGHUP, SIG_DFL)
        #expect(unsafeBitCast(after, to: Int.self) == unsafeBitCast(SIG_DFL, to: Int.self))
    }

    @Test func outputFilesRefuseSymlinksAndArePrivate() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = dir.file("target")
        let link = dir.file("link")
        try "keep".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect { try FileDescriptorWriter.open(path: link, append: false) } throws: { e in
            "\(e)".contains("symbolic link")
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")

        let out = dir.file("out")
        do {
            let w = try FileDescriptorWriter.open(path: out, append: false)
            try Array("abc".utf8).withUnsafeBytes { try w.write($0) }
        }
        let attrs = try FileManager.default.attributesOfItem(atPath: out)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        do {
            let w = try FileDescriptorWriter.open(path: out, append: true)
            try Array("d".utf8).withUnsafeBytes { try w.write($0) }
        }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "abcd")

        // An existing world-readable file is tightened to 0600.
        let loose = dir.file("loose")
        _ = FileManager.default.createFile(atPath: loose, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])
        _ = try FileDescriptorWriter.open(path: loose, append: true)
        #expect((try FileManager.default.attributesOfItem(atPath: loose)[.posixPermissions] as? Int) == 0o600)
        // Devices are left alone.
        _ = try FileDescriptorWriter.open(path: "/dev/null", append: false)
        #expect((try FileManager.default.attributesOfItem(atPath: "/dev/null")[.posixPermissions] as? Int) == 0o666)
    }

    @Test func errnoTablesAndNames() {
        #expect(bsmErrnoToHost(2) == ENOENT)
        #expect(bsmErrnoToHost(93) == ENOTEMPTY)   // BSM 93 is ENOTEMPTY (Linux 39)
        #expect(bsmErrnoToHost(190) == nil)        // EPROCLIM: no Linux errno
        #expect(hostErrnoToBSM(ENOTEMPTY) == 93)
        #expect(hostErrnoToBSM(EACCES) == 13)
        #expect(bsmEventName(72) == "AUE_OPEN_R")
        #expect(bsmEventName(FileWatcherBSMEvent.read) == "AUE_FW_READ")
        #expect(bsmEventName(12345) == nil)
        #expect(errnoDescription(ENOENT) == "No such file or directory")
    }
}
