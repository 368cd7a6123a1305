// Shipping to a real rsyslog: every event arrives, outages and kills lose nothing, a full spool is
// reported with one loss record, TLS refusals are said in one sentence with the events kept.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import Foundation
import Testing
import TestSupport

/// `n` opens of distinct files by pid 100, one per millisecond.
func shipTrail(_ n: Int, from: Int = 0, name: (Int) -> [UInt8] = { Array("/data/file\($0)".utf8) }) -> [UInt8] {
    TrailFixture.trail((0..<n).map { i in
        TrailFixture.record(72, seconds: TrailFixture.t0 + UInt64(i / 1000), ms: UInt64(i % 1000),
                            [TrailFixture.subject(pid: 100), TrailFixture.path(bytes: name(from + i)), TrailFixture.ret()])
    })
}

private func sequences(_ records: [[String: Any]]) -> Set<Int> {
    Set(records.compactMap { (($0["event"] as? [String: Any])?["sequence"] as? Int) })
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct ShipTests {
    @Test(.needsRsyslogRELP) func everyEventArrivesOverRELP() throws {
        let collector = try RsyslogCollector("relp")
        let d = try TemporaryDirectory("fw-ship")
        defer { d.remove() }
        let trail = try d.write(shipTrail(3000), to: "t.bsm")
        let r = try watch(["--read", trail, "-o", "/dev/null", "--ship", collector.url, "--spool", d.file("spool")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("acknowledged up to sequence 3000"), "\(r.stderr)")
        let got = collector.wait { sequences($0).count >= 3000 }
        #expect(sequences(got) == Set(1...3000))
        // The records are whole ECS documents with ids.
        let first = try #require(got.first { (($0["event"] as? [String: Any])?["sequence"] as? Int) == 1 })
        #expect(((first["file"] as? [String: Any])?["path"] as? String) == "/data/file0")
    }

    @Test(.needsRsyslogRELP) func hostileNameArrivesIntact() throws {
        let collector = try RsyslogCollector("relp")
        let d = try TemporaryDirectory("fw-ship")
        defer { d.remove() }
        let name = Array("/tmp/line\nbreak\u{1B}[31mred".utf8)
        let trail = try d.write(shipTrail(1, name: { _ in name }), to: "t.bsm")
        let r = try watch(["--read", trail, "-o", "/dev/null", "--ship", collector.url, "--spool", d.file("spool")])
        #expect(r.status == 0, "\(r.stderr)")
        let got = collector.wait { !$0.isEmpty }
        #expect(got.count == 1, "one message, not split at the newline")
        #expect((got.first?["file"] as? [String: Any])?["path"] as? String == "/tmp/line\nbreak\u{1B}[31mred")
    }

    @Test(.needsRsyslogRELP) func collectorKilledMidStreamLosesNothing() throws {
        let collector = try RsyslogCollector("relp")
        let d = try TemporaryDirectory("fw-ship")
        defer { d.remove() }
        let n = 6000
        let fifo = try FIFOFeeder()
        defer { fifo.remove() }
        // About three seconds of stream.
        fifo.feed(shipTrail(n), chunks: [6000], pauseMicroseconds: 30_000)
        let r = try run(["--read", fifo.path, "-o", "/dev/null", "--ship", collector.url, "--spool", d.file("spool"),
                         "--ship-drain", "60"]) { _ in
            collector.wait(timeout: 20) { sequences($0).count >= 500 }
            collector.kill9()
            usleep(700_000)
            try collector.start()
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("connected again"), "\(r.stderr)")
        let got = collector.wait { sequences($0).count >= n }
        #expect(sequences(got) == Set(1...n), "missing: \(Set(1...n).subtracting(sequences(got)).sorted().prefix(10))")
    }

    @Test(.needsRsyslogRELP) func filewatcherKilledDuringOutageLosesNothing() throws {
        let collector = try RsyslogCollector("relp")
        collector.kill9()  // the outage
        let d = try TemporaryDirectory("fw-ship")
        defer { d.remove() }
        let a = try d.write(shipTrail(2000), to: "a.bsm"), b = try d.write(shipTrail(1000, from: 2000), to: "b.bsm")
        let spool = d.file("spool")
        let first = try run(["--read", a, "-o", "/dev/null", "--ship", collector.url, "--spool", spool, "--ship-drain", "120"]) { p in
            sleep(4)  // read, spooled, waiting for the collector
            kill(p.processIdentifier, SIGKILL)
        }
        #expect(first.status != 0, "killed")
        try collector.start()
        let r = try watch(["--read", b, "-o", "/dev/null", "--ship", collector.url, "--spool", spool])
        #expect(r.status == 0, "\(r.stderr)")
        let got = collector.wait { sequences($0).count >= 3000 }
        #expect(sequences(got) == Set(1...3000), "missing: \(Set(1...3000).subtracting(sequences(got)).sorted().prefix(10))")
        let paths = Set(got.compactMap { ($0["file"] as? [String: Any])?["path"] as? String })
        #expect(paths.contains("/data/file0") && paths.contains("/data/file2999"), "both runs' events")
    }

    @Test(.needsRsyslogRELP) func fullSpoolShipsOneLossRecord() throws {
        let collector = try RsyslogCollector("relp")
        collector.kill9()
        let d = try TemporaryDirectory("fw-ship")
        defer { d.remove() }
        let spool = d.file("spool")
        let big = try d.write(shipTrail(3000), to: "a.bsm"), small = try d.write(shipTrail(10, from: 3000), to: "b.bsm")
        let first = try watch(["--read", big, "-o", "/dev/null", "--ship", collector.url, "--spool", spool,
                               "--spool-max", "64K", "--ship-drain", "0"])
        #expect(first.stderr.components(separatedBy: "spool full").count - 1 == 1, "one stderr line, not one per segment: \(first.stderr)")
        #expect(first.stderr.contains("dropped from the full spool"), "the summary says so: \(first.stderr)")
        try collector.start()
        let r = try watch(["--read", small, "-o", "/dev/null", "--ship", collector.url, "--spool", spool, "--spool-max", "64K"])
        #expect(r.status == 0, "\(r.stderr)")
        let got = collector.wait { sequences($0).contains(3010) }
        let losses = got.filter { (($0["event"] as? [String: Any])?["action"] as? String) == "events-lost" }
        #expect(losses.count == 1, "\(losses)")
        let loss = try #require((losses.first?["filewatcher"] as? [String: Any])?["loss"] as? [String: Any])
        let count = try #require(loss["count"] as? Int)
        let lost = Set(try #require(loss["first_sequence"] as? Int)...(try #require(loss["last_sequence"] as? Int)))
        #expect(lost.count == count)
        let delivered = sequences(got.filter { (($0["event"] as? [String: Any])?["action"] as? String) != "events-lost" })
        #expect(delivered.isDisjoint(with: lost))
        #expect(delivered.union(lost) == Set(1...3010), "every sequence either arrived or is counted lost")
        #expect(count > 2000, "most of the 3000 did not fit in 64K")
    }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct ShipTLSTests {
    @Test(.needsRsyslogTLS) func relpOverTLSWithClientCertificate() throws {
        let d = try TemporaryDirectory("fw-ship-tls")
        defer { d.remove() }
        let certs = try TestCertificates(in: d.path)
        let collector = try RsyslogCollector("relp+tls", certificates: certs)
        let trail = try d.write(shipTrail(1000), to: "t.bsm")
        let r = try watch(["--read", trail, "-o", "/dev/null", "--ship", collector.url, "--spool", d.file("spool"),
                           "--tls-ca", certs.ca, "--tls-cert", certs.clientCert, "--tls-key", certs.clientKey])
        #expect(r.status == 0, "\(r.stderr)")
        let got = collector.wait { sequences($0).count >= 1000 }
        #expect(sequences(got) == Set(1...1000))
    }

    @Test(.needsRsyslogTLS) func wrongCAOrNoClientCertificateIsRefusedAndKept() throws {
        let d = try TemporaryDirectory("fw-ship-tls")
        defer { d.remove() }
        let certs = try TestCertificates(in: d.path)
        let collector = try RsyslogCollector("relp+tls", certificates: certs)
        let trail = try d.write(shipTrail(50), to: "t.bsm")
        let wrongCA = try watch(["--read", trail, "-o", "/dev/null", "--ship", collector.url, "--spool", d.file("spool1"),
                                 "--tls-ca", certs.otherCA, "--tls-cert", certs.clientCert, "--tls-key", certs.clientKey,
                                 "--ship-drain", "3"])
        let sentence = "the collector's TLS certificate was not accepted"
        let said = wrongCA.stderr.split(separator: "\n").filter { $0.hasPrefix("filewatcher: ship") && $0.contains(sentence) }
        #expect(said.count == 1, "said once (and in the summary): \(wrongCA.stderr)")
        #expect(wrongCA.stderr.contains("50 left in the spool"), "\(wrongCA.stderr)")
        let noCert = try watch(["--read", trail, "-o", "/dev/null", "--ship", collector.url, "--spool", d.file("spool2"),
                                "--tls-ca", certs.ca, "--ship-drain", "3"])
        #expect(noCert.stderr.contains("requires a client certificate"), "\(noCert.stderr)")
        #expect(noCert.stderr.contains("50 left in the spool"), "\(noCert.stderr)")
        #expect(collector.records().isEmpty)
    }

    @Test(.needsRsyslogTLS) func syslogOverTCPAndTLSWithOctetCounting() throws {
        let d = try TemporaryDirectory("fw-ship-tls")
        defer { d.remove() }
        let certs = try TestCertificates(in: d.path)
        let tcp = try RsyslogCollector("syslog+tcp")
        let tls = try RsyslogCollector("syslog+tls", certificates: certs)
        let name = Array("/tmp/two\nlines".utf8)
        let trail = try d.write(shipTrail(500) + shipTrail(1, from: 500, name: { _ in name }).dropFirst(0), to: "t.bsm")
        let r = try watch(["--read", trail, "-o", "/dev/null", "--ship", tcp.url, "--ship", tls.url,
                           "--spool", d.file("spool"), "--tls-ca", certs.ca])
        #expect(r.status == 0, "\(r.stderr)")
        for c in [tcp, tls] {
            let got = c.wait { sequences($0).count >= 501 }
            #expect(sequences(got) == Set(1...501), "\(c.url)")
            #expect(got.contains { ($0["file"] as? [String: Any])?["path"] as? String == "/tmp/two\nlines" }, "octet counting keeps the newline")
        }
    }
}
