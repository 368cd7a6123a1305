#!/usr/bin/env python3
"""Wall-time overhead of real programs under a live monitor (issue 12): `git checkout` between two
branches of a repository, `tar xf` of its tarball, `make -j2` of a C project of 24 units, each
unwatched, under `fatrace -o FILE` and under `filewatcher --format json -o FILE`, rounds interleaved.

Usage (root): bench/programs-bench.py FILEWATCHER [--reps N] [--repo GIT_DIR_TO_CLONE]
Prints a Markdown table: median wall seconds per program and monitor, and the time added."""
import argparse, os, shutil, signal, statistics, subprocess, tempfile, time

def sh(cmd, cwd=None):
    subprocess.run(cmd, shell=True, check=True, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def prepare(work, repo):
    src = os.path.join(work, "src")
    sh(f"git clone -q {repo} {src}")
    sh("git checkout -q -b other && git rm -q -r --cached Tests >/dev/null && rm -rf Tests && "
       "git -c user.name=b -c user.email=b@b commit -q -m other && git checkout -q -", cwd=src)
    sh(f"tar cf {work}/src.tar -C {work} src")
    c = os.path.join(work, "cproj")
    os.makedirs(c)
    for i in range(24):
        with open(f"{c}/u{i}.c", "w") as f:
            f.write("#include <stdio.h>\n#include <string.h>\n" +
                    "".join(f"int f{i}_{j}(int x) {{ return x * {j} + (int)strlen(\"{i}\"); }}\n" for j in range(200)))
    with open(f"{c}/Makefile", "w") as f:
        objs = " ".join(f"u{i}.o" for i in range(24))
        f.write(f"all: {objs}\n\tcc -shared -o libp.so {objs}\n%.o: %.c\n\tcc -O1 -fPIC -c $< -o $@\nclean:\n\trm -f *.o libp.so\n")
    return src, c

def programs(work, src, c):
    return {
        "git checkout (2 branches, back and forth)": (f"git checkout -q other && git checkout -q -", src, None),
        "tar xf": (f"rm -rf {work}/x && mkdir {work}/x && tar xf {work}/src.tar -C {work}/x", work, None),
        "make -j2 (24 units)": ("make -s -j2 all", c, "make -s clean"),
    }

class Monitor:
    def __init__(self, name, argv, ready):
        self.name, self.argv, self.ready = name, argv, ready
    def start(self):
        if not self.argv: return
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if self.ready == "line":
            line = self.proc.stderr.readline()  # filewatcher: watching N filesystems (layout fid)
            assert "watching" in line, line
        else:
            time.sleep(self.ready)
    def stop(self):
        if not self.argv: return
        self.proc.send_signal(signal.SIGINT)
        try: self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired: self.proc.kill(); self.proc.communicate()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("filewatcher"); ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--repo", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fwprog.", dir="/var/tmp")
    try:
        src, c = prepare(work, a.repo)
        progs = programs(work, src, c)
        out = os.path.join(work, "monitor.out")
        monitors = [Monitor("unwatched", None, 0),
                    Monitor("fatrace", ["fatrace", "-o", out], 1.0),
                    Monitor("filewatcher", [a.filewatcher, "--format", "json", "-o", out + ".jsonl", "--append"], "line")]
        times = {(p, m.name): [] for p in progs for m in monitors}
        for _ in range(a.reps):
            for m in monitors:
                m.start()
                for p, (cmd, cwd, reset) in progs.items():
                    if reset: sh(reset, cwd=cwd)
                    t = time.monotonic(); sh(cmd, cwd=cwd); times[(p, m.name)].append(time.monotonic() - t)
                m.stop()
                for f in (out, out + ".jsonl"):
                    if os.path.exists(f): os.unlink(f)
        print(f"reps {a.reps} (median); load {open('/proc/loadavg').read().split()[:3]}; {os.uname().release}, {os.cpu_count()} CPUs\n")
        print("| program | unwatched s | fatrace s | added | filewatcher s | added |")
        print("|---|---:|---:|---:|---:|---:|")
        for p in progs:
            u = statistics.median(times[(p, "unwatched")]); f = statistics.median(times[(p, "fatrace")])
            w = statistics.median(times[(p, "filewatcher")])
            print(f"| {p} | {u:.3f} | {f:.3f} | {100*(f/u-1):+.0f}% | {w:.3f} | {100*(w/u-1):+.0f}% |")
    finally:
        shutil.rmtree(work, ignore_errors=True)

main()
