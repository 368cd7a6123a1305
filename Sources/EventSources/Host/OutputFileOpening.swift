// How `-o FILE` and `-d FILE` are opened, so that another local user cannot take them over (issue
// 18): in a sticky world-writable directory such as /tmp anyone may create the name first.
//
//   1. A new file is created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600: it is ours.
//   2. When the name exists it is opened without O_CREAT or O_TRUNC (O_NOFOLLOW, O_NONBLOCK: a
//      planted FIFO never blocks us; one without a reader fails at once with ENXIO) and checked
//      with fstat BEFORE anything is written or truncated:
//        - owned by root or by our effective uid (not by another user, who could read and forge it);
//        - a regular file (or a character device such as /dev/null, which only root can make, or
//          a FIFO of our own that has a reader);
//        - a regular file is not group/other-writable and has one link (a hard link to a file
//          elsewhere would truncate that file).
//      Only then is it truncated (unless appending) and tightened to 0600; O_NONBLOCK is cleared.
//   3. The name vanished between 1 and 2 (someone removed it): try again, a few times.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

enum OutputFileOpening {
    /// Opens `path` for writing by the rules above. `append`: keep existing content.
    static func open(path: String, append: Bool) throws(SystemCallError) -> FileDescriptor {
        for _ in 0..<8 {
            switch create(path) {
            case .success(let fd): return fd
            case .failure(.fileExists): break
            case .failure(let e): throw failure(e, path)
            }
            let fd: FileDescriptor
            do {
                fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: openOptions(append: append),
                                             retryOnInterrupt: true)
            } catch {
                let e = error as? Errno ?? .ioError
                if e == .noSuchFileOrDirectory { continue }  // removed since: create it again
                throw failure(e, path)
            }
            do {
                try checkExisting(fd, path: path, append: append)
            } catch {
                try? fd.close()
                throw error
            }
            return fd
        }
        throw SystemCallError("open", .resourceTemporarilyUnavailable, object: path,
                              note: "the name keeps appearing and vanishing; refusing to race for it")
    }

    private static func openOptions(append: Bool) -> FileDescriptor.OpenOptions {
        var options: FileDescriptor.OpenOptions = [.noFollow, .closeOnExec, .nonBlocking]
        if append { options.insert(.append) }
        return options
    }

    /// Step 1: a new file, ours (mode 0600 whatever the umask leaves: fchmod after).
    private static func create(_ path: String) -> Result<FileDescriptor, Errno> {
        do {
            let fd = try FileDescriptor.open(FilePath(path), .writeOnly,
                                             options: [.create, .exclusiveCreate, .noFollow, .closeOnExec, .append],
                                             permissions: [.ownerReadWrite], retryOnInterrupt: true)
            return .success(fd)
        } catch {
            return .failure(error as? Errno ?? .ioError)
        }
    }

    /// Step 2: the checks on an existing file, then truncation and mode.
    private static func checkExisting(_ fd: FileDescriptor, path: String, append: Bool) throws(SystemCallError) {
        let st = try Sys.fstat(fd.rawValue).get("fstat", object: path)
        let type = st.st_mode & S_IFMT
        let uid = UInt32(st.st_uid)
        func refuse(_ why: String) -> SystemCallError {
            SystemCallError("open", .permissionDenied, object: path, note: why + "; refusing to write to it")
        }
        if uid != 0 && uid != UInt32(geteuid()) {
            throw refuse("it exists and belongs to uid \(uid), neither root nor us")
        }
        switch type {
        case S_IFREG:
            if st.st_mode & 0o022 != 0 {
                throw refuse("it exists and is writable by its group or others (mode \(String(st.st_mode & 0o7777, radix: 8)))")
            }
            if st.st_nlink > 1 {
                throw refuse("it exists with \(st.st_nlink) hard links")
            }
            if !append {
                try nothingOrErrno { ftruncate(fd.rawValue, 0) }.get("ftruncate", object: path)
            }
            if st.st_mode & 0o077 != 0 { _ = fchmod(fd.rawValue, 0o600) }  // audit data: private
        case S_IFCHR, S_IFIFO:
            break  // /dev/null, a terminal, our own pipe with a reader (else ENXIO above)
        default:
            throw refuse("it is not a regular file")
        }
        // Writes block as usual from now on (a pipe's reader sets the pace).
        let flags = fcntl(fd.rawValue, F_GETFL)
        if flags >= 0 { _ = fcntl(fd.rawValue, F_SETFL, flags & ~O_NONBLOCK) }
    }

    private static func failure(_ e: Errno, _ path: String) -> SystemCallError {
        switch e {
        case .tooManySymbolicLinkLevels:
            SystemCallError("open", e, object: path, note: "a symbolic link; refusing to follow it")
        case .noSuchAddressOrDevice:
            SystemCallError("open", e, object: path, note: "a FIFO with no reader; refusing to wait for one")
        default:
            SystemCallError("open", e, object: path)
        }
    }
}
