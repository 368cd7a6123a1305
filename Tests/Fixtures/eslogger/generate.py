#!/usr/bin/env python3
"""Writes the eslogger fixtures (JSON Lines) in the shapes of real eslogger output.

The same scenario (one shell forks, the child execs python3, which reads, creates, writes,
renames, links, truncates, changes attributes of and deletes files, then exits) is written as
macOS 13 (message version 6), 14 (7), 15 (8 and 9: keys in hash order) and 26 (10: audit tokens
as arrays [auid, euid, egid, ruid, rgid, pid, asid, pidversion]) print it: full process objects
with stat blocks, environment, fds, `\\/`-escaped slashes. special.jsonl holds names with
newlines, bytes that are not UTF-8, truncated paths, an unknown message version and a sequence
gap. The tests check every field of every event (Tests/FileWatchCoreTests/EsloggerFixtureTests).

Run from anywhere: python3 Tests/Fixtures/eslogger/generate.py
"""
import json, os, random

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = "2026-03-14T09:26:53"  # every event's time is T0 + ".<micros>123Z" (nanoseconds, as eslogger)

def stat(mode, size=0, ino=1000, uid=501, gid=20):
    return {"st_dev": 16777234, "st_ino": ino, "st_mode": mode, "st_nlink": 1, "st_uid": uid, "st_gid": gid,
            "st_rdev": 0, "st_atimespec": "2026-03-14T09:20:00.000000000Z",
            "st_mtimespec": "2026-03-14T09:20:00.000000000Z", "st_ctimespec": "2026-03-14T09:20:00.000000000Z",
            "st_birthtimespec": "2026-03-01T08:00:00.000000000Z", "st_size": size, "st_blocks": 8,
            "st_blksize": 4096, "st_flags": 0, "st_gen": 0}

def file(path, mode=0o100644, truncated=False, ino=1000):
    return {"path": path, "path_truncated": truncated, "stat": stat(mode, ino=ino)}

def token(v, pid, pidversion, uid=501, gid=20, auid=501, asid=100017):
    if v >= 10:
        return [auid, uid, gid, uid, gid, pid, asid, pidversion]
    return {"auid": auid, "euid": uid, "egid": gid, "ruid": uid, "rgid": gid, "pid": pid, "asid": asid,
            "pidversion": pidversion}

def process(v, pid, pv, ppid, exe, signing, cdhash, team=None, start="2026-03-14T09:00:00.000001Z"):
    p = {"audit_token": token(v, pid, pv), "ppid": ppid, "original_ppid": ppid, "group_id": pid,
         "session_id": 400, "codesigning_flags": 570522385, "is_platform_binary": team is None,
         "is_es_client": False, "cdhash": cdhash, "signing_id": signing, "team_id": team,
         "executable": file(exe, 0o100755, ino=77), "tty": None, "start_time": start,
         "responsible_audit_token": token(v, 400, 3), "parent_audit_token": token(v, ppid, 9)}
    if v >= 10:
        p["cs_validation_category"] = 1
    return p

ZSH = dict(pid=500, pv=10, ppid=400, exe="/bin/zsh", signing="com.apple.zsh",
           cdhash="8F2A5C41D0E7B3966A1C0E5F4B2D7A19C3E8F601")
PY = dict(pid=501, pv=12, ppid=500, exe="/usr/bin/python3", signing="com.apple.python3",
          cdhash="0123456789ABCDEF0123456789ABCDEF01234567", start="2026-03-14T09:26:53.000100Z")
DIR = "/Users/alice/project"

# event type numbers (es_event_type_t, NOTIFY_*) — eslogger prints them; filewatcher ignores them
TYPES = {"exec": 9, "open": 10, "fork": 11, "close": 12, "create": 13, "exit": 15, "link": 19, "rename": 25,
         "setattrlist": 26, "setmode": 29, "setowner": 30, "unlink": 32, "write": 33, "truncate": 41}

def scenario(v):
    """(actor, event name, event members) in order."""
    child_before_exec = dict(ZSH, pid=501, pv=11, ppid=500, start=PY["start"])
    return [
        (ZSH, "fork", {"child": process(v, **child_before_exec)}),
        (child_before_exec, "exec", {
            "target": process(v, **PY), "args": ["python3", "work.py", "--fast"],
            "env": ["PATH=/usr/bin:/bin", "HOME=/Users/alice", "LANG=en_US.UTF-8"],
            "cwd": file(DIR, 0o40755, ino=5), "script": None, "dyld_exec_path": "/usr/bin/python3",
            "fds": [{"fd": 0, "fdtype": 1}, {"fd": 1, "fdtype": 1}, {"fd": 2, "fdtype": 1}], "last_fd": 2,
            "image_cputype": 16777228, "image_cpusubtype": 2}),
        (PY, "open", {"fflag": 1, "file": file(DIR + "/input.txt", ino=1001)}),
        (PY, "close", {"modified": False, "target": file(DIR + "/input.txt", ino=1001), "was_mapped_writable": False}),
        (PY, "create", {"destination_type": 1, "destination": {"new_path": {
            "dir": file(DIR, 0o40755, ino=5), "filename": "out.tmp", "mode": 420}}, "acl": None}),
        (PY, "open", {"fflag": 0x602, "file": file(DIR + "/out.tmp", ino=1002)}),
        (PY, "write", {"target": file(DIR + "/out.tmp", ino=1002)}),
        (PY, "close", {"modified": True, "target": file(DIR + "/out.tmp", ino=1002), "was_mapped_writable": False}),
        (PY, "rename", {"source": file(DIR + "/out.tmp", ino=1002), "destination_type": 1, "destination": {
            "new_path": {"dir": file(DIR + "/", 0o40755, ino=5), "filename": "out.txt"}}}),
        (PY, "rename", {"source": file(DIR + "/b.txt", ino=1003), "destination_type": 0, "destination": {
            "existing_file": file(DIR + "/a.txt", ino=1004)}}),
        (PY, "link", {"source": file(DIR + "/out.txt", ino=1002), "target_dir": file(DIR, 0o40755, ino=5),
                      "target_filename": "out-link.txt"}),
        (PY, "truncate", {"target": file(DIR + "/out.txt", ino=1002)}),
        (PY, "setattrlist", {"attrlist": {"bitmapcount": 5, "reserved": 0, "commonattr": 512, "volattr": 0,
                                          "dirattr": 0, "fileattr": 0, "forkattr": 0},
                             "target": file(DIR + "/out.txt", ino=1002)}),
        (PY, "setmode", {"mode": 384, "target": file(DIR + "/out.txt", ino=1002)}),
        (PY, "setowner", {"uid": 501, "gid": 20, "target": file(DIR + "/out.txt", ino=1002)}),
        (PY, "unlink", {"target": file(DIR + "/out-link.txt", ino=1002), "parent_dir": file(DIR, 0o40755, ino=5)}),
        (PY, "create", {"destination_type": 0, "destination": {"existing_file": file(DIR + "/cache", 0o40755, ino=1005)}}),
        (PY, "exit", {"stat": 256}),
    ]

