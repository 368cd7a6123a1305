#if os(Linux)
import Foundation
import CShims
import FileWatchCore
@testable import EventSources

/// A recorded fanotify run: the kernel's read buffers, what the filesystem answered when directory
/// handles were resolved, what /proc and the process events said, and the events the source made of
/// it. Replayed through the same translator without root (`FanotifyTranslatorTests`); recorded again
/// with `FW_RECORD_FIXTURES=1 swift test --filter FanotifyFixtureRecorder` (root).
///
/// Text, one item per line, tab separated, bytes in hex:
/// ```
/// root      KEY PATH                         a mount point (its handle) and its path
/// read      BYTES                            one read(2) of the group
/// resolve   KEY TOP|- LINKKEY:NAME,...       a handle resolution and its chain (- : gone)
/// snapshot  PID PPID|- NAME EXE|- UID START  /proc/PID when the translator asked
/// feed      WHAT PID PARENT RUID EUID NAME|- EXE|-    a process event (exec: the image /proc showed)
/// expect    KIND PATH|- DEST|- PID NAME      an event the source delivered
/// ```
struct FanotifyFixture {
    struct Expected: Equatable, CustomStringConvertible {
        var kind: String
        var path: String?
        var dest: String?
        var pid: Int32
        var name: String
        var description: String { "\(kind) \(path ?? "-")\(dest.map { " -> \($0)" } ?? "") \(name)[\(pid)]" }
    }

    var roots: [(key: [UInt8], path: [UInt8])] = []
    var reads: [[UInt8]] = []
    var resolutions: [[UInt8]: ResolvedChain?] = [:]
    var snapshots: [Int32: ProcSnapshot] = [:]
    var feed: [ProcessAnnouncement] = []
    var expected: [Expected] = []

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    static func bytes(_ hex: Substring) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }

    init() {}

    init(text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            func opt(_ s: Substring) -> [UInt8]? { s == "-" ? nil : Self.bytes(s) }
            switch f.first {
            case "root": roots.append((Self.bytes(f[1]), Self.bytes(f[2])))
            case "read": reads.append(Self.bytes(f[1]))
            case "resolve":
                if f[2] == "-" { resolutions[Self.bytes(f[1])] = .some(nil); continue }
                let links = f[3].split(separator: ",").map { link -> (key: [UInt8], name: [UInt8]) in
                    let parts = link.split(separator: ":", omittingEmptySubsequences: false)
                    return (Self.bytes(parts[0]), Self.bytes(parts[1]))
                }
                resolutions[Self.bytes(f[1])] = ResolvedChain(links: links, top: Self.bytes(f[2]))
            case "snapshot":
                let pid = Int32(f[1])!
                var s = ProcSnapshot(name: Self.bytes(f[3]), ppid: Int32(f[2]), startTicks: UInt64(f[6])!)
                s.executable = opt(f[4]); s.uid = UInt32(f[5]); s.euid = s.uid; s.gid = 0
                snapshots[pid] = s
            case "feed":
                var e = fw_proc_event()
                e.what = UInt32(f[1])!; e.pid = Int32(f[2])!; e.parent = Int32(f[3])!
                e.ruid = UInt32(f[4])!; e.euid = UInt32(f[5])!
                feed.append(ProcessAnnouncement(event: e, name: opt(f[6]), executable: opt(f[7])))
            case "expect":
                expected.append(Expected(kind: String(f[1]), path: opt(f[2]).map { String(decoding: $0, as: UTF8.self) },
                                         dest: opt(f[3]).map { String(decoding: $0, as: UTF8.self) }, pid: Int32(f[4])!,
                                         name: String(decoding: Self.bytes(f[5]), as: UTF8.self)))
            default: continue
            }
        }
    }

    var text: String {
        var lines = ["# fanotify fixture (see FanotifyFixture.swift); recorded \(Date())"]
        func opt(_ b: [UInt8]?) -> String { b.map(Self.hex) ?? "-" }
        for root in roots { lines.append("root\t\(Self.hex(root.key))\t\(Self.hex(root.path))") }
        for read in reads { lines.append("read\t\(Self.hex(read))") }
        for (key, chain) in resolutions.sorted(by: { Self.hex($0.key) < Self.hex($1.key) }) {
            guard let chain else { lines.append("resolve\t\(Self.hex(key))\t-\t"); continue }
            lines.append("resolve\t\(Self.hex(key))\t\(Self.hex(chain.top))\t"
                         + chain.links.map { "\(Self.hex($0.key)):\(Self.hex($0.name))" }.joined(separator: ","))
        }
        for (pid, s) in snapshots.sorted(by: { $0.key < $1.key }) {
            lines.append("snapshot\t\(pid)\t\(s.ppid.map(String.init) ?? "-")\t\(Self.hex(s.name))\t\(opt(s.executable))\t\(s.uid ?? 0)\t\(s.startTicks)")
        }
        for item in feed {
            let e = item.event
            lines.append("feed\t\(e.what)\t\(e.pid)\t\(e.parent)\t\(e.ruid)\t\(e.euid)\t\(opt(item.name))\t\(opt(item.executable))")
        }
        for e in expected {
            lines.append("expect\t\(e.kind)\t\(opt(e.path.map { Array($0.utf8) }))\t\(opt(e.dest.map { Array($0.utf8) }))\t\(e.pid)\t\(Self.hex(Array(e.name.utf8)))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func url(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name).fanotify")
    }

    static func load(_ name: String) throws -> FanotifyFixture {
        FanotifyFixture(text: try String(contentsOf: url(name), encoding: .utf8))
    }

    /// Translates the recorded reads as the source would, with the recorded answers.
    func replay(shown: Set<EventKind> = FanotifyPlan.namedKinds) -> [Event] {
        let tree = DirectoryTree()
        for root in roots { tree.addRoot(key: root.key, path: root.path) }
        let naming = FanotifyNaming(tree: tree, resolver: RecordedResolver(resolutions))
        let processes = ProcessModel(reader: RecordedProcesses(snapshots))
        processes.readTicks = UInt64(Int64.max)
        for item in feed { processes.apply(item.event, name: item.name, executable: item.executable) }
        let translator = FanotifyTranslator(naming: naming, processes: processes, shownKinds: shown, ownPID: -1)
        let window = FanotifyWindow()
        for read in reads { read.withUnsafeBytes { window.append(bytes: $0) } }
        var facts = WindowFacts()
        facts.scan(window)
        naming.beginWindow()
        naming.prepare(window, facts)
        let collector = Collector()
        translator.translate(window, facts, time: 0, into: collector)
        return collector.events
    }

    final class Collector: EventReceiver {
        var events: [Event] = []
        var notices: [SourceNotice] = []
        func receive(_ event: Event) { events.append(event) }
        func notice(_ notice: SourceNotice) { notices.append(notice) }
    }

    static func expected(_ event: Event) -> Expected {
        Expected(kind: event.kind.rawValue, path: event.path?.description, dest: event.destinationPath?.description,
                 pid: event.process.pid, name: event.process.name.description)
    }
}

