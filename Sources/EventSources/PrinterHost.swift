// Host facts the praudit printer needs, behind the small protocols BSM declares: user and group
// names (getpwuid_r/getgrgid_r, cached), the local UTC offset (localtime_r, cached per quarter
// hour), and strerror text for the host errno a BSM errno stands for.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BSM

/// uid/gid → name through the system's password and group databases; every answer is cached.
public final class SystemIdentityNames: IdentityNames {
    private var users: [UInt32: [UInt8]?] = [:]
    private var groups: [UInt32: [UInt8]?] = [:]
    private var scratch = [CChar](repeating: 0, count: 16_384)

    public init() {}

    public func userName(_ uid: UInt32) -> [UInt8]? {
        if let hit = users[uid] { return hit }
        var pw = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        var name: [UInt8]? = nil
        while true {
            let rc = scratch.withUnsafeMutableBufferPointer {
                getpwuid_r(uid_t(uid), &pw, $0.baseAddress!, $0.count, &result)
            }
            if rc == ERANGE && scratch.count < 1 << 20 {
                scratch = [CChar](repeating: 0, count: scratch.count * 4)
                continue
            }
            if rc == 0, result != nil, let p = pw.pw_name {
                name = Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
            }
            break
        }
        users[uid] = .some(name)
        return name
    }

    public func groupName(_ gid: UInt32) -> [UInt8]? {
        if let hit = groups[gid] { return hit }
        var gr = group()
        var result: UnsafeMutablePointer<group>? = nil
        var name: [UInt8]? = nil
        while true {
            let rc = scratch.withUnsafeMutableBufferPointer {
                getgrgid_r(gid_t(gid), &gr, $0.baseAddress!, $0.count, &result)
            }
            if rc == ERANGE && scratch.count < 1 << 20 {
                scratch = [CChar](repeating: 0, count: scratch.count * 4)
                continue
            }
            if rc == 0, result != nil, let p = gr.gr_name {
                name = Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
            }
            break
        }
        groups[gid] = .some(name)
        return name
    }
}

/// The local time zone (TZ / /etc/localtime) through localtime_r. The offset is cached per
/// 15-minute slot of UTC (every zone changes offset on such a boundary today); a slot whose two
/// ends disagree is answered by asking localtime_r for each second.
public struct SystemLocalTime: LocalTimeProvider {
    private var slot: Int64 = .min
    private var slotOffset: Int64 = 0
    private var slotIsMixed = false
    private static let slotLength: Int64 = 900

    public init() { tzset() }

    public mutating func utcOffset(at epochSeconds: Int64) -> Int64? {
        let s = epochSeconds >= 0 ? epochSeconds / Self.slotLength : (epochSeconds - Self.slotLength + 1) / Self.slotLength
        if s == slot && !slotIsMixed { return slotOffset }
        if s == slot { return Self.offset(epochSeconds) }
        guard let a = Self.offset(s &* Self.slotLength), let b = Self.offset(s &* Self.slotLength &+ Self.slotLength &- 1) else {
            return Self.offset(epochSeconds)
        }
        slot = s
        slotOffset = a
        slotIsMixed = a != b
        return slotIsMixed ? Self.offset(epochSeconds) : a
    }

    private static func offset(_ t: Int64) -> Int64? {
        var tt = time_t(truncatingIfNeeded: t)
        guard Int64(tt) == t else { return nil }
        var tmv = tm()
        guard localtime_r(&tt, &tmv) != nil else { return nil }
        return Int64(tmv.tm_gmtoff)
    }
}

/// strerror text for host errnos, by symbolic name; names this OS does not have return nil.
public struct SystemErrorText: HostErrorText {
    public init() {}

    public func errorText(symbol: String) -> [UInt8]? {
        guard let code = Self.codes[symbol], let p = strerror(code) else { return nil }
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
    }

    /// The host errno numbers for the names in BSM's table that exist on this OS.
    static let codes: [String: Int32] = Dictionary(uniqueKeysWithValues: table)

