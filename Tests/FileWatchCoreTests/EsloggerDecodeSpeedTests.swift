import Testing
import TestSupport
@testable import FileWatchCore

/// The shortcuts of the eslogger decoder's hot path (process cache, skipping) decide exactly what
/// the plain walk decides: the same message, or the same error at the same offset.
@Suite struct EsloggerDecodeSpeedTests {
    typealias Outcome = Result<EsloggerMessage, JSONError>

    static func decode(_ line: [UInt8], cache: EsloggerProcessCache?) -> Outcome {
        line.withUnsafeBytes { raw in
            do throws(JSONError) { return .success(try EsloggerMessage.decode(raw, cache: cache)) } catch { return .failure(error) }
        }
    }

    /// Full-size lines of every release shape, and the benchmark's shape (a 1.3 KB process).
    static func lines() throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for file in EsloggerFixtures.releases + ["special.jsonl"] { out += try EsloggerFixtures.lines(file) }
        return out + [benchLine(pid: 1000, ppid: 400), benchLine(pid: 1001, ppid: 400)]
    }

    /// A line as bench/eslogger-gen.py writes it (stat blocks, three audit tokens).
    static func benchLine(pid: Int, ppid: Int, name: String = "python3", path: String = "\\/Users\\/alice\\/f0.swift") -> [UInt8] {
        let stat = "{\"st_dev\":16777234,\"st_ino\":77,\"st_mode\":33261,\"st_nlink\":1,\"st_uid\":501,\"st_gid\":20,\"st_rdev\":0,"
            + "\"st_atimespec\":\"2026-03-14T09:20:00.000000000Z\",\"st_mtimespec\":\"2026-03-14T09:20:00.000000000Z\","
            + "\"st_size\":123456,\"st_blocks\":8,\"st_blksize\":4096,\"st_flags\":0,\"st_gen\":0}"
        let token = "{\"auid\":501,\"euid\":501,\"egid\":20,\"ruid\":501,\"rgid\":20,\"pid\":\(pid),\"asid\":100017,\"pidversion\":7}"
        let process = "{\"audit_token\":\(token),\"ppid\":\(ppid),\"original_ppid\":\(ppid),\"group_id\":\(pid),\"session_id\":400,"
            + "\"codesigning_flags\":570522385,\"is_platform_binary\":true,\"is_es_client\":false,"
            + "\"cdhash\":\"0123456789ABCDEF0123456789ABCDEF01234567\",\"signing_id\":\"com.apple.\(name)\",\"team_id\":null,"
            + "\"executable\":{\"path\":\"\\/usr\\/bin\\/\(name)\",\"path_truncated\":false,\"stat\":\(stat)},"
            + "\"tty\":null,\"start_time\":\"2026-03-14T09:00:00.000001Z\",\"parent_audit_token\":\(token)}"
        let line = "{\"schema_version\":1,\"mach_time\":4013747978340,\"event_type\":10,\"thread\":{\"thread_id\":623243},"
            + "\"version\":9,\"seq_num\":0,\"global_seq_num\":1,\"time\":\"2026-03-14T09:00:00.000000123Z\",\"action_type\":1,"
            + "\"action\":{\"result\":{\"result_type\":0,\"result\":{\"auth\":0}}},\"process\":\(process),"
            + "\"event\":{\"open\":{\"fflag\":3,\"file\":{\"path\":\"\(path)\",\"path_truncated\":false,\"stat\":\(stat)}}}}"
        return Array(line.utf8)
    }

    @Test func aCachedProcessDecodesAsTheWalkDoes() throws {
        let cache = EsloggerProcessCache()
        for line in try Self.lines() {
            let plain = Self.decode(line, cache: nil)
            #expect(Self.decode(line, cache: cache) == plain)  // a miss: decoded and kept
            #expect(Self.decode(line, cache: cache) == plain)  // a hit, for objects of 128 bytes or more
        }
        #expect(cache.hits > 0)
        #expect(cache.count > 0)
    }

    @Test func objectsThatShareTheirFirstBytesAreToldApart() throws {
        let cache = EsloggerProcessCache()
        // Same first 128 bytes (token, parents), different names further on.
        let lines = (0..<6).map { Self.benchLine(pid: 1000, ppid: 400, name: "p\($0)") }
        for _ in 0..<3 {
            for (i, line) in lines.enumerated() {
                let m = try #require(try? Self.decode(line, cache: cache).get())
                #expect(m.process?.signingID == "com.apple.p\(i)")
                #expect(m.process?.executable?.path == ByteString("/usr/bin/p\(i)"))
                #expect(Self.decode(line, cache: cache) == Self.decode(line, cache: nil))
            }
        }
        #expect(cache.count <= EsloggerProcessCache.setSize, "one set, bounded")
    }

    /// A hit decides as a miss does: every prefix of a line meets a warm cache (its process kept)
    /// and an empty one, with the same outcome — also where the prefix ends inside the object.
    @Test func everyTruncatedPrefixFailsOrDecodesAsWithAColdCache() throws {
        for line in try Self.lines() {
            let warm = EsloggerProcessCache()
            _ = Self.decode(line, cache: warm)
            for k in 0..<line.count {
                let prefix = Array(line[..<k])
                #expect(Self.decode(prefix, cache: warm) == Self.decode(prefix, cache: EsloggerProcessCache()), "prefix of \(k) bytes")
            }
        }
    }

    static func decode(_ line: [UInt8], quickRests: Bool) -> Outcome {
        line.withUnsafeBytes { raw in
            do throws(JSONError) {
                return .success(try EsloggerMessage.decode(raw, cache: nil, quickRests: quickRests))
            } catch {
                return .failure(error)
            }
        }
    }

    /// The rest of a `stat` block after `st_mode`, skipped in one tight loop, decides exactly as
    /// the member walk: on the fixtures, the benchmark's lines, every third prefix of them, and
    /// 200,000 mutated lines.
    @Test func theQuickRestOfStatDecidesAsTheWalk() throws {
        let lines = try Self.lines()
        for line in lines {
            #expect(Self.decode(line, quickRests: true) == Self.decode(line, quickRests: false))
            for k in stride(from: 0, to: line.count, by: 3) {
                let prefix = Array(line[..<k])
                #expect(Self.decode(prefix, quickRests: true) == Self.decode(prefix, quickRests: false), "prefix of \(k) bytes")
            }
        }
        var mutator = EsloggerMutator(state: 0x5747)
        let templates = try esloggerTemplates() + lines
        var failed = 0
        for _ in 0..<200_000 {
            let line = mutator.mutate(templates[mutator.below(templates.count)])
            let quick = Self.decode(line, quickRests: true)
            #expect(quick == Self.decode(line, quickRests: false), "\(String(decoding: line, as: UTF8.self))")
            if case .failure = quick { failed += 1 }
        }
        #expect(failed > 10_000, "the mutations reach the errors: \(failed)")
    }

    @Test func theFirstStModeWins() throws {
        let line = Array(#"{"event":{"open":{"file":{"path":"/a","stat":{"st_dev":1,"st_mode":16877,"st_mode":33188,"x":[1]}}}}}"#.utf8)
        for quick in [true, false] {
            let m = try Self.decode(line, quickRests: quick).get()
            #expect(m.payload.file?.mode == 0o40755)
            #expect(m.payload.file?.isDirectory == true)
        }
    }

    @Test func theCacheStaysBounded() {
        let cache = EsloggerProcessCache(capacity: 8)
        for pid in 0..<100 { _ = Self.decode(Self.benchLine(pid: 2000 + pid, ppid: 1), cache: cache) }
        #expect(cache.count <= 8)
    }
}
