// The one uid/gid → name service: the system's password and group databases (getpwuid_r,
// getgrgid_r, getpwnam_r; NSS on Linux), with a buffer that grows on ERANGE, and a cache.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import FileWatchCore

/// uid/gid → name, cached (misses too). Not thread-safe: one per thread that resolves names (the
/// pipeline thread, the printer, the fanotify source's process table).
///
/// Serves the watch pipeline (`UserNameResolver`, Strings), the praudit printer (`IdentityNames`,
/// the database's exact bytes) and the process table. Each cache holds at most `capacity` entries,
/// then starts afresh.
public final class SystemIdentityNames: UserNameResolver, IdentityNames {
    /// A name as the database has it, and as a String (invalid UTF-8 repaired).
    struct Name {
        let bytes: [UInt8]
        let string: String
        init(_ bytes: [UInt8]) { self.bytes = bytes; string = String(decoding: bytes, as: UTF8.self) }
    }

    private var users: [UInt32: Name?] = [:]
    private var groups: [UInt32: Name?] = [:]
    private var lastUser: (uid: UInt32, name: Name?)?
    public let capacity: Int

    public init(capacity: Int = 4096) { self.capacity = capacity }

    private func cachedUser(_ uid: UInt32) -> Name? {
        if let lastUser, lastUser.uid == uid { return lastUser.name }
        let name: Name?
        if let hit = users[uid] {
            name = hit
        } else {
            name = Self.lookUpUser(uid: uid).map(Name.init)
            if users.count >= capacity { users.removeAll(keepingCapacity: true) }
            users[uid] = .some(name)
        }
        lastUser = (uid, name)
        return name
    }

    private func cachedGroup(_ gid: UInt32) -> Name? {
        if let hit = groups[gid] { return hit }
        let name = Self.lookUpGroup(gid: gid).map(Name.init)
        if groups.count >= capacity { groups.removeAll(keepingCapacity: true) }
        groups[gid] = .some(name)
        return name
    }

    /// The user name of `uid`, or nil when the databases have none.
    public func userName(for uid: UInt32) -> String? { cachedUser(uid)?.string }
    /// The group name of `gid`, or nil when the databases have none.
    public func groupName(for gid: UInt32) -> String? { cachedGroup(gid)?.string }

    // BSM.IdentityNames: the printer wants the exact bytes.
    public func userName(_ uid: UInt32) -> [UInt8]? { cachedUser(uid)?.bytes }
    public func groupName(_ gid: UInt32) -> [UInt8]? { cachedGroup(gid)?.bytes }

    // MARK: Uncached lookups

    /// getpwuid_r: the user name of `uid`, as bytes. (`initialBufferSize`: tests start small to
    /// see ERANGE answered.)
    public static func lookUpUser(uid: UInt32, initialBufferSize: Int = 4096) -> [UInt8]? {
        withGrowingBuffer(from: initialBufferSize) { buffer in
            var pw = passwd()
            var result: UnsafeMutablePointer<passwd>? = nil
            let rc = getpwuid_r(uid_t(uid), &pw, buffer.baseAddress!, buffer.count, &result)
            return (rc, result == nil ? nil : pw.pw_name.map(bytes(of:)))
        }
    }

    /// getgrgid_r: the group name of `gid`, as bytes.
    public static func lookUpGroup(gid: UInt32, initialBufferSize: Int = 4096) -> [UInt8]? {
        withGrowingBuffer(from: initialBufferSize) { buffer in
            var gr = group()
            var result: UnsafeMutablePointer<group>? = nil
            let rc = getgrgid_r(gid_t(gid), &gr, buffer.baseAddress!, buffer.count, &result)
            return (rc, result == nil ? nil : gr.gr_name.map(bytes(of:)))
        }
    }

    /// getpwnam_r: the uid of user `name`, or nil when there is no such user.
    public static func uid(ofUser name: String, initialBufferSize: Int = 4096) -> UInt32? {
        withGrowingBuffer(from: initialBufferSize) { buffer in
            var pw = passwd()
            var result: UnsafeMutablePointer<passwd>? = nil
            let rc = getpwnam_r(name, &pw, buffer.baseAddress!, buffer.count, &result)
            return (rc, result == nil ? nil : UInt32(pw.pw_uid))
        }
    }

    /// The name of `uid` (uncached), for resolving `--user UID`.
    public static func name(ofUID uid: UInt32) -> String? {
        lookUpUser(uid: uid).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Runs a `get*_r` call (which reads its value out while the buffer lives) with a buffer of
    /// `size` bytes, four times larger on each ERANGE, up to 1 MiB. nil: no entry, or the call failed.
    private static func withGrowingBuffer<Value>(
        from size: Int, _ attempt: (UnsafeMutableBufferPointer<CChar>) -> (rc: Int32, value: Value?)
    ) -> Value? {
        var size = max(size, 1)
        while size <= 1 << 20 {
            let (rc, value) = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { attempt($0) }
            if rc == ERANGE { size *= 4; continue }
            return rc == 0 ? value : nil
        }
        return nil
    }

    private static func bytes(of p: UnsafeMutablePointer<CChar>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: p, count: strlen(p)))
    }
}