    #if os(Linux)
    private static let table: [(String, Int32)] = [
        ("EPERM", EPERM),
        ("ENOENT", ENOENT),
        ("ESRCH", ESRCH),
        ("EINTR", EINTR),
        ("EIO", EIO),
        ("ENXIO", ENXIO),
        ("E2BIG", E2BIG),
        ("ENOEXEC", ENOEXEC),
        ("EBADF", EBADF),
        ("ECHILD", ECHILD),
        ("EAGAIN", EAGAIN),
        ("ENOMEM", ENOMEM),
        ("EACCES", EACCES),
        ("EFAULT", EFAULT),
        ("ENOTBLK", ENOTBLK),
        ("EBUSY", EBUSY),
        ("EEXIST", EEXIST),
        ("EXDEV", EXDEV),
        ("ENODEV", ENODEV),
        ("ENOTDIR", ENOTDIR),
        ("EISDIR", EISDIR),
        ("EINVAL", EINVAL),
        ("ENFILE", ENFILE),
        ("EMFILE", EMFILE),
        ("ENOTTY", ENOTTY),
        ("ETXTBSY", ETXTBSY),
        ("EFBIG", EFBIG),
        ("ENOSPC", ENOSPC),
        ("ESPIPE", ESPIPE),
        ("EROFS", EROFS),
        ("EMLINK", EMLINK),
        ("EPIPE", EPIPE),
        ("EDOM", EDOM),
        ("ERANGE", ERANGE),
        ("ENOMSG", ENOMSG),
        ("EIDRM", EIDRM),
        ("ECHRNG", ECHRNG),
        ("EL2NSYNC", EL2NSYNC),
        ("EL3HLT", EL3HLT),
        ("EL3RST", EL3RST),
        ("ELNRNG", ELNRNG),
        ("EUNATCH", EUNATCH),
        ("ENOCSI", ENOCSI),
        ("EL2HLT", EL2HLT),
        ("EDEADLK", EDEADLK),
        ("ENOLCK", ENOLCK),
        ("ECANCELED", ECANCELED),
        ("ENOTSUP", ENOTSUP),
        ("EDQUOT", EDQUOT),
        ("EBADE", EBADE),
        ("EBADR", EBADR),
        ("EXFULL", EXFULL),
        ("ENOANO", ENOANO),
        ("EBADRQC", EBADRQC),
        ("EBADSLT", EBADSLT),
        ("EDEADLOCK", EDEADLOCK),
        ("EBFONT", EBFONT),
        ("EOWNERDEAD", EOWNERDEAD),
        ("ENOTRECOVERABLE", ENOTRECOVERABLE),
        ("ENOSTR", ENOSTR),
        ("ENONET", ENONET),
        ("ENOPKG", ENOPKG),
        ("EREMOTE", EREMOTE),
        ("ENOLINK", ENOLINK),
        ("EADV", EADV),
        ("ESRMNT", ESRMNT),
        ("ECOMM", ECOMM),
        ("EPROTO", EPROTO),
        ("EMULTIHOP", EMULTIHOP),
        ("EBADMSG", EBADMSG),
        ("ENAMETOOLONG", ENAMETOOLONG),
        ("EOVERFLOW", EOVERFLOW),
        ("ENOTUNIQ", ENOTUNIQ),
        ("EBADFD", EBADFD),
        ("EREMCHG", EREMCHG),
        ("ELIBACC", ELIBACC),
        ("ELIBBAD", ELIBBAD),
        ("ELIBSCN", ELIBSCN),
        ("ELIBMAX", ELIBMAX),
        ("ELIBEXEC", ELIBEXEC),
        ("EILSEQ", EILSEQ),
        ("ENOSYS", ENOSYS),
        ("ELOOP", ELOOP),
        ("ERESTART", ERESTART),
        ("ESTRPIPE", ESTRPIPE),
        ("ENOTEMPTY", ENOTEMPTY),
        ("EUSERS", EUSERS),
        ("ENOTSOCK", ENOTSOCK),
        ("EDESTADDRREQ", EDESTADDRREQ),
        ("EMSGSIZE", EMSGSIZE),
        ("EPROTOTYPE", EPROTOTYPE),
        ("ENOPROTOOPT", ENOPROTOOPT),
        ("EPROTONOSUPPORT", EPROTONOSUPPORT),
        ("ESOCKTNOSUPPORT", ESOCKTNOSUPPORT),
        ("EOPNOTSUPP", EOPNOTSUPP),
        ("EPFNOSUPPORT", EPFNOSUPPORT),
        ("EAFNOSUPPORT", EAFNOSUPPORT),
        ("EADDRINUSE", EADDRINUSE),
        ("EADDRNOTAVAIL", EADDRNOTAVAIL),
        ("ENETDOWN", ENETDOWN),
        ("ENETRESET", ENETRESET),
        ("ECONNABORTED", ECONNABORTED),
        ("ECONNRESET", ECONNRESET),
        ("ENOBUFS", ENOBUFS),
        ("EISCONN", EISCONN),
        ("ENOTCONN", ENOTCONN),
        ("ESHUTDOWN", ESHUTDOWN),
        ("ETOOMANYREFS", ETOOMANYREFS),
        ("ETIMEDOUT", ETIMEDOUT),
        ("ECONNREFUSED", ECONNREFUSED),
        ("EHOSTDOWN", EHOSTDOWN),
        ("EHOSTUNREACH", EHOSTUNREACH),
        ("EALREADY", EALREADY),
        ("EINPROGRESS", EINPROGRESS),
        ("ESTALE", ESTALE),
        ("EDOTDOT", EDOTDOT),
        ("EUCLEAN", EUCLEAN),
        ("ENOTNAM", ENOTNAM),
        ("ENAVAIL", ENAVAIL),
        ("EISNAM", EISNAM),
        ("EREMOTEIO", EREMOTEIO),
        ("ENOMEDIUM", ENOMEDIUM),
        ("EMEDIUMTYPE", EMEDIUMTYPE),
        ("ENOKEY", ENOKEY),
        ("EKEYEXPIRED", EKEYEXPIRED),
        ("EKEYREVOKED", EKEYREVOKED),
        ("EKEYREJECTED", EKEYREJECTED),
    ]
    #elseif canImport(Darwin)
    private static let table: [(String, Int32)] = [
        ("EPERM", EPERM),
        ("ENOENT", ENOENT),
        ("ESRCH", ESRCH),
        ("EINTR", EINTR),
        ("EIO", EIO),
        ("ENXIO", ENXIO),
        ("E2BIG", E2BIG),
        ("ENOEXEC", ENOEXEC),
        ("EBADF", EBADF),
        ("ECHILD", ECHILD),
        ("EAGAIN", EAGAIN),
        ("ENOMEM", ENOMEM),
        ("EACCES", EACCES),
        ("EFAULT", EFAULT),
        ("ENOTBLK", ENOTBLK),
        ("EBUSY", EBUSY),
        ("EEXIST", EEXIST),
        ("EXDEV", EXDEV),
        ("ENODEV", ENODEV),
        ("ENOTDIR", ENOTDIR),
        ("EISDIR", EISDIR),
        ("EINVAL", EINVAL),
        ("ENFILE", ENFILE),
        ("EMFILE", EMFILE),
        ("ENOTTY", ENOTTY),
        ("ETXTBSY", ETXTBSY),
        ("EFBIG", EFBIG),
        ("ENOSPC", ENOSPC),
        ("ESPIPE", ESPIPE),
        ("EROFS", EROFS),
        ("EMLINK", EMLINK),
        ("EPIPE", EPIPE),
        ("EDOM", EDOM),
        ("ERANGE", ERANGE),
        ("ENOMSG", ENOMSG),
        ("EIDRM", EIDRM),
        ("EDEADLK", EDEADLK),
        ("ENOLCK", ENOLCK),
        ("ECANCELED", ECANCELED),
        ("ENOTSUP", ENOTSUP),
        ("EDQUOT", EDQUOT),
        ("EOWNERDEAD", EOWNERDEAD),
        ("ENOTRECOVERABLE", ENOTRECOVERABLE),
        ("EREMOTE", EREMOTE),
        ("ENOLINK", ENOLINK),
        ("EPROTO", EPROTO),
        ("EMULTIHOP", EMULTIHOP),
        ("EBADMSG", EBADMSG),
        ("ENAMETOOLONG", ENAMETOOLONG),
        ("EOVERFLOW", EOVERFLOW),
        ("EILSEQ", EILSEQ),
        ("ENOSYS", ENOSYS),
        ("ELOOP", ELOOP),
        ("ENOTEMPTY", ENOTEMPTY),
        ("EUSERS", EUSERS),
        ("ENOTSOCK", ENOTSOCK),
        ("EDESTADDRREQ", EDESTADDRREQ),
        ("EMSGSIZE", EMSGSIZE),
        ("EPROTOTYPE", EPROTOTYPE),
        ("ENOPROTOOPT", ENOPROTOOPT),
        ("EPROTONOSUPPORT", EPROTONOSUPPORT),
        ("ESOCKTNOSUPPORT", ESOCKTNOSUPPORT),
        ("EOPNOTSUPP", EOPNOTSUPP),
        ("EPFNOSUPPORT", EPFNOSUPPORT),
        ("EAFNOSUPPORT", EAFNOSUPPORT),
        ("EADDRINUSE", EADDRINUSE),
        ("EADDRNOTAVAIL", EADDRNOTAVAIL),
        ("ENETDOWN", ENETDOWN),
        ("ENETRESET", ENETRESET),
        ("ECONNABORTED", ECONNABORTED),
        ("ECONNRESET", ECONNRESET),
        ("ENOBUFS", ENOBUFS),
        ("EISCONN", EISCONN),
        ("ENOTCONN", ENOTCONN),
        ("ESHUTDOWN", ESHUTDOWN),
        ("ETOOMANYREFS", ETOOMANYREFS),
        ("ETIMEDOUT", ETIMEDOUT),
        ("ECONNREFUSED", ECONNREFUSED),
        ("EHOSTDOWN", EHOSTDOWN),
        ("EHOSTUNREACH", EHOSTUNREACH),
        ("EALREADY", EALREADY),
        ("EINPROGRESS", EINPROGRESS),
        ("ESTALE", ESTALE),
        ("EPROCLIM", EPROCLIM),
        ("EBADRPC", EBADRPC),
        ("ERPCMISMATCH", ERPCMISMATCH),
        ("EPROGUNAVAIL", EPROGUNAVAIL),
        ("EPROGMISMATCH", EPROGMISMATCH),
        ("EPROCUNAVAIL", EPROCUNAVAIL),
        ("EFTYPE", EFTYPE),
        ("EAUTH", EAUTH),
        ("ENEEDAUTH", ENEEDAUTH),
        ("ENOATTR", ENOATTR),
        ("ENOSTR", ENOSTR),
        ("EPWROFF", EPWROFF),
        ("EDEVERR", EDEVERR),
        ("EBADEXEC", EBADEXEC),
        ("EBADARCH", EBADARCH),
        ("ESHLIBVERS", ESHLIBVERS),
        ("EBADMACHO", EBADMACHO),
        ("EPOLICY", EPOLICY),
    ]
    #else
    private static let table: [(String, Int32)] = [
        ("EPERM", EPERM),
        ("ENOENT", ENOENT),
        ("ESRCH", ESRCH),
        ("EINTR", EINTR),
        ("EIO", EIO),
        ("ENXIO", ENXIO),
        ("E2BIG", E2BIG),
        ("ENOEXEC", ENOEXEC),
        ("EBADF", EBADF),
        ("ECHILD", ECHILD),
        ("EAGAIN", EAGAIN),
        ("ENOMEM", ENOMEM),
        ("EACCES", EACCES),
        ("EFAULT", EFAULT),
        ("ENOTBLK", ENOTBLK),
        ("EBUSY", EBUSY),
        ("EEXIST", EEXIST),
        ("EXDEV", EXDEV),
        ("ENODEV", ENODEV),
        ("ENOTDIR", ENOTDIR),
        ("EISDIR", EISDIR),
        ("EINVAL", EINVAL),
        ("ENFILE", ENFILE),
        ("EMFILE", EMFILE),
        ("ENOTTY", ENOTTY),
        ("ETXTBSY", ETXTBSY),
        ("EFBIG", EFBIG),
        ("ENOSPC", ENOSPC),
        ("ESPIPE", ESPIPE),
        ("EROFS", EROFS),
        ("EMLINK", EMLINK),
        ("EPIPE", EPIPE),
        ("EDOM", EDOM),
        ("ERANGE", ERANGE),
        ("ENOMSG", ENOMSG),
        ("EIDRM", EIDRM),
        ("EDEADLK", EDEADLK),
        ("ENOLCK", ENOLCK),
        ("ECANCELED", ECANCELED),
        ("ENOTSUP", ENOTSUP),
        ("EDQUOT", EDQUOT),
        ("EOWNERDEAD", EOWNERDEAD),
        ("ENOTRECOVERABLE", ENOTRECOVERABLE),
        ("EREMOTE", EREMOTE),
        ("ENOLINK", ENOLINK),
        ("EPROTO", EPROTO),
        ("EMULTIHOP", EMULTIHOP),
        ("EBADMSG", EBADMSG),
        ("ENAMETOOLONG", ENAMETOOLONG),
        ("EOVERFLOW", EOVERFLOW),
        ("EILSEQ", EILSEQ),
        ("ENOSYS", ENOSYS),
        ("ELOOP", ELOOP),
        ("ENOTEMPTY", ENOTEMPTY),
        ("EUSERS", EUSERS),
        ("ENOTSOCK", ENOTSOCK),
        ("EDESTADDRREQ", EDESTADDRREQ),
        ("EMSGSIZE", EMSGSIZE),
        ("EPROTOTYPE", EPROTOTYPE),
        ("ENOPROTOOPT", ENOPROTOOPT),
        ("EPROTONOSUPPORT", EPROTONOSUPPORT),
        ("ESOCKTNOSUPPORT", ESOCKTNOSUPPORT),
        ("EOPNOTSUPP", EOPNOTSUPP),
        ("EPFNOSUPPORT", EPFNOSUPPORT),
        ("EAFNOSUPPORT", EAFNOSUPPORT),
        ("EADDRINUSE", EADDRINUSE),
        ("EADDRNOTAVAIL", EADDRNOTAVAIL),
        ("ENETDOWN", ENETDOWN),
        ("ENETRESET", ENETRESET),
        ("ECONNABORTED", ECONNABORTED),
        ("ECONNRESET", ECONNRESET),
        ("ENOBUFS", ENOBUFS),
        ("EISCONN", EISCONN),
        ("ENOTCONN", ENOTCONN),
        ("ESHUTDOWN", ESHUTDOWN),
        ("ETOOMANYREFS", ETOOMANYREFS),
        ("ETIMEDOUT", ETIMEDOUT),
        ("ECONNREFUSED", ECONNREFUSED),
        ("EHOSTDOWN", EHOSTDOWN),
        ("EHOSTUNREACH", EHOSTUNREACH),
        ("EALREADY", EALREADY),
        ("EINPROGRESS", EINPROGRESS),
        ("ESTALE", ESTALE),
        ("EPROCLIM", EPROCLIM),
        ("EBADRPC", EBADRPC),
        ("ERPCMISMATCH", ERPCMISMATCH),
        ("EPROGUNAVAIL", EPROGUNAVAIL),
        ("EPROGMISMATCH", EPROGMISMATCH),
        ("EPROCUNAVAIL", EPROCUNAVAIL),
        ("EFTYPE", EFTYPE),
        ("EAUTH", EAUTH),
        ("ENEEDAUTH", ENEEDAUTH),
        ("ENOATTR", ENOATTR),
        ("EDOOFUS", EDOOFUS),
        ("ENOTCAPABLE", ENOTCAPABLE),
        ("ECAPMODE", ECAPMODE),
        ("EINTEGRITY", EINTEGRITY),
    ]
    #endif
}
