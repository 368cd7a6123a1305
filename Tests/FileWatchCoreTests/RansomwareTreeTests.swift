import Testing
@testable import FileWatchCore

/// Pins from a table (pid → process); `gone` pids pin to nothing.
final class TablePinner: ProcessPinning {
    var table: [Int32: PinnedProcess] = [:]
    var gone: Set<Int32> = []
    func add(_ pid: Int32, _ name: String, ppid: Int32, start: UInt64 = 1, sessionLeader: Bool = false, protected: Bool = false) {
        table[pid] = PinnedProcess(pid: pid, startTime: start, startedAt: Int64(start), ppid: ppid, isSessionLeader: sessionLeader,
                                   isProtected: protected, subject: ProcessSubject(pid: pid, ppid: ppid, name: ByteString(name)))
    }
    func pin(pid: Int32, at time: Int64) -> PinnedProcess? { gone.contains(pid) ? nil : table[pid] }
}

/// Issue 17: work spread over many short-lived processes adds up at the script that drives them.
@Suite struct RansomwareTreeTests {
    /// `for f in docs/*; do n=$(wc -c < $f); head -c $n /dev/urandom > $f.tmp; mv $f.tmp $f.locked; rm $f; done`:
    /// four processes per file, each gone before its events are read (as short-lived ones are).
    func shellLoop(_ d: RansomwareDetector, _ r: MemoryReader, files: Int, first: Int = 0, driver: Int32 = 500,
                   firstPid: Int32 = 600, t0: Int64 = 1_000_000) -> [(file: Int, alert: Alert)] {
        var out: [(Int, Alert)] = []
        for i in first..<(first + files) {
            let f = "/home/u/docs/doc\(i).txt", t = t0 + Int64(i) * 100_000
            let pid = firstPid + Int32(i) * 4
            let wc = Actor(pid, "wc", ppid: driver), head = Actor(pid + 1, "head", ppid: driver)
            let mv = Actor(pid + 2, "mv", ppid: driver), rm = Actor(pid + 3, "rm", ppid: driver)
            r.encrypt(f + ".tmp")
            let events = [wc.ev(.close, f, t, afterWrite: false),
                          head.ev(.create, f + ".tmp", t + 10), head.ev(.close, f + ".tmp", t + 20, afterWrite: true),
                          mv.ev(.rename, f + ".tmp", t + 30, dest: f + ".locked"),
                          rm.ev(.delete, f, t + 40)]
            for e in events { out += d.inspect(e).map { (i, $0) } }
        }
        return out
    }

    @Test func aScriptDrivingShortLivedProgramsIsFlaggedByTheFifthFile() throws {
        let r = MemoryReader(), pinner = TablePinner()
        pinner.add(500, "sh", ppid: 400)
        pinner.add(400, "bash", ppid: 300, sessionLeader: true)
        pinner.gone = Set(600..<700)
        let d = RansomwareDetector(reader: r, pinner: pinner)
        let alerts = shellLoop(d, r, files: 10)
        #expect(alerts.map(\.file) == [4], "one alert, at the 5th file: \(alerts.map { $0.alert.reason })")
        let a = try #require(alerts.first?.alert)
        #expect(a.offenderTree)
        #expect(a.offender?.pid == 500 && a.process.pid == 500)
        #expect(a.evidence.count == 5)
        #expect(Set(a.evidence.compactMap(\.pid)).count == 5, "5 rm processes")
        #expect(a.evidence.allSatisfy { $0.reason == .deletedAfterRead })
        #expect(a.reason.hasPrefix("sh (pid 500) and 5 processes it ran destroyed 5 files"), "\(a.reason)")
    }

    @Test func theShellAboveAnAlertedScriptIsNotBlamedNext() throws {
        let r = MemoryReader(), pinner = TablePinner()
        pinner.add(500, "sh", ppid: 400)
        pinner.add(400, "bash", ppid: 300)  // not a session leader: a grandparent tree
        pinner.gone = Set(600..<800)
        let d = RansomwareDetector(reader: r, pinner: pinner)
        let alerts = shellLoop(d, r, files: 30)
        #expect(alerts.map(\.alert.process.pid) == [500], "\(alerts.map(\.alert.reason))")
    }

