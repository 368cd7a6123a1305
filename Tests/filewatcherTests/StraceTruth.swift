// What `strace -f -y` of a run says the kernel must have reported, for comparing real programs'
// runs with filewatcher's output: every successful system call on a path under a directory becomes
// the fanotify event it causes, with the process (thread group) that made it.
//
// Required: open, read (>0 bytes, getdents), write (>0 bytes, truncate), create (O_EXCL, mkdir,
// symlink), link (hard links, by the new name), delete (unlink, rmdir), rename, attrib (chmod, chown, utimes, xattrs), exec. Allowed without
// being required: create by O_CREAT (the file may have existed), write by O_TRUNC, close (the kernel
// reports the last close of a file, which may be another process's, or an exit), and the kernel's own
// read and close of a binary it execs.

import Foundation

struct StraceTruth {
    var required = Set<OracleTuple>()
    var allowed = Set<OracleTuple>()
    var calls = 0

    /// One system call line (after joining "unfinished"/"resumed" halves): pid, name, arguments, result.
    struct Call {
        var pid: Int32
        var name: String
        var arguments: [String]
        var result: String
    }

    /// The calls of a trace in order, "unfinished" and "resumed" halves joined.
    static func calls(_ trace: String) -> [Call] {
        var pending: [Int32: String] = [:]
        var calls: [Call] = []
        for raw in trace.split(separator: "\n") {
            guard let space = raw.firstIndex(of: " "), let pid = Int32(raw[..<space]) else { continue }
            var line = String(raw[raw.index(after: space)...]).trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("<unfinished ...>") {
                pending[pid] = String(line.dropLast("<unfinished ...>".count))
                continue
            }
            if line.hasPrefix("<... "), let resumed = line.range(of: " resumed>") {
                line = (pending.removeValue(forKey: pid) ?? "") + line[resumed.upperBound...]
            }
            if let call = parse(pid: pid, line) { calls.append(call) }
        }
        return calls
    }

    /// Parses `strace -f -y -s 16 -o FILE` output and keeps the events on paths under `root` (`cwd`: the
    /// traced program's working directory at its start).
    init(trace: String, root: String, cwd: String) {
        let calls = Self.calls(trace)
        // Who forked whom (a child's first calls may come before its parent's fork returns).
        var parent: [Int32: Int32] = [:]
        var tgid: [Int32: Int32] = [:]
        for call in calls where ["fork", "vfork", "clone", "clone3"].contains(call.name) {
            guard let child = Int32(call.result.prefix { $0.isNumber }) else { continue }
            parent[child] = call.pid
            if call.arguments.joined().contains("CLONE_THREAD") { tgid[child] = call.pid }
        }
        func group(_ tid: Int32) -> Int32 {
            var t = tid
            for _ in 0..<64 { guard let up = tgid[t] else { break }; t = up }
            return t
        }
        // Working directories (for the system calls without a directory descriptor), inherited at a fork;
        // descriptors' paths (for /proc/self/fd/N), from strace's annotations.
        var cwds: [Int32: String] = [:]
        var fds: [Int32: [String: String]] = [:]
        func workingDirectory(_ pid: Int32) -> String {
            if let known = cwds[pid] { return known }
            let inherited = parent[pid].map(workingDirectory) ?? cwd
            cwds[pid] = inherited
            return inherited
        }
        for var call in calls {
            let pid = call.pid
            self.calls += 1
            let here = workingDirectory(pid)
            for argument in call.arguments + [call.result] where !argument.hasPrefix("\"") {
                if let open = argument.firstIndex(of: "<"), let path = Self.fdPath(argument) {
                    fds[group(pid), default: [:]][String(argument[..<open])] = path
                }
            }
            // chmod("/proc/self/fd/5") and the like: the descriptor's file.
            call.arguments = call.arguments.map { argument in
                guard let name = Self.unquote(argument), name.hasPrefix("/proc/self/fd/"),
                      let path = fds[group(pid)]?[String(name.dropFirst("/proc/self/fd/".count))] else { return argument }
                return "\"" + path + "\""
            }
            if call.name == "chdir", !call.result.hasPrefix("-1"), let path = Self.path(call.arguments.first, relativeTo: here) {
                cwds[pid] = path
            }
            if call.name == "fchdir", !call.result.hasPrefix("-1"), let path = Self.fdPath(call.arguments.first) { cwds[pid] = path }

            add(call, group(pid), root: root, cwd: workingDirectory(pid))
        }
    }