/// Directory resolutions as recorded.
final class RecordedResolver: DirectoryResolving {
    let answers: [[UInt8]: ResolvedChain?]
    init(_ answers: [[UInt8]: ResolvedChain?]) { self.answers = answers }
    func resolve(_ key: [UInt8], isKnown: ([UInt8]) -> Bool) -> ResolvedChain? { answers[key] ?? nil }
}

/// /proc as recorded.
final class RecordedProcesses: ProcessReading {
    let snapshots: [Int32: ProcSnapshot]
    init(_ snapshots: [Int32: ProcSnapshot]) { self.snapshots = snapshots }
    func snapshot(_ pid: Int32) -> ProcSnapshot? { snapshots[pid] }
    func allProcesses() -> [Int32] { Array(snapshots.keys) }
    func bootTicks() -> UInt64 { UInt64(Int64.max) }
}

/// Records while resolving for real.
final class RecordingResolver: DirectoryResolving {
    let real: HandleResolver
    var answers: [[UInt8]: ResolvedChain?] = [:]
    init(_ real: HandleResolver) { self.real = real }
    func resolve(_ key: [UInt8], isKnown: ([UInt8]) -> Bool) -> ResolvedChain? {
        let chain = real.resolve(key, isKnown: isKnown)
        answers[key] = .some(chain)
        return chain
    }
}

/// Records while reading /proc for real.
final class RecordingProcesses: ProcessReading {
    let real = ProcReader()
    var snapshots: [Int32: ProcSnapshot] = [:]
    func snapshot(_ pid: Int32) -> ProcSnapshot? {
        let s = real.snapshot(pid)
        if let s { snapshots[pid] = s }
        return s
    }
    func allProcesses() -> [Int32] { [] }
    func bootTicks() -> UInt64 { real.bootTicks() }
}
#endif
