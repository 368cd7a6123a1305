#if os(Linux)
import Testing
import FileWatchCore
@testable import EventSources

/// The plan is a value: groups, flags, masks and fallbacks decided without a kernel.
@Suite struct FanotifyPlanTests {
    let modern = FanotifyCapabilities(reportsNames: true, reportsTargets: true)

    @Test func oneNamesGroupWithTargetsOnAModernKernel() {
        let plan = FanotifyPlan.make(kinds: nil, closeWriteDescriptors: false, unlimitedQueue: true, capabilities: modern)
        #expect(plan.groups.count == 1)
        let group = plan.groups[0]
        #expect(group.role == .events && group.reporting == .fid)
        #expect(group.flags.isSuperset(of: [.reportDFIDNameTarget, .unlimitedQueue, .classNotif, .nonblock, .cloexec]))
        #expect(group.mask == [.open, .access, .modify, .close, .openExec, .attrib, .create, .delete, .rename, .onDir])
        #expect(group.outsideMask == [.openExec])
        #expect(plan.shownKinds == FanotifyPlan.namedKinds)
        #expect(plan.remarks.isEmpty && !plan.pairsMoves)
    }

    /// What attribution needs is asked for whatever is shown: execs (images) and directory changes (paths).
    @Test func shownKindsNeverDropWhatAttributionNeeds() {
        for kinds: Set<EventKind> in [[.open], [.delete], [.exec], [.create, .delete, .rename], [.stat]] {
            let plan = FanotifyPlan.make(kinds: kinds, closeWriteDescriptors: false, unlimitedQueue: true, capabilities: modern)
            let mask = plan.groups[0].mask
            #expect(mask.isSuperset(of: [.openExec, .create, .delete, .rename, .onDir]), "\(kinds)")
            #expect(plan.shownKinds == kinds.intersection(FanotifyPlan.namedKinds))
        }
        let opens = FanotifyPlan.make(kinds: [.open], closeWriteDescriptors: false, unlimitedQueue: true, capabilities: modern)
        #expect(!opens.groups[0].mask.contains(.modify) && !opens.groups[0].mask.contains(.access))
    }

    @Test func boundedQueueAndContentDescriptors() {
        let plan = FanotifyPlan.make(kinds: nil, closeWriteDescriptors: true, unlimitedQueue: false, capabilities: modern)
        #expect(plan.groups.map(\.role) == [.events, .closeWriteDescriptors])
        #expect(plan.groups.allSatisfy { !$0.flags.contains(.unlimitedQueue) })
        #expect(plan.groups[1].reporting == .fd && plan.groups[1].mask == .closeWrite && plan.groups[1].outsideMask.isEmpty)
    }

    /// Linux 5.9-5.16: names, no entry handles, no FAN_RENAME: move pairs, and a remark saying what it costs.
    @Test func beforeTargetHandles() {
        let plan = FanotifyPlan.make(kinds: nil, closeWriteDescriptors: false, unlimitedQueue: true,
                                     capabilities: FanotifyCapabilities(reportsNames: true, reportsTargets: false))
        #expect(plan.pairsMoves)
        #expect(plan.groups[0].flags.isSuperset(of: .reportDFIDName) && !plan.groups[0].flags.contains(.reportTargetFID))
        #expect(plan.groups[0].mask.isSuperset(of: [.movedFrom, .movedTo]) && !plan.groups[0].mask.contains(.rename))
        #expect(plan.remarks.count == 1 && plan.remarks[0].contains("5.17") && !plan.remarks[0].contains("\n"))
    }

    /// Before Linux 5.9: descriptors only; create/delete/rename/attrib cannot be shown.
    @Test func beforeNames() {
        let plan = FanotifyPlan.make(kinds: nil, closeWriteDescriptors: false, unlimitedQueue: true,
                                     capabilities: FanotifyCapabilities(reportsNames: false, reportsTargets: false))
        #expect(plan.groups.count == 1 && plan.groups[0].reporting == .fd)
        #expect(plan.shownKinds == FanotifyPlan.descriptorKinds)
        #expect(!plan.groups[0].mask.contains(.create))
        #expect(plan.remarks.count == 1 && plan.remarks[0].contains("5.9"))
    }