def message(v, i, actor, name, members, seqs, shuffle=None):
    seqs[name] = seqs.get(name, 0) + 1
    m = {"schema_version": 1, "mach_time": 4013747978340 + i * 1000, "event_type": TYPES.get(name, 0),
         "thread": {"thread_id": 622243 + i}, "version": v, "seq_num": seqs[name] - 1, "global_seq_num": i + 1,
         "time": "%s.%06d123Z" % (T0, 100 * (i + 1)), "action_type": 1,
         "action": {"result": {"result_type": 0, "result": {"auth": 0}}},
         "process": process(v, **actor), "event": {name: members}}
    if shuffle is not None:
        m = shuffled(m, shuffle)
    return m

def shuffled(value, rng):
    if isinstance(value, dict):
        keys = list(value.keys())
        rng.shuffle(keys)
        return {k: shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [shuffled(x, rng) for x in value]
    return value

def line(m, ascii=False):
    # eslogger escapes every slash; placeholders «XX» become raw bytes (names that are not UTF-8)
    text = json.dumps(m, separators=(",", ":"), ensure_ascii=ascii).replace("/", "\\/")
    out = text.encode("utf-8")
    for h in range(256):
        out = out.replace(("\u00ab%02X\u00bb" % h).encode("utf-8"), bytes([h]))
    return out + b"\n"

def write(name, lines):
    with open(os.path.join(HERE, name), "wb") as f:
        for l in lines:
            f.write(l)

def version_file(name, versions, shuffle_seed=None):
    rng = random.Random(shuffle_seed) if shuffle_seed is not None else None
    out, seqs = [], {}
    events = scenario(versions[-1])
    for i, (actor, ev, members) in enumerate(events):
        v = versions[i * len(versions) // len(events)]
        actor_v, members_v = actor, members
        if v != versions[-1]:
            members_v = scenario(v)[i][2]
        out.append(line(message(v, i, actor_v, ev, members_v, seqs, rng)))
    write(name, out)

version_file("macos13.jsonl", [6])
version_file("macos14.jsonl", [7])
version_file("macos15.jsonl", [8, 9], shuffle_seed=15)
version_file("macos26.jsonl", [10], shuffle_seed=26)

# special.jsonl: names that are hard to carry, truncation, an unknown version, a gap, versions 4 and 5.
seqs = {}
special = [
    # 1: a name with a newline (JSON \n) and a tab
    message(8, 0, PY, "open", {"fflag": 1, "file": file(DIR + "/two\nlines\tname.txt")}, seqs),
    # 2: a name whose bytes are not UTF-8 (raw 0xFF 0xFE in the string)
    message(8, 1, PY, "unlink", {"target": file(DIR + "/bad\u00abFF\u00bb\u00abFE\u00bbname")}, seqs),
    # 3: a truncated path (path_truncated true)
    message(8, 2, PY, "close", {"modified": True, "target": file("/Volumes/deep/" + "d/" * 20 + "partial", truncated=True)}, seqs),
    # 4: an escaped non-ASCII name (\u00e9 and a surrogate pair) and a slash written as \/
    message(8, 3, PY, "create", {"destination_type": 1, "destination": {"new_path": {
        "dir": file(DIR, 0o40755), "filename": "caf\u00e9-\U0001F600.txt", "mode": 420}}}, seqs),
    # 5-6: message versions 4 and 5 (older clients' recordings)
    message(4, 4, PY, "write", {"target": file(DIR + "/v4.txt")}, seqs),
    message(5, 5, PY, "write", {"target": file(DIR + "/v5.txt")}, seqs),
    # 7: version 11: accepted, one warning
    message(11, 6, PY, "write", {"target": file(DIR + "/v11.txt")}, seqs),
    # 8: another version 11 (no second warning)
    message(11, 7, PY, "write", {"target": file(DIR + "/v11b.txt")}, seqs),
]
gap = message(9, 8, PY, "write", {"target": file(DIR + "/after-gap.txt")}, seqs)
gap["global_seq_num"] = 13  # 9 expected: 4 lost
special.append(gap)
# line 4 with \u escapes (ASCII only), the others as UTF-8
write("special.jsonl", [line(m, ascii=(i == 3)) for i, m in enumerate(special)])
