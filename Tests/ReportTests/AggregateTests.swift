import FileWatchCore
import Testing
@testable import Report

func event(_ t: Int64, _ kind: EventKind, pid: Int32 = 10, ppid: Int32? = 1, name: ByteString = "prog", path: ByteString? = "/d/f",
           dest: ByteString? = nil, failed: Int32? = nil, args: [ByteString]? = nil, user: String? = "alice") -> Event {
    var e = Event(time: t, kind: kind, process: ProcessSubject(pid: pid, ppid: ppid, name: name, arguments: args, uid: 1000, user: user),
                  path: path, destinationPath: dest, source: .fanotify)
    if let failed { e.result = .failure(errno: failed) }
    return e
}

struct Weight: Weighted { var weight: UInt64 }

@Suite struct AggregateTests {
    @Test func boundedTableKeepsTheHeavyAndCountsWhatItForgot() {
        var t = BoundedTable<Int, Weight>(capacity: 100)
        for k in 0..<10 { for _ in 0..<1000 { t.update(k, make: { Weight(weight: 0) }) { $0.weight += 1 } } }
        for k in 10..<5000 { t.update(k, make: { Weight(weight: 0) }) { $0.weight += 1 } }
        #expect(t.count <= 100)
        #expect(t.isApproximate)
        for k in 0..<10 { #expect(t.entries[k]?.weight == 1000) }
        #expect(t.evictedWeight + t.entries.values.reduce(0) { $0 + $1.weight } == 10_000 + 4990)
        #expect(t.top(3, tieBreak: <).map(\.key) == [0, 1, 2])
    }

    @Test func distinctCounterIsExactWhenSmallAndCloseWhenLarge() {
        var small = DistinctCounter(exactLimit: 256)
        for i in 0..<200 { small.add(Array("/f/\(i % 100)".utf8)) }
        #expect(small.isExact && small.count == 100)
        var large = DistinctCounter(exactLimit: 256)
        for i in 0..<100_000 { large.add(Array("/home/u/file-\(i)".utf8)) }
        #expect(!large.isExact)
        #expect(abs(Double(large.count) - 100_000) / 100_000 < 0.08, "\(large.count)")
        var mid = DistinctCounter(exactLimit: 16)
        for i in 0..<300 { mid.add(Array("x\(i)".utf8)) }
        #expect(abs(Double(mid.count) - 300) / 300 < 0.1, "\(mid.count)")
    }

    @Test func histogramKeepsEveryEventWhateverTheOrderAndSpan() {
        var h = TimeHistogram(capacity: 64)
        let base: Int64 = 1_700_000_000_000_000
        var n = 0
        // In order over 2 s, then far later (1 h), then before the start.
        for i in 0..<2000 { h.add(time: base + Int64(i) * 1000, kind: .read); n += 1 }
        h.add(time: base + 3_600_000_000, kind: .write); n += 1
        h.add(time: base - 90_000_000, kind: .delete); n += 1
        let bars = try! #require(h.bars(maxBars: 120))
        #expect(bars.counts.reduce(0) { $0 + $1.total } == UInt64(n))
        #expect(bars.counts.count <= 120)
        #expect(bars.interval % h.width == 0)
        #expect(bars.counts.first![.delete] == 1 && bars.counts.last![.write] == 1)
        #expect(bars.start <= base - 90_000_000 && bars.start + bars.interval * Int64(bars.counts.count) > base + 3_600_000_000)
    }

    @Test func histogramChoosesARoundIntervalForTheRange() {
        var h = TimeHistogram()
        let base: Int64 = 1_700_000_000_000_000
        for i in 0..<600 { h.add(time: base + Int64(i) * 1_000_000, kind: .open) }  // 10 minutes, one a second
        let bars = try! #require(h.bars(maxBars: 120))
        #expect(bars.interval == 5_000_000)
        #expect(bars.counts.count == 120 || bars.counts.count == 121)
        #expect(bars.counts.reduce(0) { $0 + $1.total } == 600)
    }

    @Test func directoryCellsCoverEveryEventAndSplitTheBiggest() {
        let tree = DirectoryTree([("/home/a/docs", 500), ("/home/a/docs/old", 100), ("/home/a/src", 300), ("/usr/lib", 90),
                                  ("/usr/lib/x86", 10), ("/etc", 5), ("relative", 1)])
        let cells = tree.cells(maxCells: 6)
        #expect(cells.reduce(0) { $0 + $1.events } == 1006)
        #expect(cells.count <= 6)
        #expect(cells.first?.path == "/home/a/docs")
        let one = tree.cells(maxCells: 1)
        #expect(one.count == 1 && one[0].events == 1006)
        #expect(DirectoryTree([]).cells(maxCells: 5).isEmpty)
        #expect(directoryOf("/a/b/c") == "/a/b" && directoryOf("/c") == "/" && directoryOf("c") == ".")
    }

    @Test func processTreeLinksChildrenAndOpensTheWayToAnAlert() {
        var a = ReportAggregator()
        a.add(event(1, .exec, pid: 100, ppid: 1, name: "bash", args: ["bash", "-c", "x"]))
        a.add(event(2, .exec, pid: 200, ppid: 100, name: "python3", args: ["python3", "enc.py"]))
        a.add(event(3, .exec, pid: 300, ppid: 100, name: "ls"))
        var w = event(4, .write, pid: 400, ppid: 200, name: "gpg", path: "/home/a/doc.gpg")
        var alert = Alert(time: 4, origin: .ransomware, severity: .critical, process: w.process, eventKind: .write, path: w.path, reason: "r")
        alert.stopped = [StoppedProcess(pid: 400, name: "gpg")]
        w.alerts = [alert]
        a.add(w)
        let forest = a.processes.tree()
        #expect(forest.roots == [100])
        #expect(forest.children[100] == [200, 300])
        #expect(forest.children[200] == [400])
        #expect(forest.alertPaths() == [100, 200, 400])
        #expect(forest.subtreeTotals()[100] == 4)
        #expect(forest.nodes[400]?.stopped == true && forest.nodes[200]?.arguments == ["python3", "enc.py"])
        #expect(a.alertTotal == 1 && a.alertsBySeverity[.critical] == 1)
    }

    @Test func reusedPidCyclesDoNotLoseProcesses() {
        var a = ReportAggregator()
        a.add(event(1, .open, pid: 5, ppid: 6))
        a.add(event(2, .open, pid: 6, ppid: 5))
        let forest = a.processes.tree()
        #expect(forest.roots.count == 1)
        #expect(forest.subtreeTotals()[forest.roots[0]] == 2)
    }

    @Test func failuresAreGroupedAndChangesListed() {
        var a = ReportAggregator()
        for t in 0..<5 { a.add(event(Int64(t), .open, path: "/etc/shadow", failed: 13)) }
        a.add(event(9, .open, path: "/etc/shadow", failed: 2))
        a.add(event(10, .create, path: "/tmp/new"))
        a.add(event(11, .rename, path: "/tmp/new", dest: "/tmp/renamed"))
        a.add(event(12, .delete, path: "/tmp/renamed"))
        #expect(a.failedTotal == 6)
        let top = a.failures.top(5, tieBreak: { ($0.errno ?? 0) < ($1.errno ?? 0) })
        #expect(top.count == 2 && top[0].value.count == 5 && top[0].key.errno == 13)
        #expect(top[0].value.first == 0 && top[0].value.last == 4)
        #expect(a.changes[.rename]?.first?.destination == "/tmp/renamed")
        #expect(a.changeTotals[.create] == 1 && a.changeTotals[.delete] == 1)
        #expect(a.shown == 9 && a.firstTime == 0 && a.lastTime == 12)
    }

    @Test func memoryStaysBoundedOnManyDistinctFilesAndProcesses() {
        var limits = ReportLimits()
        limits.files = 1000; limits.directories = 500; limits.processes = 300; limits.programs = 50; limits.filesPerProgram = 20
        var a = ReportAggregator(limits: limits)
        for i in 0..<50_000 {
            a.add(event(Int64(i), .write, pid: Int32(i % 3000), name: ByteString("p\(i % 400)"), path: ByteString("/d\(i % 900)/f\(i)")))
        }
        #expect(a.files.count <= 1000 && a.directories.count <= 500 && a.processes.nodes.count <= 300 && a.programs.count <= 50)
        #expect(a.programs.entries.values.allSatisfy { $0.files.count <= 20 })
        #expect(a.files.isApproximate && a.processes.nodes.isApproximate)
        #expect(abs(Double(a.distinctFiles.count) - 50_000) / 50_000 < 0.01)  // exact up to 100 000
    }
}