    /// What the source cannot give, in one sentence naming what would.
    @Test func unavailableKindsSentence() {
        #expect(FanotifyPlan.unavailable(kinds: [.open, .write], failures: false) == nil)
        let stat = FanotifyPlan.unavailable(kinds: [.stat, .open], failures: false)
        #expect(stat?.contains("no stat events") == true && stat?.contains("--source audit") == true)
        let all = FanotifyPlan.unavailable(kinds: Set(EventKind.allCases), failures: true)
        #expect(all?.contains("no stat, exit, other events") == true && all?.contains("no failed operations") == true)
        #expect(all.map { !$0.contains("\n") } == true)
    }

    @Test func maskForKinds() {
        #expect(FanotifyPlan.mask(for: []) == [])
        #expect(FanotifyPlan.mask(for: [.close]) == [.closeWrite, .closeNoWrite, .onDir])
        #expect(FanotifyPlan.mask(for: [.read, .exec]) == [.access, .openExec, .onDir])
    }
}

/// The directory model alone: paths follow renames in queue order.
@Suite struct DirectoryTreeTests {
    func key(_ n: UInt8) -> [UInt8] { [1, 0, 0, 0, 2, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, n, 0, 0, 0, 0, 0, 0, 0] }
    func path(_ tree: DirectoryTree, _ n: UInt8) -> String? { tree.lookup(key(n)).flatMap { tree.path($0) }.map { String(decoding: $0, as: UTF8.self) } }

    @Test func pathsFollowRenamesOfAncestors() {
        let tree = DirectoryTree()
        let root = tree.addRoot(key: key(1), path: Array("/mnt".utf8))
        let a = tree.add(key: key(2), parent: root, name: Array("a".utf8))
        let b = tree.add(key: key(3), parent: a, name: Array("b".utf8))
        #expect(path(tree, 3) == "/mnt/a/b")
        tree.move(a, to: root, name: Array("a2".utf8))
        #expect(path(tree, 3) == "/mnt/a2/b")
        let c = tree.add(key: key(4), parent: root, name: Array("c".utf8))
        tree.move(b, to: c, name: Array("b".utf8))
        #expect(path(tree, 3) == "/mnt/c/b")
        #expect(tree.isInside(b, c) && !tree.isInside(c, b))
        // Adding a known key moves it.
        tree.add(key: key(3), parent: root, name: Array("top".utf8))
        #expect(path(tree, 3) == "/mnt/top")
        // A mount point stays where it is.
        tree.move(root, to: c, name: Array("x".utf8))
        #expect(path(tree, 1) == "/mnt")
    }

    @Test func overCapacityKeepsOnlyMountPoints() {
        let tree = DirectoryTree(capacity: 3)
        let root = tree.addRoot(key: key(1), path: [0x2F])
        for n in UInt8(2)...6 { tree.add(key: key(n), parent: root, name: [0x61 + n]) }
        #expect(path(tree, 4) == "/e")
        tree.endWindow()
        #expect(tree.count == 1 && path(tree, 1) == "/" && path(tree, 4) == nil)
    }

    @Test func componentsBelowAMountPoint() {
        #expect(HandleResolver.components(Array("/m/a/b".utf8), below: Array("/m".utf8)) == [Array("a".utf8), Array("b".utf8)])
        #expect(HandleResolver.components(Array("/a".utf8), below: [0x2F]) == [Array("a".utf8)])
        #expect(HandleResolver.components(Array("/m".utf8), below: Array("/m".utf8)) == [])
        #expect(HandleResolver.components(Array("/mx/a".utf8), below: Array("/m".utf8)) == nil)
        #expect(HandleResolver.isDeleted(Array("/a/b (deleted)".utf8)))
    }
}
#endif
