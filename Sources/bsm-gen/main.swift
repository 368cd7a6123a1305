// bsm-gen: writes a synthetic OpenBSM trail of macOS-like file records made with our encoder
// (header32, arg32, path, attr32, subject32, return32, trailer), for benchmarks and fuzz seeds.
//   bsm-gen <output file> [record count (default 1000000)] [--mix files|audit] [--start SECONDS]
// --mix audit: a /var/audit-like mix for selection benchmarks: 60 % file records (10 % of all
// records unlink(2), half of those under /Users/), 40 % others (execve with arguments, fork,
// logins with text tokens, setuid); file tokens at the start and end. --start: the first
// record's time (seconds since the epoch; records are 100 ms apart).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BSM
import SystemPackage

/// Takes `--name VALUE` out of `args`.
func option(_ name: String, from args: inout [String]) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    defer { args.removeSubrange(i...(i + 1)) }
    return args[i + 1]
}
var args = Array(CommandLine.arguments)
let mix = option("--mix", from: &args) ?? "files"
let start = option("--start", from: &args).flatMap { UInt64($0) }
guard args.count >= 2, args.count <= 3, let count = args.count == 3 ? Int(args[2]) : 1_000_000, count >= 0,
      mix == "files" || mix == "audit" else {
    FileDescriptor.standardError.writeAllIgnoringErrors("usage: bsm-gen <output file> [record count] [--mix files|audit] [--start SECONDS]\n")
    exit(2)
}

let events: [(UInt16, UInt32)] = [(72, 0x0), (76, 0x1), (80, 0x2), (77, 0x201), (73, 0x200), (112, 0x0), (3, 0x0)]
let dirs = ["/Users/alice/Library/Caches/com.apple.Safari", "/Users/alice/Documents/Projects/filewatcher/Sources",
            "/private/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T", "/System/Library/Frameworks/CoreFoundation.framework/Versions/A",
            "/usr/lib", "/Applications/Xcode.app/Contents/Developer/usr/bin", "/private/tmp"]
let names = ["Cache.db", "main.swift", "tmp.8Qk3Xz", "CoreFoundation", "libSystem.B.dylib", "swift-frontend", "build.log"]
let users: [(UInt32, UInt32)] = [(501, 20), (0, 0), (88, 88), (501, 12)]

let fd: FileDescriptor
do {
    fd = try FileDescriptor.open(FilePath(args[1]), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite, .groupRead, .otherRead])
} catch {
    FileDescriptor.standardError.writeAllIgnoringErrors("bsm-gen: \(args[1]): \(error)\n")
    exit(1)
}

var out: [UInt8] = []
out.reserveCapacity(8 << 20)
var seconds: UInt64 = start ?? 1_700_000_000
var total = 0
if mix == "audit" {
    Token.file(FileToken(seconds: UInt32(truncatingIfNeeded: seconds), milliseconds: 0, name: BSMBytes(Array(args[1].utf8) + [0])))
        .encode(into: &out)
}
for i in 0..<count {
    if mix == "audit" {
        AuditMix.record(i, start: start ?? 1_700_000_000).encode(into: &out)
        if out.count >= 4 << 20 {
            do { try out.withUnsafeBytes { _ = try fd.writeAll($0) } } catch {
                FileDescriptor.standardError.writeAllIgnoringErrors("bsm-gen: write: \(error)\n"); exit(1)
            }
            total += out.count
            out.removeAll(keepingCapacity: true)
        }
        continue
    }
    let (event, flags) = events[i % events.count]
    let (uid, gid) = users[(i / 7) % users.count]
    let path = dirs[(i / 3) % dirs.count] + "/" + names[(i / 5) % names.count]
    let pid = UInt32(300 + (i / 11) % 4000)
    let failed = i % 97 == 0
    if i % 10 == 0 { seconds += 1 }
    let rec = RecordBuilder(kind: .header32, event: event, seconds: seconds, milliseconds: UInt64(i % 1000), tokens: [
        .arg32(Arg(number: 2, value: UInt64(flags), text: "flags")),
        .path(BSMBytes(Array(path.utf8) + [0])),
        .attr32(Attr(mode: 0o100644, uid: uid, gid: gid, fsid: 16_777_220, nodeid: UInt64(1_000_000 + i % 50_000), device: 0)),
        .subject32(Subject(auid: 501, euid: uid, egid: gid, ruid: 501, rgid: 20, pid: pid, sid: 100_004,
                           port: 50_331_650, address: .v4(0))),
        .return32(ReturnToken(status: failed ? 2 : 0, value: failed ? 0xffff_ffff : UInt64(3 + i % 200))),
    ])
    rec.encode(into: &out)
    if out.count >= 4 << 20 {
        do { try out.withUnsafeBytes { _ = try fd.writeAll($0) } } catch {
            FileDescriptor.standardError.writeAllIgnoringErrors("bsm-gen: write: \(error)\n"); exit(1)
        }
        total += out.count
        out.removeAll(keepingCapacity: true)
    }
}
if mix == "audit" {
    let end = (start ?? 1_700_000_000) + UInt64(count) / 10
    Token.file(FileToken(seconds: UInt32(truncatingIfNeeded: end), milliseconds: 0, name: BSMBytes(Array(args[1].utf8) + [0])))
        .encode(into: &out)
}
do { try out.withUnsafeBytes { _ = try fd.writeAll($0) }; try fd.close() } catch {
    FileDescriptor.standardError.writeAllIgnoringErrors("bsm-gen: write: \(error)\n"); exit(1)
}
total += out.count
FileDescriptor.standardError.writeAllIgnoringErrors("bsm-gen: wrote \(count) records, \(total) bytes to \(args[1])\n")

extension FileDescriptor {
    func writeAllIgnoringErrors(_ s: String) {
        var s = s
        s.withUTF8 { _ = try? writeAll(UnsafeRawBufferPointer($0)) }
    }
}

