// Temporary directories and FIFOs for tests.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A fresh directory under /tmp (symbolic links resolved, as the kernel reports paths), removed with
/// everything in it by `remove()` — call it in a `defer`, which also keeps the value alive — or at
/// the latest when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String
    private var removed = false

    /// - Parameter base: the directory to make it in (default /tmp).
    public init(_ prefix: String = "fw-test", in base: String = "/tmp") throws {
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        let raw = String(cString: made)
        if let resolved = realpath(raw, nil) {
            path = String(cString: resolved)
            free(resolved)
        } else {
            path = raw
        }
    }

    /// `path/name`.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `path/name`; returns its path.
    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) throws -> String {
        let p = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Writes `text` (UTF-8) to `path/name`; returns its path.
    @discardableResult
    public func write(_ text: String, to name: String) throws -> String { try write(Array(text.utf8), to: name) }

    public func remove() {
        guard !removed else { return }
        removed = true
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { remove() }
}

/// A FIFO in a temporary directory, fed by a writer thread.
public final class FIFOFeeder: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let path: String
    private var writers: [Thread] = []
    private let release = DispatchSemaphore(value: 0)

    public init(name: String = "fifo") throws {
        directory = try TemporaryDirectory("fw-fifo")
        path = directory.file(name)
        guard mkfifo(path, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Opens the FIFO for writing on a thread (blocks until a reader opens it), writes `bytes` in
    /// pieces of the given sizes (cycled) with a pause between pieces so reads see them separately,
    /// keeps it open up to `holdOpen` seconds (or until `remove()`), then closes it. Returns at once.
    public func feed(_ bytes: [UInt8], chunks: [Int] = [Int.max], pauseMicroseconds: UInt32 = 200,
                     holdOpen: Double = 0) {
        let path = self.path
        let release = self.release
        let thread = Thread {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            var offset = 0, i = 0
            while offset < bytes.count {
                let n = min(chunks[i % chunks.count], bytes.count - offset)
                var written = 0
                while written < n {
                    let w = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset + written, n - written) }
                    if w < 0 { if errno == EINTR { continue }; close(fd); return }
                    written += w
                }
                offset += n; i += 1
                if pauseMicroseconds > 0 { usleep(pauseMicroseconds) }
            }
            if holdOpen > 0 { _ = release.wait(timeout: .now() + holdOpen) }
            close(fd)
        }
        writers.append(thread)
        thread.start()
    }

    /// Lets writers holding the FIFO open close it, and removes the directory.
    public func remove() {
        for _ in writers { release.signal() }
        directory.remove()
    }
}
