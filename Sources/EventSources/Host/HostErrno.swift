// Host errno numbers by symbolic name: the one table behind BSM ↔ host errno translation (return
// tokens carry BSM's numbering, sys/bsm/audit_errno.h), `print`'s strerror text and the BSM sink.
// BSM's own table (BSM.BSMErrno) names the host errno of each BSM number; this file knows which
// of those names exist on this OS and their numbers. Names common to Linux, macOS and FreeBSD are
// listed once; each OS adds its own.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BSM

/// The host's errno numbers for the symbolic names BSM's table uses.
enum HostErrno {
    /// Name → number, for the names this OS has.
    static let byName: [String: Int32] = Dictionary(table, uniquingKeysWith: { first, _ in first })

    /// Number → name (the first name listed wins for aliases such as EAGAIN/EWOULDBLOCK).
    static let nameByNumber: [Int32: String] = Dictionary(table.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })

    private static let table: [(String, Int32)] = common + ownNames

    /// On Linux, macOS and FreeBSD alike.
    private static let common: [(String, Int32)] = [
        ("EPERM", EPERM), ("ENOENT", ENOENT), ("ESRCH", ESRCH), ("EINTR", EINTR), ("EIO", EIO),
        ("ENXIO", ENXIO), ("E2BIG", E2BIG), ("ENOEXEC", ENOEXEC), ("EBADF", EBADF), ("ECHILD", ECHILD),
        ("EAGAIN", EAGAIN), ("ENOMEM", ENOMEM), ("EACCES", EACCES), ("EFAULT", EFAULT),
        ("ENOTBLK", ENOTBLK), ("EBUSY", EBUSY), ("EEXIST", EEXIST), ("EXDEV", EXDEV), ("ENODEV", ENODEV),
        ("ENOTDIR", ENOTDIR), ("EISDIR", EISDIR), ("EINVAL", EINVAL), ("ENFILE", ENFILE),
        ("EMFILE", EMFILE), ("ENOTTY", ENOTTY), ("ETXTBSY", ETXTBSY), ("EFBIG", EFBIG), ("ENOSPC", ENOSPC),
        ("ESPIPE", ESPIPE), ("EROFS", EROFS), ("EMLINK", EMLINK), ("EPIPE", EPIPE), ("EDOM", EDOM),
        ("ERANGE", ERANGE), ("ENOMSG", ENOMSG), ("EIDRM", EIDRM), ("EDEADLK", EDEADLK), ("ENOLCK", ENOLCK),
        ("ECANCELED", ECANCELED), ("ENOTSUP", ENOTSUP), ("EDQUOT", EDQUOT), ("EOWNERDEAD", EOWNERDEAD),
        ("ENOTRECOVERABLE", ENOTRECOVERABLE), ("EREMOTE", EREMOTE), ("ENOLINK", ENOLINK),
        ("EPROTO", EPROTO), ("EMULTIHOP", EMULTIHOP), ("EBADMSG", EBADMSG), ("ENAMETOOLONG", ENAMETOOLONG),
        ("EOVERFLOW", EOVERFLOW), ("EILSEQ", EILSEQ), ("ENOSYS", ENOSYS), ("ELOOP", ELOOP),
        ("ENOTEMPTY", ENOTEMPTY), ("EUSERS", EUSERS), ("ENOTSOCK", ENOTSOCK),
        ("EDESTADDRREQ", EDESTADDRREQ), ("EMSGSIZE", EMSGSIZE), ("EPROTOTYPE", EPROTOTYPE),
        ("ENOPROTOOPT", ENOPROTOOPT), ("EPROTONOSUPPORT", EPROTONOSUPPORT),
        ("ESOCKTNOSUPPORT", ESOCKTNOSUPPORT), ("EOPNOTSUPP", EOPNOTSUPP), ("EPFNOSUPPORT", EPFNOSUPPORT),
        ("EAFNOSUPPORT", EAFNOSUPPORT), ("EADDRINUSE", EADDRINUSE), ("EADDRNOTAVAIL", EADDRNOTAVAIL),
        ("ENETDOWN", ENETDOWN), ("ENETRESET", ENETRESET), ("ECONNABORTED", ECONNABORTED),
        ("ECONNRESET", ECONNRESET), ("ENOBUFS", ENOBUFS), ("EISCONN", EISCONN), ("ENOTCONN", ENOTCONN),
        ("ESHUTDOWN", ESHUTDOWN), ("ETOOMANYREFS", ETOOMANYREFS), ("ETIMEDOUT", ETIMEDOUT),
        ("ECONNREFUSED", ECONNREFUSED), ("EHOSTDOWN", EHOSTDOWN), ("EHOSTUNREACH", EHOSTUNREACH),
        ("EALREADY", EALREADY), ("EINPROGRESS", EINPROGRESS), ("ESTALE", ESTALE),
    ]

    #if os(Linux)
    private static let ownNames: [(String, Int32)] = [
        ("ECHRNG", ECHRNG), ("EL2NSYNC", EL2NSYNC), ("EL3HLT", EL3HLT), ("EL3RST", EL3RST),
        ("ELNRNG", ELNRNG), ("EUNATCH", EUNATCH), ("ENOCSI", ENOCSI), ("EL2HLT", EL2HLT), ("EBADE", EBADE),
        ("EBADR", EBADR), ("EXFULL", EXFULL), ("ENOANO", ENOANO), ("EBADRQC", EBADRQC),
        ("EBADSLT", EBADSLT), ("EDEADLOCK", EDEADLOCK), ("EBFONT", EBFONT), ("ENOSTR", ENOSTR),
        ("ENONET", ENONET), ("ENOPKG", ENOPKG), ("EADV", EADV), ("ESRMNT", ESRMNT), ("ECOMM", ECOMM),
        ("ENOTUNIQ", ENOTUNIQ), ("EBADFD", EBADFD), ("EREMCHG", EREMCHG), ("ELIBACC", ELIBACC),
        ("ELIBBAD", ELIBBAD), ("ELIBSCN", ELIBSCN), ("ELIBMAX", ELIBMAX), ("ELIBEXEC", ELIBEXEC),
        ("ERESTART", ERESTART), ("ESTRPIPE", ESTRPIPE), ("EDOTDOT", EDOTDOT), ("EUCLEAN", EUCLEAN),
        ("ENOTNAM", ENOTNAM), ("ENAVAIL", ENAVAIL), ("EISNAM", EISNAM), ("EREMOTEIO", EREMOTEIO),
        ("ENOMEDIUM", ENOMEDIUM), ("EMEDIUMTYPE", EMEDIUMTYPE), ("ENOKEY", ENOKEY),
        ("EKEYEXPIRED", EKEYEXPIRED), ("EKEYREVOKED", EKEYREVOKED), ("EKEYREJECTED", EKEYREJECTED),
    ]
    #elseif canImport(Darwin)
    private static let ownNames: [(String, Int32)] = bsdNames + [
        ("ENOSTR", ENOSTR), ("EPWROFF", EPWROFF), ("EDEVERR", EDEVERR), ("EBADEXEC", EBADEXEC),
        ("EBADARCH", EBADARCH), ("ESHLIBVERS", ESHLIBVERS), ("EBADMACHO", EBADMACHO), ("EPOLICY", EPOLICY),
    ]
    #else
    private static let ownNames: [(String, Int32)] = bsdNames + [
        ("EDOOFUS", EDOOFUS), ("ENOTCAPABLE", ENOTCAPABLE), ("ECAPMODE", ECAPMODE),
        ("EINTEGRITY", EINTEGRITY),
    ]
    #endif

    #if !os(Linux)
    /// On macOS and FreeBSD.
    private static let bsdNames: [(String, Int32)] = [
        ("EPROCLIM", EPROCLIM), ("EBADRPC", EBADRPC), ("ERPCMISMATCH", ERPCMISMATCH),
        ("EPROGUNAVAIL", EPROGUNAVAIL), ("EPROGMISMATCH", EPROGMISMATCH), ("EPROCUNAVAIL", EPROCUNAVAIL),
        ("EFTYPE", EFTYPE), ("EAUTH", EAUTH), ("ENEEDAUTH", ENEEDAUTH), ("ENOATTR", ENOATTR),
    ]
    #endif

    /// BSM errno → host errno (nil: the host has no such error).
    static let fromBSM: [Int32?] = (0..<256).map { n in
        guard let symbol = BSMErrno.entry(UInt8(n))?.symbol else { return nil }
        return byName["\(symbol)"]
    }

    /// Host errno → BSM errno (first BSM number naming it).
    static let toBSM: [Int32: UInt8] = {
        var m: [Int32: UInt8] = [:]
        for e in BSMErrno.table {
            guard let symbol = e.symbol, let host = byName["\(symbol)"] else { continue }
            if m[host] == nil { m[host] = e.bsm }
        }
        return m
    }()
}

/// BSM errno → host errno number through libbsm's table and this host's errno names; nil when
/// the host has no such error.
public func bsmErrnoToHost(_ bsm: UInt8) -> Int32? { HostErrno.fromBSM[Int(bsm)] }

/// Host errno → BSM errno for the BSM sink (the inverse table); 255 when BSM has no number for it.
public func hostErrnoToBSM(_ host: Int32) -> UInt8 { HostErrno.toBSM[host] ?? 255 }

/// strerror text of a host errno, nil for unknown numbers.
public func errnoDescription(_ code: Int32) -> String? {
    guard code > 0, let p = strerror(code) else { return nil }
    let s = String(cString: p)
    return s.hasPrefix("Unknown error") ? nil : s
}

/// strerror text for host errnos, by symbolic name (the printer's `HostErrorText`); names this OS
/// does not have return nil.
public struct SystemErrorText: HostErrorText {
    public init() {}

    public func errorText(symbol: String) -> [UInt8]? {
        guard let code = HostErrno.byName[symbol], let p = strerror(code) else { return nil }
        return Array(UnsafeRawBufferPointer(start: p, count: strlen(p)))
    }
}
