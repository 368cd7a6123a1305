#!/usr/bin/env python3
"""Driver of fuzz/eslogger.sh (see there)."""
import glob, os, random, re, resource, subprocess, sys, time

binary, fixtures, rounds, per_round = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
templates = []
for f in sorted(glob.glob(os.path.join(fixtures, "*.jsonl"))):
    templates += [l for l in open(f, "rb").read().split(b"\n") if l]
REPLACE = [b"1" + b"0" * 400, b"-99999999999999999999", b"1e999", b"-0", b"1E-400", b'"text"', b"null", b"true",
           b"{}", b"[]", b'{"path":7}', b'"\\ud800"', b'"\\u12"', b'"\\x"', b"18446744073709551616", b'"\x00"']
MAX_RSS_KB = 512 * 1024

def mutate(rng, line):
    kind = rng.randrange(10)
    colons = [m.start() for m in re.finditer(b":", line)] or [0]
    c = rng.choice(colons) + 1
    if kind == 0:
        return line[:rng.randrange(len(line) + 1)]
    if kind in (1, 2):
        end = c
        while end < len(line) and line[end:end + 1] not in (b",", b"}"):
            end += 1
        return line[:c] + rng.choice(REPLACE) + line[end:]
    if kind == 3:
        depth = rng.choice([10, 64, 65, 1000, 100000])
        return line[:c] + b"[" * depth + b"1" + b"]" * rng.choice([0, depth]) + b"," + line[c:]
    if kind == 4:
        b = bytearray(line)
        for _ in range(rng.randrange(1, 9)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        return bytes(b).replace(b"\n", b" ")
    if kind == 5:
        b = bytearray(line)
        for _ in range(rng.randrange(1, 5)):
            b.insert(rng.randrange(len(b) + 1), rng.choice([0, 1, 0x1F, 0x22, 0x5C, 0x7F, 0x80, 0xFF, 0x7B, 0x5B]))
        return bytes(b)
    if kind == 6:
        return line[:c] + line[c:c + rng.randrange(200)] + b"," + line[max(0, c - 20):]
    if kind == 7:
        name = b"x" * rng.choice([1, 100, 100000]) if rng.randrange(2) else b"ev%d" % rng.randrange(10**6)
        return b'{"seq_num":%d,"event":{"%s":{"target":{"path":"/p"}}}}' % (rng.randrange(100), name)
    if kind == 8 and rng.randrange(50) == 0:
        return b'{"event":{"open":{"file":{"path":"' + b"a" * (5 << 20) + b'"}}}}'  # over the 4 MiB cap
    return line

failures = 0
start = time.time()
for r in range(rounds):
    rng = random.Random(r)
    lines = [mutate(rng, rng.choice(templates)) for _ in range(per_round)]
    data = b"\n".join(lines) + b"\n"
    path = "fuzz/artifacts/eslogger-round.jsonl"
    with open(path, "wb") as f:
        f.write(data)
    via_stdin = r % 2 == 1
    args = [binary, "--read", "-" if via_stdin else path, "--input", "eslogger", "--format", "json", "-a", "-o", "/dev/null"]
    t = time.time()
    try:
        p = subprocess.run(args, input=data if via_stdin else None, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
        status, err = p.returncode, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        status, err = "timeout", ""
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = re.search(r"(\d+) events seen", err)
    skipped = re.search(r"(\d+) of (\d+) lines skipped", err)
    counted = (int(summary.group(1)) if summary else 0) + (int(skipped.group(1)) if skipped else 0)
    blank = sum(1 for l in lines if not l.strip(b" \t\r"))
    total = int(skipped.group(2)) if skipped else None
    ok = status in (0, 1) and rss < MAX_RSS_KB and (total is None or total == len(lines)) and counted + blank == len(lines)
    if not ok:
        failures += 1
        keep = "fuzz/artifacts/eslogger-%d.jsonl" % r
        os.replace(path, keep)
        print("round %d FAILED: status %s, peak RSS %d KB, counted %d of %d (kept %s)\n%s" % (r, status, rss, counted + blank, len(lines), keep, err[-2000:]))
    print("round %d: status %s, %.1f s, %d lines, peak RSS so far %d MB" % (r, status, time.time() - t, len(lines), rss // 1024), flush=True)
print("%d rounds, %d failures, %.0f s" % (rounds, failures, time.time() - start))
sys.exit(1 if failures else 0)