    @Test func aReplayAddsUpAtTheParentPid() throws {
        let r = MemoryReader()
        let d = RansomwareDetector(reader: r)
        let alerts = shellLoop(d, r, files: 6)
        #expect(alerts.map(\.file) == [4])
        #expect(alerts.first?.alert.process.pid == 500 && alerts.first?.alert.offender == nil)
    }

    @Test func replacingInPlaceThroughARenameCounts() throws {
        // openssl enc -in $f -out $f.tmp; mv $f.tmp $f
        let r = MemoryReader(), pinner = TablePinner()
        pinner.add(500, "sh", ppid: 400)
        let d = RansomwareDetector(reader: r, pinner: pinner)
        var at: [Int] = []
        for i in 0..<8 {
            let f = "/d/doc\(i).txt", t = Int64(i) * 100_000
            let enc = Actor(600 + Int32(i) * 2, "openssl", ppid: 500), mv = Actor(601 + Int32(i) * 2, "mv", ppid: 500)
            r.encrypt(f + ".tmp")
            for e in [enc.ev(.close, f, t, afterWrite: false), enc.ev(.create, f + ".tmp", t + 1),
                      enc.ev(.close, f + ".tmp", t + 2, afterWrite: true), mv.ev(.rename, f + ".tmp", t + 3, dest: f)] {
                at += d.inspect(e).map { _ in i }
            }
        }
        #expect(at == [4])
    }

    @Test func oneOffenderAlertsOnItsOwnNotThroughItsParent() throws {
        let r = MemoryReader(), pinner = TablePinner()
        pinner.add(400, "bash", ppid: 300)
        pinner.add(777, "evil", ppid: 400)
        pinner.add(778, "editor", ppid: 400)
        let d = RansomwareDetector(reader: r, pinner: pinner)
        let evil = Actor(777, "evil", ppid: 400), editor = Actor(778, "editor", ppid: 400)
        var alerts: [Alert] = []
        for i in 0..<12 {
            let p = "/d/doc\(i).txt", t = Int64(i) * 100_000
            r.encrypt(p)
            alerts += d.inspect(evil.ev(.close, p, t, afterWrite: false)) + d.inspect(evil.ev(.close, p, t + 1, afterWrite: true))
            // A sibling with one victim of its own, now and then.
            if i % 4 == 0 {
                let q = "/e/own\(i).txt"
                r.encrypt(q)
                alerts += d.inspect(editor.ev(.close, q, t + 2, afterWrite: false)) + d.inspect(editor.ev(.close, q, t + 3, afterWrite: true))
            }
        }
        #expect(alerts.count == 1, "\(alerts.map(\.reason))")
        #expect(alerts.first?.process.pid == 777 && alerts.first?.offenderTree == false)
    }

    @Test func workersOfOneDriverAddUp() throws {
        // xargs -P2: two long-lived workers, three files each (below the threshold each): the 6th file, when
        // neither did more than half.
        let r = MemoryReader(), pinner = TablePinner()
        pinner.add(500, "xargs", ppid: 400)
        pinner.add(601, "worker", ppid: 500)
        pinner.add(602, "worker", ppid: 500)
        let d = RansomwareDetector(reader: r, pinner: pinner)
        var alerts: [Alert] = []
        for i in 0..<3 {
            for w: Int32 in [601, 602] {
                let a = Actor(w, "worker", ppid: 500), p = "/d/w\(w)-\(i).txt", t = Int64(i) * 100_000 + Int64(w)
                r.encrypt(p)
                alerts += d.inspect(a.ev(.close, p, t, afterWrite: false)) + d.inspect(a.ev(.close, p, t + 1, afterWrite: true))
            }
        }
        #expect(alerts.count == 1)
        #expect(alerts.first?.process.pid == 500 && alerts.first?.offenderTree == true)
    }

