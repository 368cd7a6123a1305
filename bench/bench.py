#!/usr/bin/env python3
"""Time ../shared/bench/workload.c unwatched and under each monitor, all in one run.

Usage: bench.py WORKLOAD LISTENER FILEWATCHER [--reps N] [--rw N] [--churn N] [--configs fid,split,...]
Prints a Markdown table: workload wall time (median of reps), time added vs unwatched, monitor CPU
(user+sys while the workload ran and the monitor drained), monitor peak/steady RSS, and for churn how
many of the create/rename/delete events carry the file's own name."""
import argparse, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time

TICK = os.sysconf("SC_CLK_TCK")

def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)

def mem_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0

def wait_idle(pid, window=0.5, limit=60.0):
    """Wait until the monitor has drained the queue: its CPU time grows by at most 2% of a window
    (background activity elsewhere on the machine keeps every system-wide monitor a little busy)."""
    start = time.time()
    last = cpu_ticks(pid)
    while time.time() - start < limit:
        time.sleep(window)
        now = cpu_ticks(pid)
        if now - last <= max(1, int(window * TICK * 0.02)):
            return
        last = now
    print(f"warning: monitor {pid} still busy after {limit}s", file=sys.stderr)

def run_workload(workload, mode, n, d):
    """(loop wall time as the workload prints it, workload CPU user+sys)."""
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))
    proc = subprocess.Popen([workload, mode, str(n), d], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"workload failed: {proc.returncode}")
    return float(out.strip()), usage.ru_utime + usage.ru_stime

class Monitor:
    def __init__(self, name, argv, out=None, ready=1.0):
        self.name, self.argv, self.out, self.ready = name, argv, out, ready
    def start(self):
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(self.ready)
        if self.proc.poll() is not None:
            raise SystemExit(f"{self.name} exited: {self.proc.stderr.read()}")
        return self.proc.pid
    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill(); _, err = self.proc.communicate()
        return err

def names_filewatcher(path, d):
    """create/rename/delete events in d, and how many name the file (new-N.tmp / new-N.done)."""
    total = named = lost = 0
    pat = re.compile(re.escape(d) + r"/new-\d+\.(tmp|done)$")
    with open(path, errors="replace") as f:
        for line in f:
            if d not in line:
                continue
            e = json.loads(line)
            if e.get("event") not in ("create", "rename", "delete"):
                continue
            if not (e.get("path") or "").startswith(d + "/") and not (e.get("path") == d):
                continue
            total += 1
            ok = pat.match(e.get("path") or "") is not None
            if e["event"] == "rename":
                ok = ok and pat.match(e.get("dest_path") or "") is not None
            named += ok
    return total, named

