// A real rsyslog started by the tests on 127.0.0.1 (a free port), receiving RELP or octet-counted
// syslog, plain or TLS (certificates made with openssl), writing each message's MSG (the JSON
// record) as one line to a file the tests read.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

enum CollectorEnvironment {
    static let rsyslogd = "/usr/sbin/rsyslogd"
    static let modules = "/usr/lib/x86_64-linux-gnu/rsyslog"
    static var hasRsyslog: Bool { FileManager.default.isExecutableFile(atPath: rsyslogd) }
    static var hasRELP: Bool { hasRsyslog && FileManager.default.fileExists(atPath: modules + "/imrelp.so") }
    static var hasGnuTLS: Bool { hasRsyslog && FileManager.default.fileExists(atPath: modules + "/lmnsd_gtls.so") }
    static var hasOpenSSL: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }
}

extension Trait where Self == ConditionTrait {
    static var needsRsyslogRELP: Self {
        .enabled(if: CollectorEnvironment.hasRELP, "needs Debian's rsyslog and rsyslog-relp (apt-get install rsyslog rsyslog-relp)")
    }
    static var needsRsyslogTLS: Self {
        .enabled(if: CollectorEnvironment.hasRELP && CollectorEnvironment.hasGnuTLS && CollectorEnvironment.hasOpenSSL,
                 "needs rsyslog, rsyslog-relp, rsyslog-gnutls and openssl")
    }
}

/// A CA, a server certificate for 127.0.0.1, a client certificate, and another CA that signed neither.
struct TestCertificates {
    let dir: String
    var ca: String { dir + "/ca.pem" }
    var otherCA: String { dir + "/other-ca.pem" }
    var serverCert: String { dir + "/server.pem" }
    var serverKey: String { dir + "/server.key" }
    var clientCert: String { dir + "/client.pem" }
    var clientKey: String { dir + "/client.key" }

    init(in dir: String) throws {
        self.dir = dir
        func openssl(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            p.arguments = args
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit(orKillAfter: Process.testChildBound)
            guard p.terminationStatus == 0 else { throw CollectorError("openssl \(args.joined(separator: " ")) failed") }
        }
        for name in ["ca", "other-ca"] {
            try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=filewatcher test \(name)",
                         "-keyout", "\(name).key", "-out", "\(name).pem"])
        }
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: dir + "/server.ext", atomically: true, encoding: .utf8)
        try "subjectAltName=DNS:filewatcher-client\n".write(toFile: dir + "/client.ext", atomically: true, encoding: .utf8)
        for name in ["server", "client"] {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(name == "server" ? "localhost" : "filewatcher-client")",
                         "-keyout", "\(name).key", "-out", "\(name).csr"])
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                         "-days", "2", "-extfile", "\(name).ext", "-out", "\(name).pem"])
        }
    }
}

struct CollectorError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// One rsyslogd. `transport`: relp, relp+tls, syslog+tcp, syslog+tls.
final class RsyslogCollector {
    let dir: TemporaryDirectory
    let port: Int
    let transport: String
    let certificates: TestCertificates?
    private var process: Process?
    var output: String { dir.file("received.log") }
    var url: String { "\(transport)://127.0.0.1:\(port)" }

    init(_ transport: String, certificates: TestCertificates? = nil) throws {
        dir = try TemporaryDirectory("fw-rsyslog")
        self.transport = transport
        self.certificates = certificates
        port = try Self.freePort()
        try writeConfiguration()
        try start()
    }

    deinit { stop(); dir.remove() }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw CollectorError("no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    private func writeConfiguration() throws {
        var c = """
            global(workDirectory="\(dir.path)" maxMessageSize="64k")
            template(name="msgonly" type="string" string="%msg%\\n")

            """
        switch transport {
        case "relp":
            c += """
                module(load="imrelp")
                input(type="imrelp" address="127.0.0.1" port="\(port)")

                """
        case "relp+tls":
            let t = certificates!
            c += """
                module(load="imrelp")
                input(type="imrelp" address="127.0.0.1" port="\(port)" tls="on" tls.caCert="\(t.ca)"
                      tls.myCert="\(t.serverCert)" tls.myPrivKey="\(t.serverKey)" tls.authMode="certvalid")

                """
        case "syslog+tcp":
            c += """
                module(load="imtcp")
                input(type="imtcp" address="127.0.0.1" port="\(port)")

                """
        case "syslog+tls":
            let t = certificates!
            c += """
                global(defaultNetstreamDriver="gtls" defaultNetstreamDriverCAFile="\(t.ca)"
                       defaultNetstreamDriverCertFile="\(t.serverCert)" defaultNetstreamDriverKeyFile="\(t.serverKey)")
                module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
                input(type="imtcp" address="127.0.0.1" port="\(port)")

                """
        default:
            throw CollectorError("unknown transport \(transport)")
        }
        // A Direct main queue: each message is written before imrelp answers it, so an acknowledged
        // message survives a kill -9 of rsyslogd (with the default in-memory queue, rsyslog
        // acknowledges on enqueueing and a kill loses what the queue held).
        c += """
            main_queue(queue.type="Direct")
            action(type="omfile" file="\(output)" template="msgonly" flushOnTXEnd="on" asyncWriting="off")

            """
        try c.write(toFile: dir.file("rsyslog.conf"), atomically: true, encoding: .utf8)
    }

    /// Starts rsyslogd and waits until it accepts connections.
    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CollectorEnvironment.rsyslogd)
        p.arguments = ["-n", "-f", dir.file("rsyslog.conf"), "-i", dir.file("rsyslogd.pid")]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        let log = dir.file("rsyslogd.stderr")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        p.standardError = FileHandle(forWritingAtPath: log)
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if accepts() { return }
            guard p.isRunning else { break }
            usleep(50_000)
        }
        throw CollectorError("rsyslogd did not start listening on port \(port): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    private func accepts() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// kill -9.
    func kill9() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit(orKillAfter: Process.testChildBound)
        process = nil
        unlink(dir.file("rsyslogd.pid"))
    }

    /// Ends it (SIGKILL: rsyslogd started from a test process may have SIGTERM blocked).
    func stop() { kill9() }

    /// The records received so far (parsed JSON objects).
    func records() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: output, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The ECS `event.sequence` numbers received (duplicates kept out).
    func sequences() -> Set<Int> {
        Set(records().compactMap { (($0["event"] as? [String: Any])?["sequence"] as? Int) })
    }

    /// Waits until `done(records)` holds, up to `timeout` seconds.
    @discardableResult
    func wait(timeout: Double = 30, until done: ([[String: Any]]) -> Bool) -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var r = records()
        while !done(r) && Date() < deadline {
            usleep(100_000)
            r = records()
        }
        return r
    }
}