    private mutating func add(_ call: Call, _ pid: Int32, root: String, cwd: String) {
        guard !call.result.hasPrefix("-1"), !call.result.hasPrefix("?") else { return }
        let a = call.arguments
        func inScope(_ path: String?) -> String? {
            guard let path, path == root || path.hasPrefix(root + "/") else { return nil }
            return path
        }
        func need(_ kind: String, _ path: String?, dest: String? = nil) {
            guard let path = inScope(path) else { return }
            required.insert(OracleTuple(kind: kind, path: path, dest: dest, pid: pid))
        }
        func may(_ kind: String, _ path: String?) {
            guard let path = inScope(path) else { return }
            allowed.insert(OracleTuple(kind: kind, path: path, dest: nil, pid: pid))
        }
        let count = Int(call.result.prefix { $0.isNumber || $0 == "-" }) ?? 0
        switch call.name {
        case "open", "openat", "openat2", "creat":
            let flags = call.name == "creat" ? "O_CREAT|O_TRUNC" : (call.name == "open" ? a[safe: 1] : a[safe: 2]) ?? ""
            if flags.contains("O_PATH") { return }
            let path = Self.fdPath(call.result)
            need("open", path)
            may("close", path)
            if flags.contains("O_CREAT") { flags.contains("O_EXCL") ? need("create", path) : may("create", path) }
            if flags.contains("O_TRUNC") { may("write", path) }
        case "read", "pread64", "readv", "preadv", "preadv2":
            if count > 0 { need("read", Self.fdPath(a[safe: 0])) }
        case "getdents64", "getdents":
            need("read", Self.fdPath(a[safe: 0]))
        case "write", "pwrite64", "writev", "pwritev", "pwritev2":
            if count > 0 { need("write", Self.fdPath(a[safe: 0])) }
        case "copy_file_range":
            if count > 0 { need("read", Self.fdPath(a[safe: 0])); need("write", Self.fdPath(a[safe: 2])) }
        case "sendfile", "sendfile64":
            if count > 0 { need("read", Self.fdPath(a[safe: 1])); need("write", Self.fdPath(a[safe: 0])) }
        case "ftruncate", "fallocate":
            need("write", Self.fdPath(a[safe: 0]))
        case "truncate":
            need("write", Self.path(a[safe: 0], relativeTo: cwd))
        case "close":
            may("close", Self.fdPath(a[safe: 0]))
        case "rename":
            need("rename", Self.path(a[safe: 0], relativeTo: cwd), dest: Self.path(a[safe: 1], relativeTo: cwd))
        case "renameat", "renameat2":
            if (a[safe: 4] ?? "").contains("RENAME_EXCHANGE") { return }
            need("rename", Self.at(a[safe: 0], a[safe: 1], cwd), dest: Self.at(a[safe: 2], a[safe: 3], cwd))
        case "unlink", "rmdir":
            need("delete", Self.path(a[safe: 0], relativeTo: cwd))
        case "unlinkat":
            need("delete", Self.at(a[safe: 0], a[safe: 1], cwd))
        case "mkdir":
            need("create", Self.path(a[safe: 0], relativeTo: cwd))
        case "mkdirat", "mknodat":
            need("create", Self.at(a[safe: 0], a[safe: 1], cwd))
        case "link":
            need("link", Self.path(a[safe: 1], relativeTo: cwd))  // a hard link: named by its new name
        case "symlink":
            need("create", Self.path(a[safe: 1], relativeTo: cwd))
        case "linkat":
            need("link", Self.at(a[safe: 2], a[safe: 3], cwd))
        case "symlinkat":
            need("create", Self.at(a[safe: 1], a[safe: 2], cwd))
        case "chmod", "chown", "lchown", "utime", "utimes", "setxattr", "lsetxattr", "removexattr", "lremovexattr":
            need("attrib", Self.path(a[safe: 0], relativeTo: cwd))
        case "fchmod", "fchown", "fsetxattr", "fremovexattr":
            need("attrib", Self.fdPath(a[safe: 0]))
        case "fchmodat", "fchownat", "futimesat":
            need("attrib", Self.at(a[safe: 0], a[safe: 1], cwd))
        case "utimensat":
            // utimensat(fd, NULL, ...) is futimens on fd itself. Both times set: attrib; only the
            // modification time: write; only the access time: read; neither: nothing.
            let path = a[safe: 1] == "NULL" ? Self.fdPath(a[safe: 0]) : Self.at(a[safe: 0], a[safe: 1], cwd)
            let times = a[safe: 2] ?? "NULL"
            let omitted = times.components(separatedBy: "UTIME_OMIT").count - 1
            if times == "NULL" || omitted == 0 { need("attrib", path) }
            else if omitted == 1 { need(times.hasPrefix("[UTIME_OMIT") ? "write" : "read", path) }
        case "execve", "execveat":
            guard var path = Self.unquote(a[safe: call.name == "execve" ? 0 : 1] ?? "") else { return }
            if !path.hasPrefix("/") { path = cwd + "/" + path }
            path = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            need("exec", path)
            may("read", path); may("close", path); may("open", path)
        default:
            break
        }
    }

