import Testing
@testable import FileWatchCore

func ev(_ kind: EventKind = .open, path: ByteString? = "/home/Alice/Docs/Report.TXT", dest: ByteString? = nil,
        pid: Int32 = 10, name: ByteString = "Vim", exe: ByteString? = "/usr/bin/vim", uid: UInt32? = 1000,
        euid: UInt32? = nil, user: String? = nil, result: EventResult = .success, time: Int64 = 1_700_000_000_123_456) -> Event {
    Event(time: time, kind: kind, result: result,
          process: ProcessSubject(pid: pid, name: name, executable: exe, uid: uid, euid: euid ?? uid, user: user),
          path: path, destinationPath: dest, source: .trail)
}

func filter(_ configure: (inout FilterOptions) -> Void) -> EventFilter {
    var o = FilterOptions()
    configure(&o)
    return EventFilter(o)
}

@Suite struct FilterTests {
    @Test func fileIsCaseInsensitiveSubstringOfPathOrDest() {
        let f = filter { $0.files = ["report.txt"] }
        #expect(f.matches(ev()))
        #expect(!f.matches(ev(path: "/home/alice/other")))
        #expect(f.matches(ev(.rename, path: "/tmp/x", dest: "/home/REPORT.txt")))
        #expect(!f.matches(ev(path: nil)), "no path: -f cannot match")
        // Non-ASCII bytes match exactly only (ASCII folding).
        #expect(filter { $0.files = ["é"] }.matches(ev(path: "/tmp/café")))
        #expect(!filter { $0.files = ["É"] }.matches(ev(path: "/tmp/café")))
        // Invalid UTF-8 in paths is fine.
        #expect(filter { $0.files = ["ab"] }.matches(ev(path: ByteString([0x2f, 0xff, 0x41, 0x42]))))
    }

    @Test func orWithinAKindAndAcrossKinds() {
        let f = filter { $0.files = ["notes", "report"]; $0.processes = ["vim", "emacs"] }
        #expect(f.matches(ev()))                                   // report + vim
        #expect(f.matches(ev(path: "/notes", name: "emacs", exe: nil)))
        #expect(!f.matches(ev(path: "/notes", name: "cat", exe: "/bin/cat")))  // file ok, process not
        #expect(!f.matches(ev(path: "/etc/passwd")))               // process ok, file not
    }

    @Test func processMatchesNameOrExecutable() {
        #expect(filter { $0.processes = ["VIM"] }.matches(ev()))
        #expect(filter { $0.processes = ["/usr/bin"] }.matches(ev()))
        #expect(!filter { $0.processes = ["emacs"] }.matches(ev()))
        #expect(filter { $0.processes = ["vi"] }.matches(ev(name: "vi", exe: nil)))
    }

    @Test func kindsDefaultAllAndExplicit() {
        let basic = EventFilter(FilterOptions())
        for k in EventKind.allCases {
            #expect(basic.matches(ev(k)) == ![.stat, .exit, .other].contains(k), "\(k)")
        }
        let all = filter { $0.all = true }
        for k in EventKind.allCases { #expect(all.matches(ev(k))) }
        let some = filter { $0.kinds = [.stat, .delete] }
        #expect(some.matches(ev(.stat)) && some.matches(ev(.delete)))
        #expect(!some.matches(ev(.open)))
        // --event wins over -a
        #expect(!filter { $0.all = true; $0.kinds = [.exec] }.matches(ev(.open)))
    }

    @Test func underIsComponentAware() {
        let f = filter { $0.under = ["/home/Alice/"] }
        #expect(f.matches(ev()))
        #expect(f.matches(ev(path: "/home/Alice")))
        #expect(!f.matches(ev(path: "/home/Alice2/x")))
        #expect(!f.matches(ev(path: "/home/alice/x")), "paths are case-sensitive")
        #expect(f.matches(ev(.rename, path: "/tmp/a", dest: "/home/Alice/a")))
        let two = filter { $0.under = ["/etc", "/var/log"] }
        #expect(two.matches(ev(path: "/var/log/syslog")) && two.matches(ev(path: "/etc/hosts")))
        #expect(!two.matches(ev(path: "/var/lib/x")))
        #expect(filter { $0.under = ["//home/./Alice/x/..//"] }.matches(ev()), "normalized lexically")
        #expect(SubtreePrefix("/a//b/./c/../").prefix == Array("/a/b".utf8))
        #expect(SubtreePrefix("/..").prefix.isEmpty)
        #expect(SubtreePrefix("rel/./x/").prefix == Array("rel/x".utf8))
        #expect(filter { $0.under = ["/"] }.matches(ev(path: "/anything")))
        #expect(!filter { $0.under = ["/"] }.matches(ev(path: "relative")))
    }

    @Test func pidUserResult() {
        #expect(filter { $0.pids = [3, 10] }.matches(ev()))
        #expect(!filter { $0.pids = [3] }.matches(ev()))
        #expect(filter { $0.users = [UserSelector(uid: 1000)] }.matches(ev()))
        #expect(filter { $0.users = [UserSelector(uid: 0)] }.matches(ev(uid: 1000, euid: 0)), "effective uid counts")
        #expect(!filter { $0.users = [UserSelector(uid: 0)] }.matches(ev()))
        #expect(filter { $0.users = [UserSelector(name: "alice")] }.matches(ev(user: "alice")))
        #expect(!filter { $0.users = [UserSelector(name: "alice")] }.matches(ev(user: "bob")))
        let failed = filter { $0.result = .failed }
        #expect(failed.matches(ev(result: .failure(errno: 2))) && !failed.matches(ev()))
        let ok = filter { $0.result = .succeeded }
        #expect(!ok.matches(ev(result: .failure(errno: nil))) && ok.matches(ev()))
    }

    @Test func exclusions() {
        let xp = filter { $0.excludeProcesses = ["VIM"] }
        #expect(!xp.matches(ev()))
        #expect(xp.matches(ev(name: "cat", exe: "/bin/cat")))
        let xpath = filter { $0.excludePaths = ["/tmp/"] }
        #expect(!xpath.matches(ev(path: "/tmp/a")))
        #expect(xpath.matches(ev(.rename, path: "/tmp/a", dest: "/home/a")), "leaves the excluded area")
        #expect(!xpath.matches(ev(.rename, path: "/tmp/a", dest: "/tmp/b")))
        #expect(filter { $0.all = true; $0.excludePaths = ["/tmp"] }.matches(ev(.exit, path: nil)))
    }

    @Test func needleMatching() {
        #expect(ByteNeedle("").isFound(in: []))
        #expect(!ByteNeedle("a").isFound(in: []))
        #expect(ByteNeedle("abc").isFound(in: Array("xxABC".utf8)))
        #expect(!ByteNeedle("abcd").isFound(in: Array("abc".utf8)))
        #expect(ByteNeedle("[]").isFound(in: Array("a[]".utf8)), "only letters fold: [ ] are not { }")
        #expect(!ByteNeedle("{").isFound(in: Array("[".utf8)))
    }
}
