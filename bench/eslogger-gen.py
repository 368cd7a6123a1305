#!/usr/bin/env python3
"""Writes N eslogger open/close lines shaped as macOS 15 prints them (about 1.5 KB each: full
process object with stat block, audit tokens, code-signing members; the file with its stat).

    bench/eslogger-gen.py N OUT       e.g. bench/eslogger-gen.py 1000000 /var/tmp/es.jsonl
"""
import sys

def stat(ino, mode, size):
    return ('{"st_dev":16777234,"st_ino":%d,"st_mode":%d,"st_nlink":1,"st_uid":501,"st_gid":20,"st_rdev":0,'
            '"st_atimespec":"2026-03-14T09:20:00.000000000Z","st_mtimespec":"2026-03-14T09:20:00.000000000Z",'
            '"st_ctimespec":"2026-03-14T09:20:00.000000000Z","st_birthtimespec":"2026-03-01T08:00:00.000000000Z",'
            '"st_size":%d,"st_blocks":8,"st_blksize":4096,"st_flags":0,"st_gen":0}' % (ino, mode, size))

TOKEN = '{"auid":501,"euid":501,"egid":20,"ruid":501,"rgid":20,"pid":%d,"asid":100017,"pidversion":%d}'
PROCESS = ('{"audit_token":' + TOKEN + ',"ppid":%d,"original_ppid":%d,"group_id":%d,"session_id":400,'
           '"codesigning_flags":570522385,"is_platform_binary":true,"is_es_client":false,'
           '"cdhash":"0123456789ABCDEF0123456789ABCDEF01234567","signing_id":"com.apple.%s","team_id":null,'
           '"executable":{"path":"\\/usr\\/bin\\/%s","path_truncated":false,"stat":' + stat(77, 33261, 123456) + '},'
           '"tty":null,"start_time":"2026-03-14T09:00:00.000001Z",'
           '"responsible_audit_token":{"auid":501,"euid":501,"egid":20,"ruid":501,"rgid":20,"pid":400,"asid":100017,"pidversion":3},'
           '"parent_audit_token":{"auid":501,"euid":501,"egid":20,"ruid":501,"rgid":20,"pid":%d,"asid":100017,"pidversion":9}}')
HEAD = ('{"schema_version":1,"mach_time":%d,"event_type":%d,"thread":{"thread_id":%d},"version":9,"seq_num":%d,'
        '"global_seq_num":%d,"time":"2026-03-14T09:%02d:%02d.%06d123Z","action_type":1,'
        '"action":{"result":{"result_type":0,"result":{"auth":0}}},"process":')
OPEN = ',"event":{"open":{"fflag":%d,"file":{"path":"%s","path_truncated":false,"stat":%s}}}}\n'
CLOSE = ',"event":{"close":{"modified":%s,"target":{"path":"%s","path_truncated":false,"stat":%s},"was_mapped_writable":false}}}\n'
NAMES = ["python3", "clang", "git", "mdworker_shared", "zsh", "cp", "rsync", "Xcode"]

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    with open(out, "w") as f:
        buf = []
        for i in range(n):
            pid = 1000 + (i // 2) % 64
            name = NAMES[pid % len(NAMES)]
            path = "\\/Users\\/alice\\/project\\/src\\/module%d\\/file%d.swift" % (i // 2 % 97, i // 2 % 1009)
            st = stat(100000 + i // 2 % 1009, 33188, 4096 + i % 5000)
            us = i % 1000000
            head = HEAD % (4013747978340 + i * 1000, 10 if i % 2 == 0 else 12, 622243 + pid, i // 2, i + 1,
                           (i // 60000000) % 60, (i // 1000000) % 60, us)
            proc = PROCESS % (pid, 7, 400, 400, pid, name, name, 400)
            if i % 2 == 0:
                line = head + proc + OPEN % (1 if i % 4 == 0 else 3, path, st)
            else:
                line = head + proc + CLOSE % ("false" if i % 4 == 1 else "true", path, st)
            buf.append(line)
            if len(buf) >= 10000:
                f.write("".join(buf)); buf = []
        f.write("".join(buf))

main()
