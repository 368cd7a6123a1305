#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
@testable import EventSources
import Foundation
import Testing
import TestSupport

/// Standard error nobody reads must not stall the run: messages are queued (bounded), dropped
/// when the queue is full, counted and said once writing works again.
@Suite(.timeLimit(.minutes(1))) struct BoundedLineWriterTests {
    /// A pipe whose buffer is already full (4 KiB on Linux); returns (read end, write end, bytes in it).
    static func fullPipe() throws -> (Int32, Int32, Int) {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        #if os(Linux)
        _ = fcntl(fds[1], 1031 /* F_SETPIPE_SZ */, 4096)
        #endif
        let flags = fcntl(fds[1], F_GETFL)
        _ = fcntl(fds[1], F_SETFL, flags | O_NONBLOCK)
        var filled = 0
        let chunk = [UInt8](repeating: UInt8(ascii: "P"), count: 512)
        while true {
            let n = chunk.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
            if n <= 0 { break }
            filled += n
        }
        _ = fcntl(fds[1], F_SETFL, flags)
        return (fds[0], fds[1], filled)
    }

    @Test func aFullPipeNeverBlocksTheCallerAndDropsAreCounted() throws {
        let (readEnd, writeEnd, prefilled) = try Self.fullPipe()
        defer { close(readEnd) }
        let w = BoundedLineWriter(fd: writeEnd, capacity: 8192, reportInterval: 0.2)
        let start = DispatchTime.now()
        for i in 0..<10_000 { w.write("line \(i)\n") }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        #expect(seconds < 1, "10,000 messages to a full pipe took \(seconds) s")
        #expect(w.droppedCount > 9_000)

        // Now someone reads: the queued messages come out, then one line saying what was dropped.
        final class Sink: @unchecked Sendable { var data = Data() }
        let sink = Sink()
        let reader = Thread {
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(readEnd, &buf, buf.count)
                if n <= 0 { break }
                sink.data.append(contentsOf: buf[0..<n])
            }
        }
        reader.start()
        #expect(w.finish(timeout: 10))
        close(writeEnd)
        while !reader.isFinished { usleep(10_000) }
        let text = String(decoding: sink.data.dropFirst(prefilled), as: UTF8.self)
        let lines = text.split(separator: "\n")
        let shown = lines.filter { $0.hasPrefix("line ") }
        // In order (each one whole); later ones got in only as earlier ones left the queue.
        let numbers = shown.compactMap { Int($0.dropFirst(5)) }
        #expect(numbers.count == shown.count && numbers == numbers.sorted() && numbers.first == 0)
        let reports = lines.filter { $0.contains("for standard error dropped") }
        #expect(reports.count == 1, "\(reports)")
        let dropped = reports.first.flatMap { $0.firstMatch(of: /filewatcher: (\d+) messages/) }.flatMap { Int($0.1) } ?? -1
        #expect(shown.count + dropped == 10_000, "\(shown.count) shown + \(dropped) dropped")
        #expect(UInt64(dropped) == w.droppedCount)
    }

    @Test func finishGivesUpOnAReaderThatNeverReads() throws {
        let (readEnd, writeEnd, _) = try Self.fullPipe()
        defer { close(readEnd); close(writeEnd) }
        let w = BoundedLineWriter(fd: writeEnd)
        w.write("stuck\n")
        let start = DispatchTime.now()
        #expect(!w.finish(timeout: 0.5))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        #expect(seconds < 3, "finish took \(seconds) s")
        w.write("after\n")  // closed: dropped, never blocks
        #expect(w.droppedCount == 1)
    }
}
