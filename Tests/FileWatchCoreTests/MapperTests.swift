import BSM
import Testing
@testable import FileWatchCore
import TestSupport

@Suite struct MapperTests {
    @Test func sessionMapsFieldByField() throws {
        let (events, damage) = TrailFixture.events(TrailFixture.trail(TrailFixture.session))
        #expect(damage.isEmpty)
        try #require(events.count == 13)
        let t0 = Int64(TrailFixture.t0) * 1_000_000

        // exec: the pid's executable and arguments are learned.
        let exec = events[0]
        #expect(exec.kind == .exec)
        #expect(exec.time == t0)
        #expect(exec.path == "/usr/bin/vim")
        #expect(exec.process.pid == 4242)
        #expect(exec.process.name == "vim")
        #expect(exec.process.executable == "/usr/bin/vim")
        #expect(exec.process.arguments == ["vim", "notes.txt"])
        #expect(exec.process.uid == 501 && exec.process.euid == 501 && exec.process.auid == 501 && exec.process.gid == 20)
        #expect(exec.source == .trail)
        #expect(exec.detail == .bsm(event: 23, name: nil, modifier: 0))

        // later record of the same pid: named from the exec.
        let open = events[1]
        #expect(open.kind == .open)
        #expect(open.openFlags == [.read])
        #expect(open.time == t0 + 5_000)
        #expect(open.path == "/Users/a/notes.txt")
        #expect(open.destinationPath == nil)
        #expect(open.process.name == "vim")
        #expect(open.process.executable == "/usr/bin/vim")
        #expect(open.result == .success)

        #expect(events[2].kind == .open && events[2].openFlags == [.write, .create, .truncate])

        let rename = events[3]
        #expect(rename.kind == .rename)
        #expect(rename.path == "/Users/a/.notes.txt.swp")
        #expect(rename.destinationPath == "/Users/a/notes.txt")

        let unlink = events[4]
        #expect(unlink.kind == .delete)
        #expect(unlink.result == .failure(errno: 2))
        #expect(!unlink.isDirectory)

        #expect(events[5].kind == .open && events[5].openFlags == [.read, .write, .create, .truncate])

        let symlink = events[6]
        #expect(symlink.kind == .link)
        #expect(symlink.path == "target.txt")
        #expect(symlink.destinationPath == "/Users/a/link")

        #expect(events[7].kind == .create && events[7].isDirectory)
        #expect(events[8].kind == .delete && events[8].isDirectory)
        #expect(events[9].kind == .attrib)
        #expect(events[10].kind == .stat && events[10].path == "/etc/hosts")
        #expect(events[11].kind == .close)
        #expect(events[12].kind == .exit && events[12].process.name == "vim")
    }

    @Test func exitForgetsThePid() {
        let mapper = BSMEventMapper()
        _ = TrailFixture.events(TrailFixture.trail(TrailFixture.session), mapper: mapper)
        #expect(mapper.image(of: 4242) == nil)
        let (after, _) = TrailFixture.events(TrailFixture.trail([TrailFixture.record(72, [TrailFixture.subject(pid: 4242), TrailFixture.path("/x"), TrailFixture.ret()])]), mapper: mapper)
        #expect(after.first?.process.name == "")
        #expect(after.first?.process.executable == nil)
    }

    @Test func everyOpenVariant() {
        let expected: [OpenFlags] = [
            [.read], [.read, .create], [.read, .truncate], [.read, .create, .truncate],
            [.write], [.write, .create], [.write, .truncate], [.write, .create, .truncate],
            [.read, .write], [.read, .write, .create], [.read, .write, .truncate], [.read, .write, .create, .truncate],
        ]
        for base: UInt16 in [72, 270, 43170] {
            for (i, flags) in expected.enumerated() {
                let c = BSMEventClassification.classify(base + UInt16(i))
                #expect(c.kind == .open && c.openFlags == flags, "event \(base + UInt16(i))")
            }
        }
        for attrOnly: UInt16 in [3, 43169, 43184] {
            #expect(BSMEventClassification.classify(attrOnly) == BSMEventClass(.open))
        }
        #expect(BSMEventClassification.classify(286).kind == .delete)  // unlinkat
        #expect(BSMEventClassification.classify(282).kind == .rename)  // renameat
        #expect(BSMEventClassification.classify(43190).kind == .exec)  // posix_spawn
        #expect(BSMEventClassification.classify(43).kind == .write)    // truncate
        #expect(BSMEventClassification.classify(22).kind == .stat)     // readlink
        #expect(BSMEventClassification.classify(336).kind == .attrib)  // setattrlist
        #expect(BSMEventClassification.classify(6152).kind == .other)  // AUE_login
    }

    @Test func subjectFormsAndHeaders() {
        let s = Subject(auid: 0xffff_ffff, euid: 0, egid: 0, ruid: 501, rgid: 20, pid: 77, sid: 1, port: 0, address: .v6(1, 2))
        for (kind, subj) in [(HeaderKind.header64, Token.subject64(s)), (.header32Ex, .subject32Ex(s)), (.header64Ex, .subject64Ex(s))] {
            let (ev, _) = TrailFixture.events(TrailFixture.trail([TrailFixture.record(76, ms: 250, kind: kind, [subj, TrailFixture.path("/tmp/f"), TrailFixture.ret()])]))
            #expect(ev.count == 1)
            #expect(ev.first?.process.pid == 77)
            #expect(ev.first?.process.uid == 501)
            #expect(ev.first?.process.euid == 0)
            #expect(ev.first?.process.auid == nil, "auid -1 is unset")
            #expect(ev.first?.time == Int64(TrailFixture.t0) * 1_000_000 + 250_000)
            #expect(ev.first?.openFlags == [.write])
        }
    }