    /// `3</tmp/x/f>` or a result `= 3</tmp/x/f>` → `/tmp/x/f`.
    static func fdPath(_ text: String?) -> String? {
        guard let text, let open = text.firstIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else { return nil }
        let inside = String(text[text.index(after: open)..<close])
        return inside.hasPrefix("/") ? inside : nil
    }

    /// A path argument relative to `cwd`, normalized.
    static func path(_ text: String?, relativeTo cwd: String) -> String? {
        guard let text, let name = unquote(text) else { return nil }
        return normalize(name.hasPrefix("/") ? name : cwd + "/" + name)
    }

    /// A (dirfd, name) pair: `AT_FDCWD</cwd>, "name"` or `3</dir>, "name"`.
    static func at(_ dirfd: String?, _ name: String?, _ cwd: String) -> String? {
        guard let name, let unquoted = unquote(name) else { return nil }
        if unquoted.hasPrefix("/") { return normalize(unquoted) }
        guard let base = fdPath(dirfd) ?? (dirfd?.hasPrefix("AT_FDCWD") == true ? cwd : nil) else { return nil }
        return normalize(unquoted.isEmpty ? base : base + "/" + unquoted)
    }

    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// A C string as strace prints it ("a\"b", octal escapes) → the string; nil when not a string.
    static func unquote(_ text: String) -> String? {
        guard text.hasPrefix("\""), let end = text.lastIndex(of: "\""), end > text.startIndex else { return nil }
        var bytes: [UInt8] = []
        let input = Array(text[text.index(after: text.startIndex)..<end].utf8)
        var k = 0
        func isOctal(_ at: Int) -> Bool { at < input.count && (48...55).contains(input[at]) }
        while k < input.count {
            let c = input[k]
            k += 1
            guard c == UInt8(ascii: "\\"), k < input.count else { bytes.append(c); continue }
            let e = input[k]
            k += 1
            switch e {
            case UInt8(ascii: "n"): bytes.append(10)
            case UInt8(ascii: "t"): bytes.append(9)
            case 48...55:  // up to three octal digits
                var value = Int(e - 48)
                for _ in 0..<2 where isOctal(k) { value = value * 8 + Int(input[k] - 48); k += 1 }
                bytes.append(UInt8(truncatingIfNeeded: value))
            default: bytes.append(e)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `name(arg, arg, ...) = result`, arguments split at top-level commas (quotes, brackets, braces and
    /// strace's `<path>` annotations kept whole).
    static func parse(pid: Int32, _ line: String) -> Call? {
        guard let paren = line.firstIndex(of: "("),
              let equals = line.range(of: #"\)\s+= "#, options: [.regularExpression, .backwards]) else { return nil }
        let name = String(line[..<paren])
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        let inner = line[line.index(after: paren)..<equals.lowerBound]
        var arguments: [String] = []
        var current = ""
        var depth = 0
        var quoted = false
        var escaped = false
        for ch in inner {
            if quoted {
                current.append(ch)
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { quoted = false }
                continue
            }
            switch ch {
            case "\"": quoted = true; current.append(ch)
            case "(", "[", "{", "<": depth += 1; current.append(ch)
            case ")", "]", "}", ">": depth -= 1; current.append(ch)
            case "," where depth == 0: arguments.append(current.trimmingCharacters(in: .whitespaces)); current = ""
            default: current.append(ch)
            }
        }
        if !current.isEmpty { arguments.append(current.trimmingCharacters(in: .whitespaces)) }
        return Call(pid: pid, name: name, arguments: arguments, result: String(line[equals.upperBound...]))
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