    @Test func grandparentsAddUpUnlessTheyLeadASession() throws {
        // find -exec sh -c '…' {} \; : each file in its own sh (one victim each), all under one find.
        func run(findLeadsSession: Bool) -> [Alert] {
            let r = MemoryReader(), pinner = TablePinner()
            pinner.add(450, "find", ppid: 400, sessionLeader: findLeadsSession)
            for i in 0..<8 { pinner.add(500 + Int32(i), "sh", ppid: 450) }
            pinner.gone = Set(600..<700)
            let d = RansomwareDetector(reader: r, pinner: pinner)
            return (0..<8).flatMap { i in
                shellLoop(d, r, files: 1, first: i, driver: 500 + Int32(i), firstPid: 600 + Int32(i) * 4).map(\.alert)
            }
        }
        let alerts = run(findLeadsSession: false)
        #expect(alerts.count == 1)
        #expect(alerts.first?.process.pid == 450 && alerts.first?.offenderTree == true)
        #expect(run(findLeadsSession: true).isEmpty, "a session leader's grandchildren are not summed")
    }

    @Test func protectedParentsAreNotSummed() throws {
        let r = MemoryReader(), pinner = TablePinner()
        pinner.add(500, "filewatcher's parent", ppid: 1, protected: true)
        pinner.gone = Set(600..<700)
        let d = RansomwareDetector(reader: r, pinner: pinner)
        #expect(shellLoop(d, r, files: 10).isEmpty)
    }

    @Test func execKeepsTheStateAReusedPidDoesNot() throws {
        let r = MemoryReader(), pinner = TablePinner()
        pinner.add(777, "sh", ppid: 1, start: 5)
        let d = RansomwareDetector(options: RansomwareOptions(threshold: 3), reader: r, pinner: pinner)
        func victim(_ name: String, _ p: String, _ t: Int64) -> Int {
            let a = Actor(777, name, ppid: 1)
            r.encrypt(p)
            return d.inspect(a.ev(.close, p, t, afterWrite: false)).count + d.inspect(a.ev(.close, p, t + 1, afterWrite: true)).count
        }
        #expect(victim("sh", "/d/1", 10) + victim("sh", "/d/2", 20) == 0)
        // exec: a new name, the same process (same start time): it keeps its two victims.
        #expect(victim("evil", "/d/3", 30) == 1)
        // The pid taken by a later process: it starts at zero.
        pinner.add(777, "innocent", ppid: 1, start: 9)
        #expect(victim("innocent", "/d/4", 40) + victim("innocent", "/d/5", 50) == 0)
    }

    @Test func benignDriversRaiseNothing() throws {
        let r = MemoryReader(), pinner = TablePinner()
        pinner.add(500, "make", ppid: 400)
        pinner.gone = Set(600..<2000)
        let d = RansomwareDetector(reader: r, pinner: pinner)
        var alerts: [Alert] = []
        // make -j: compilers read sources, write temporaries they delete, write objects (plain content).
        for i in 0..<200 {
            let cc = Actor(600 + Int32(i), "cc", ppid: 500), t = Int64(i) * 1000
            let tmp = "/tmp/cc\(i).s", obj = "/b/u\(i).o"
            r.encrypt(tmp)  // even if a temporary looked random
            r.plain(obj)
            for e in [cc.ev(.close, "/src/u\(i).c", t, afterWrite: false), cc.ev(.create, tmp, t + 1),
                      cc.ev(.close, tmp, t + 2, afterWrite: true), cc.ev(.close, tmp, t + 3, afterWrite: false),
                      cc.ev(.delete, tmp, t + 4), cc.ev(.close, obj, t + 5, afterWrite: true)] {
                alerts += d.inspect(e)
            }
        }
        // A download script: curl writes random files, rm removes unrelated old ones.
        for i in 0..<20 {
            let curl = Actor(1000 + Int32(i), "curl", ppid: 500), rm = Actor(1100 + Int32(i), "rm", ppid: 500)
            let p = "/dl/file\(i).bin", t = 1_000_000 + Int64(i) * 1000
            r.encrypt(p)
            for e in [curl.ev(.create, p, t), curl.ev(.close, p, t + 1, afterWrite: true), rm.ev(.delete, "/dl/old\(i).iso", t + 2)] {
                alerts += d.inspect(e)
            }
        }
        #expect(alerts.isEmpty, "\(alerts.map(\.reason))")
    }
}
