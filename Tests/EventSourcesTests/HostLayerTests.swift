#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import Dispatch
import FileWatchCore
@testable import EventSources
import SystemPackage
import Testing

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

    @Test func signalStopperGivesTheSignalsBack() throws {
        // (That a signal stops the run is checked end to end: WatchCommandTests.sigintStopsCleanlyWithSummary.)
        let before = signal(SIGHUP, SIG_DFL)
        defer { signal(SIGHUP, before) }
        let stopper = SignalStopper(stop: StopToken(), signals: [SIGHUP])
        stopper.cancel()
        // The disposition is the default again (it stayed SIG_IGN before).
        let after = signal(SIGHUP, SIG_DFL)
        #expect(unsafeBitCast(after, to: Int.self) == unsafeBitCast(SIG_DFL, to: Int.self))
    }
}
