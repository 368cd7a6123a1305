import Testing
@testable import FileWatchCore

@Suite struct GlobTests {
    func m(_ pattern: String, _ path: String) throws -> Bool { try Glob(pattern).matches(ByteString(path)) }

    @Test func literalsAndStar() throws {
        #expect(try m("/etc/shadow", "/etc/shadow"))
        #expect(try !m("/etc/shadow", "/etc/shadow-"))
        #expect(try !m("/etc/shadow", "/etc/shado"))
        #expect(try m("/etc/*.conf", "/etc/a.conf"))
        #expect(try m("/etc/*.conf", "/etc/.conf"))
        #expect(try !m("/etc/*.conf", "/etc/sub/a.conf"), "* never crosses /")
        #expect(try m("/home/*/.ssh/id_*", "/home/bob/.ssh/id_ed25519"))
        #expect(try !m("/home/*/.ssh/id_*", "/home/bob/x/.ssh/id_rsa"))
        #expect(try m("/a/*b*c", "/a/xxbyyc"))
        #expect(try !m("/a/*b*c", "/a/xxbyyc/d"))
    }

    @Test func questionAndClasses() throws {
        #expect(try m("/tmp/?.log", "/tmp/a.log"))
        #expect(try !m("/tmp/?.log", "/tmp/ab.log"))
        #expect(try !m("/tmp?x", "/tmp/x"), "? never matches /")
        #expect(try m("/v/[abc]", "/v/b"))
        #expect(try !m("/v/[abc]", "/v/d"))
        #expect(try m("/v/[a-c0-9]x", "/v/7x"))
        #expect(try m("/v/[!a-c]", "/v/d"))
        #expect(try !m("/v/[^a-c]", "/v/a"))
        #expect(try m("/v/[]]", "/v/]"))
        #expect(try !m("/v[!a]x", "/v/x"), "a negated class never matches /")
        #expect(try m("/v/\\*", "/v/*"))
        #expect(try !m("/v/\\*", "/v/a"))
    }

    @Test func globstar() throws {
        #expect(try m("/home/**/id_rsa", "/home/id_rsa"))
        #expect(try m("/home/**/id_rsa", "/home/u/.ssh/id_rsa"))
        #expect(try !m("/home/**/id_rsa", "/home/u/.ssh/id_rsa.pub"))
        #expect(try m("/srv/**", "/srv/a/b/c"))
        #expect(try !m("/srv/**", "/srvx/a"))
        #expect(try m("**/secret", "/any/where/secret"))
        #expect(try m("/a/**.key", "/a/b/c/d.key"), "** inside a component crosses /")
        #expect(try m("/a/**/b/**/c", "/a/b/c"))
        #expect(try m("/a/**/b/**/c", "/a/x/b/y/z/c"))
        #expect(try !m("/a/**/b/**/c", "/a/x/y/z/c"))
    }

    @Test func subtreeAndBasename() throws {
        #expect(try m("/etc/ssh/", "/etc/ssh"))
        #expect(try m("/etc/ssh/", "/etc/ssh/sshd_config"))
        #expect(try m("/etc/ssh/", "/etc/ssh/a/b"))
        #expect(try !m("/etc/ssh/", "/etc/sshd"))
        #expect(try m("/home/*/.gnupg/", "/home/al/.gnupg/private-keys-v1.d/x.key"))
        #expect(try m("*.pem", "/etc/ssl/private/key.pem"))
        #expect(try !m("*.pem", "/etc/ssl/private/key.pem.bak"))
        #expect(try m("id_rsa", "/root/.ssh/id_rsa"))
        #expect(try m("/", "/etc/passwd"), "the root subtree is everything")
        #expect(try m("/", "/"))
        #expect(try m("//", "/a/b"))
    }

    @Test func nonUTF8Bytes() throws {
        let g = try Glob(bytes: Array("/data/".utf8) + [0xFF, 0x2A]) // "/data/\xFF*"
        #expect(g.matches(ByteString(Array("/data/".utf8) + [0xFF, 0xFE, 0x41])))
        #expect(!g.matches(ByteString(Array("/data/".utf8) + [0xFE])))
        let cls = try Glob(bytes: Array("/d/[".utf8) + [0x80, UInt8(ascii: "-"), 0xFF] + Array("]".utf8))
        #expect(cls.matches(ByteString(Array("/d/".utf8) + [0xC3])))
        #expect(!cls.matches(ByteString("/d/a")))
    }

    @Test func badPatterns() {
        #expect(throws: Glob.Problem.empty) { try Glob("") }
        #expect(throws: Glob.Problem.unterminatedClass(offset: 3)) { try Glob("/a/[bc") }
        #expect(throws: Glob.Problem.trailingBackslash) { try Glob("/a\\") }
    }

    @Test func pathologicalPatternStaysFast() throws {
        let g = try Glob("/**/a*/**/a*/**/a*/**/a*/**/a*/**/x")
        let path = ByteString("/" + Array(repeating: "a", count: 40).joined(separator: "/") + "/y")
        #expect(!g.matches(path))
    }
}