def names_fatrace(path, d):
    """fatrace lines for creates (+), deletes (D) and moves (< >) in d, and how many name the file."""
    total = named = 0
    pat = re.compile(r"^\S.*?: ([A-Z+<>]+)\s+(.*)$")
    with open(path, errors="replace") as f:
        for line in f:
            m = pat.match(line.rstrip("\n"))
            if not m or d not in m.group(2):
                continue
            kinds = m.group(1)
            if not any(k in kinds for k in "+D<>"):
                continue
            total += 1
            named += re.search(r"/new-\d+\.(tmp|done)", m.group(2)) is not None
    return total, named

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload"); ap.add_argument("listener"); ap.add_argument("filewatcher")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rw", type=int, default=200000)
    ap.add_argument("--churn", type=int, default=50000)
    ap.add_argument("--configs", default="fid")
    ap.add_argument("--churn-configs", default=None, help="configs for churn (default: --configs)")
    ap.add_argument("--dir", default="/var/tmp")
    ap.add_argument("--skip-floor", action="store_true")
    ap.add_argument("--skip-fatrace", action="store_true")
    ap.add_argument("--modes", default="rw,churn")
    args = ap.parse_args()

    d = tempfile.mkdtemp(prefix="fwbench-", dir=args.dir)
    outdir = tempfile.mkdtemp(prefix="fwbench-out-", dir=args.dir)
    fatrace = shutil.which("fatrace")
    monitors = [None]
    if fatrace and not args.skip_fatrace:
        monitors.append(lambda: Monitor("fatrace", [fatrace, "-o", f"{outdir}/fatrace.txt"], f"{outdir}/fatrace.txt"))
    if not args.skip_floor:
        # Reading at once (as fatrace does), then batched like filewatcher (5 ms after a non-empty read:
        # what each reporting mode costs the writing process in the kernel, with little contention).
        floors = (("fd", "oc", 0), ("fd", "oamc", 0), ("fid", "oamc", 0),
                  ("fd", "oamc", 5000), ("object", "oamc", 5000), ("fid", "oamc", 5000), ("fd+names", "oamc", 5000))
        for mode, mask, delay in floors:
            label = f"listener {mode} {mask}" + (" batched" if delay else "")
            monitors.append(lambda mode=mode, mask=mask, delay=delay, label=label:
                            Monitor(label, [args.listener, mode, mask, d, str(delay)]))
    def filewatchers(configs):
      out = []
      for cfg in configs.split(","):
        extra = []
        for part in cfg.split("+"):
            if part in ("fid", "split", "fd", "hybrid"):
                extra += ["--fanotify-layout", part]
            elif part.startswith("batch"):
                extra += ["--batch-delay", part[5:]]
            elif part.startswith("buf"):
                extra += ["--read-buffer", part[3:]]
        out.append(lambda cfg=cfg, extra=extra: Monitor(
            f"filewatcher {cfg}",
            [args.filewatcher, "--format", "json", "-o", f"{outdir}/fw.json", "--no-summary"] + extra,
            f"{outdir}/fw.json", ready=1.5))
      return out

    uname = os.uname()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {uname.sysname} {uname.release}, {os.cpu_count()} CPUs ({cpu}); dir {d}; reps {args.reps} (median)")
    print()
    print("| workload | monitor | wall s | added | workload CPU s | monitor CPU s | peak RSS MB | steady RSS MB | lines written | named create/rename/delete |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    common = monitors
    for mode, n in (("rw", args.rw), ("churn", args.churn)):
        if mode not in args.modes.split(","):
            continue
        monitors = common + filewatchers(args.churn_configs if mode == "churn" and args.churn_configs else args.configs)
        results = {}
        # Interleave: every monitor once per round, so that background load hits all alike.
        for _ in range(args.reps):
            for index, make in enumerate(monitors):
                r = results.setdefault(index, {"label": "unwatched", "walls": [], "wcpu": [], "cpus": [], "peaks": [], "steadies": [], "names": []})
                if make is None:
                    wall, wcpu = run_workload(args.workload, mode, n, d)
                    r["walls"].append(wall); r["wcpu"].append(wcpu)
                    continue
                mon = make(); r["label"] = mon.name
                if mon.out and os.path.exists(mon.out):
                    os.unlink(mon.out)
                pid = mon.start()
                c0 = cpu_ticks(pid)
                wall, wcpu = run_workload(args.workload, mode, n, d)
                r["walls"].append(wall); r["wcpu"].append(wcpu)
                wait_idle(pid)
                r["cpus"].append((cpu_ticks(pid) - c0) / TICK)
                r["peaks"].append(mem_kib(pid, "VmHWM") / 1024); r["steadies"].append(mem_kib(pid, "VmRSS") / 1024)
                err = mon.stop()
                if mon.out and os.path.exists(mon.out):
                    with open(mon.out, "rb") as f:
                        r.setdefault("lines", []).append(sum(1 for _ in f))
                if mode == "churn" and mon.out:
                    r["names"].append(names_fatrace(mon.out, d) if mon.name == "fatrace" else names_filewatcher(mon.out, d))
                for line in err.splitlines():
                    if "lost" in line or "overflow" in line:
                        print(f"note: {mon.name}: {line.strip()}", file=sys.stderr)
        base = statistics.median(results[0]["walls"])
        for index in sorted(results):
            r = results[index]
            wall = statistics.median(r["walls"]); wcpu = statistics.median(r["wcpu"])
            if index == 0:
                print(f"| {mode} {n} | unwatched | {wall:.3f} | | {wcpu:.2f} | | | | | |")
                continue
            named = ""
            if r["names"]:
                t, k = r["names"][-1]
                named = f"{k}/{t} of {3 * n} ({k / (3 * n) * 100:.1f}%)"
            lines = f"{int(statistics.median(r['lines']))}" if r.get("lines") else ""
            print(f"| {mode} {n} | {r['label']} | {wall:.3f} | +{(wall - base) / base * 100:.0f}% | {wcpu:.2f} | "
                  f"{statistics.median(r['cpus']):.2f} | {max(r['peaks']):.1f} | {statistics.median(r['steadies']):.1f} | {lines} | {named} |", flush=True)
    shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(outdir, ignore_errors=True)

if __name__ == "__main__":
    main()
