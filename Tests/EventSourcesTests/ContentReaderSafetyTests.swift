#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization
import Testing
@testable import EventSources
import FileWatchCore
import TestSupport

/// A fresh directory with no symbolic link on its way (TemporaryDirectory resolves /tmp; on macOS
/// it is /private/tmp), kept until the process ends.
private func tempDir() throws -> String {
    let d = try TemporaryDirectory("fw-content")
    _ = Unmanaged.passRetained(d)  // removed by the tests' own defer
    return d.path
}

private func closeEvent(_ path: String) -> Event {
    Event(time: 1, kind: .close, process: ProcessSubject(pid: 1234, name: ByteString("x")), path: ByteString(path),
          closeAfterWrite: true, source: .trail)
}

private func readContent(_ reader: ContentReader, _ event: Event) -> Result<[UInt8], ContentUnavailable> {
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
    defer { buf.deallocate() }
    return reader.readPrefix(of: event, into: buf).map { Array(buf[..<$0.count]) }
}

/// Replayed paths are input anyone could have written: opened as root, they must not lead
/// through a symbolic link anywhere, nor open a FIFO or device at all (issue 18).
@Suite(.serialized) struct ContentReaderSafetyTests {
    @Test func pathReaderFollowsNoSymlinkInAnyComponent() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try FileManager.default.createDirectory(atPath: d + "/real/sub", withIntermediateDirectories: true)
        try Data("secret".utf8).write(to: URL(fileURLWithPath: d + "/real/sub/file"))
        try FileManager.default.createSymbolicLink(atPath: d + "/linkdir", withDestinationPath: d + "/real")
        let r = PathContentReader()
        #expect(try readContent(r, closeEvent(d + "/real/sub/file")).get() == Array("secret".utf8))
        // The same file through a symlinked directory (first or middle component): not read.
        for path in [d + "/linkdir/sub/file", d + "/linkdir/../real/sub/file"] {
            if case .success = readContent(r, closeEvent(path)) { Issue.record("followed a directory symlink: \(path)") }
        }
        // The component walk (macOS, FreeBSD, Linux without openat2) holds to the same rule.
        for openat2 in [true, false] {
            let ok = ContentIO.openDirectoryNoSymlinks(Array((d + "/real/sub").utf8), openat2: openat2)
            #expect(throws: Never.self) { close(try ok.get()) }
            for bad in [d + "/linkdir/sub", d + "/linkdir", d + "/real/sub/file"] {
                if case .success(let fd) = ContentIO.openDirectoryNoSymlinks(Array(bad.utf8), openat2: openat2) {
                    close(fd)
                    Issue.record("\(bad) opened as a directory (openat2: \(openat2))")
                }
            }
        }
    }

    @Test func pathReaderDoesNotEvenOpenAFIFO() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let fifo = d + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        // A writer waiting for a reader: opening the FIFO at all (even non-blocking) would let it go.
        let opened = Atomic<Bool>(false)
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            opened.store(true, ordering: .sequentiallyConsistent)
            if fd >= 0 { close(fd) }
        }
        writer.start()
        usleep(100_000)
        if case .success = readContent(PathContentReader(), closeEvent(fifo)) { Issue.record("read a FIFO") }
        usleep(200_000)
        let wasOpened = opened.load(ordering: .sequentiallyConsistent)
        #expect(!wasOpened, "the FIFO was opened")
        let release = open(fifo, O_RDONLY | O_NONBLOCK)  // let the writer go
        while !writer.isFinished { usleep(10_000) }
        close(release)
    }

}