    @Test func posixSpawnTeachesTheChild() {
        let spawn = TrailFixture.record(43190, [
            .arg32(Arg(number: 0, value: 999, text: BSMBytes(Array("child PID".utf8) + [0]))),
            .execArgs(ExecStrings([Array("ls".utf8), Array("-l".utf8)])),
            TrailFixture.path("/bin/ls"), TrailFixture.subject(pid: 100), TrailFixture.ret(),
        ])
        let child = TrailFixture.record(72, [TrailFixture.subject(pid: 999), TrailFixture.path("/etc/passwd"), TrailFixture.ret()])
        let (ev, _) = TrailFixture.events(TrailFixture.trail([spawn, child]))
        #expect(ev.count == 2)
        #expect(ev[0].kind == .exec && ev[0].process.pid == 100 && ev[0].process.arguments == ["ls", "-l"])
        #expect(ev[0].process.executable == nil, "the parent is not /bin/ls")
        #expect(ev[1].process.name == "ls" && ev[1].process.executable == "/bin/ls")
    }

    @Test func forkInheritsTheParentsExecutable() {
        let exec = TrailFixture.record(23, [TrailFixture.path("/usr/bin/make"), TrailFixture.subject(pid: 10), TrailFixture.ret()])
        let fork = TrailFixture.record(2, [.arg32(Arg(number: 0, value: 11, text: BSMBytes(Array("child PID".utf8) + [0]))),
                                      TrailFixture.subject(pid: 10), TrailFixture.ret(0, 11)])
        let child = TrailFixture.record(112, [TrailFixture.subject(pid: 11), TrailFixture.path("/tmp/o"), TrailFixture.ret()])
        let (ev, _) = TrailFixture.events(TrailFixture.trail([exec, fork, child]))
        #expect(ev.map(\.kind) == [.exec, .other, .close])
        #expect(ev[2].process.name == "make")
    }

    @Test func failedExecTeachesNothing() {
        let exec = TrailFixture.record(23, [.execArgs(ExecStrings([Array("nope".utf8), Array("-x".utf8)])),
                                       TrailFixture.path("/usr/bin/nope"), TrailFixture.subject(pid: 5), TrailFixture.ret(13, 0xffff_ffff)])
        let later = TrailFixture.record(72, [TrailFixture.subject(pid: 5), TrailFixture.path("/a"), TrailFixture.ret()])
        let (ev, _) = TrailFixture.events(TrailFixture.trail([exec, later]))
        #expect(ev[0].result == .failure(errno: 13))
        #expect(ev[0].process.arguments == ["nope", "-x"], "the failed exec still shows its command line")
        #expect(ev[0].process.executable == nil)
        #expect(ev[1].process.executable == nil)
        #expect(ev[1].process.arguments == nil)
    }

    @Test func identityToken() {
        let id = Identity(signerType: 1, signingID: BSMBytes(Array("com.apple.vim".utf8) + [0]), signingIDTruncated: 0,
                          teamID: BSMBytes(Array("ABCDE12345".utf8) + [0]), teamIDTruncated: 0,
                          cdHash: BSMBytes([0xde, 0xad, 0xbe, 0xef]))
        let r = TrailFixture.record(72, [TrailFixture.subject(pid: 1), TrailFixture.path("/x"), .identity(id), TrailFixture.ret()])
        let (ev, _) = TrailFixture.events(TrailFixture.trail([r]))
        #expect(ev.first?.process.signingID == "com.apple.vim")
        #expect(ev.first?.process.teamID == "ABCDE12345")
        #expect(ev.first?.process.cdhash == [0xde, 0xad, 0xbe, 0xef])
    }

    @Test func errnoGoesThroughTheHostTable() {
        // BSM 93 is ENOTEMPTY on every BSM system; Linux says 39.
        let mapper = BSMEventMapper(hostErrno: { $0 == 93 ? 39 : nil })
        let r = TrailFixture.record(48, [TrailFixture.subject(pid: 1), TrailFixture.path("/d"), TrailFixture.ret(93, 0xffff_ffff)])
        let r2 = TrailFixture.record(48, [TrailFixture.subject(pid: 1), TrailFixture.path("/d"), TrailFixture.ret(250, 0xffff_ffff)])
        let (ev, _) = TrailFixture.events(TrailFixture.trail([r, r2]), mapper: mapper)
        #expect(ev[0].result == .failure(errno: 39))
        #expect(ev[1].result == .failure(errno: nil))
    }

    @Test func pidMemoryIsBounded() {
        let mapper = BSMEventMapper(capacity: 4)
        var records: [RecordBuilder] = []
        for pid: UInt32 in 1...10 {
            records.append(TrailFixture.record(23, [TrailFixture.path("/bin/p\(pid)"), TrailFixture.subject(pid: pid), TrailFixture.ret()]))
        }
        _ = TrailFixture.events(TrailFixture.trail(records), mapper: mapper)
        #expect(mapper.rememberedPIDs == 4)
        #expect(mapper.image(of: 10)?.executable == "/bin/p10")
        #expect(mapper.image(of: 1) == nil)
    }

    @Test func recordWithoutHeaderGivesNothing() {
        #expect(BSMEventMapper().map([TrailFixture.path("/x")]) == nil)
    }
}
