#!/usr/bin/env python3
"""Live kernel-audit overhead (issue 13), every monitor measured in the same run, rounds interleaved:
unwatched; the peer, Debian's auditd with `auditctl -w DIR -p rwxa` (auditd started here, writing its
log as configured); `filewatcher --source audit --audit-rules failures` (nothing fails in the
workload); `filewatcher --source fanotify`; `filewatcher --source fanotify,audit --audit-rules
failures` — for `workload rw N DIR` and `workload churn N DIR`. Then a failing loop: bench/denied.c
opens a 0600 root file as nobody M times under `filewatcher --source audit --audit-rules failures`,
and the failure events reported for that file and every loss notice are counted.

Usage: audit-live.py WORKLOAD DENIED FILEWATCHER [--reps N] [--rw N] [--churn N] [--denied M]

Leaves the kernel as found: the audit enabled flag is restored, only rules with this script's key
(and the watch it added) are removed, the auditd it started is stopped. Refuses to run when an
audit daemon is already registered (it would be that daemon's rules and log, not ours)."""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import TICK, Monitor, cpu_ticks, mem_kib, run_workload, wait_idle  # noqa: E402

KEY = "fwbench-audit-live"


def audit_status():
    out = subprocess.run(["auditctl", "-s"], capture_output=True, text=True, check=True).stdout
    return {k: v for k, v in (line.split(" ", 1) for line in out.splitlines() if " " in line)}


def kauditd_pid():
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == "kauditd":
                        return int(pid)
            except OSError:
                pass
    return None


class Auditd(Monitor):
    """Debian's auditd in the foreground (`-n`), leaving the kernel's enabled flag alone (`-s
    nochange`), with one watch rule on the workload directory."""

    def __init__(self, d):
        super().__init__("auditd + auditctl -w DIR -p rwxa", ["auditd", "-n", "-s", "nochange"], ready=0)
        self.d = d

    def start(self):
        pid = super().start()
        for _ in range(100):
            if audit_status().get("pid", "0") == str(pid):
                break
            time.sleep(0.05)
        else:
            self.stop()
            raise SystemExit("auditd did not register with the kernel")
        subprocess.run(["auditctl", "-w", self.d, "-p", "rwxa", "-k", KEY], check=True, capture_output=True)
        return pid

    def stop(self):
        subprocess.run(["auditctl", "-W", self.d, "-p", "rwxa", "-k", KEY], capture_output=True)
        self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill(); _, err = self.proc.communicate()
        return err


def filewatcher(fw, label, sources, out, rules=True):
    argv = [fw, "--source", sources, "--format", "json", "-o", out, "--no-summary"]
    if rules:
        argv += ["--audit-rules", "failures"]
    return Monitor(label, argv, out, ready=1.5)


def measure(mon, mode, n, d, workload, kauditd):
    """One workload run under `mon`: (wall, workload CPU, monitor CPU, kauditd CPU, peak RSS MB, stderr)."""
    if mon is None:
        wall, wcpu = run_workload(workload, mode, n, d)
        return wall, wcpu, None, None, None, ""
    if mon.out and os.path.exists(mon.out):
        os.unlink(mon.out)
    pid = mon.start()
    c0, k0 = cpu_ticks(pid), cpu_ticks(kauditd) if kauditd else 0
    wall, wcpu = run_workload(workload, mode, n, d)
    wait_idle(pid)
    cpu = (cpu_ticks(pid) - c0) / TICK
    kcpu = (cpu_ticks(kauditd) - k0) / TICK if kauditd else None
    peak = mem_kib(pid, "VmHWM") / 1024
    err = mon.stop()
    return wall, wcpu, cpu, kcpu, peak, err


def denied_loop(args, fw, d, outdir):
    """The failing loop under filewatcher: (loop wall, failures reported for the file, loss lines)."""
    secret = os.path.join(d, "secret")
    with open(secret, "w") as f:
        f.write("x")
    os.chmod(secret, 0o600)
    os.chmod(d, 0o755)
    out = f"{outdir}/denied.json"
    mon = filewatcher(fw, "filewatcher audit", "audit", out)
    pid = mon.start()
    res = subprocess.run([args.denied_bin, str(args.denied), secret], capture_output=True, text=True)
    if res.returncode != 0:
        mon.stop()
        raise SystemExit(f"denied loop failed: {res.stderr}")
    wait_idle(pid)
    cpu = (cpu_ticks(pid)) / TICK
    err = mon.stop()
    reported = 0
    with open(out, errors="replace") as f:
        for line in f:
            if secret not in line:
                continue
            e = json.loads(line)
            if e.get("path") == secret and e.get("result") == "failure" and e.get("errno") == 13:
                reported += 1
    losses = [line.strip() for line in err.splitlines() if "lost" in line or "ENOBUFS" in line]
    os.unlink(secret)
    return float(res.stdout.strip()), reported, losses, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload"); ap.add_argument("denied_bin"); ap.add_argument("filewatcher")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rw", type=int, default=200000)
    ap.add_argument("--churn", type=int, default=50000)
    ap.add_argument("--denied", type=int, default=100000)
    ap.add_argument("--modes", default="rw,churn")
    ap.add_argument("--dir", default="/var/tmp")
    args = ap.parse_args()

    before = audit_status()
    if before.get("pid", "0") != "0":
        raise SystemExit(f"an audit daemon (pid {before['pid']}) is registered: stop it first")
    if before.get("enabled") == "2":
        raise SystemExit("the audit configuration is locked (enabled 2)")
    d = tempfile.mkdtemp(prefix="fwbench-audit-", dir=args.dir)
    outdir = tempfile.mkdtemp(prefix="fwbench-audit-out-", dir=args.dir)
    kauditd = kauditd_pid()
    fw = args.filewatcher
    try:
        subprocess.run(["auditctl", "-e", "1"], check=True, capture_output=True)
        uname = os.uname()
        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
        print(f"machine: {uname.sysname} {uname.release}, {os.cpu_count()} CPUs ({cpu}); load average {load} at the start; "
              f"reps {args.reps} (median); kernel backlog_limit {before.get('backlog_limit')}")
        print()
        print("| workload | monitor | wall s | added | workload CPU s | monitor CPU s | kauditd CPU s | peak RSS MB | notes |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---|")
        makers = [
            None,
            lambda: Auditd(d),
            lambda: filewatcher(fw, "filewatcher --source audit --audit-rules failures", "audit", f"{outdir}/fw.json"),
            lambda: filewatcher(fw, "filewatcher --source fanotify", "fanotify", f"{outdir}/fw.json", rules=False),
            lambda: filewatcher(fw, "filewatcher --source fanotify,audit --audit-rules failures", "fanotify,audit", f"{outdir}/fw.json"),
        ]
        for mode, n in (("rw", args.rw), ("churn", args.churn)):
            if mode not in args.modes.split(","):
                continue
            results = {}
            for _ in range(args.reps):  # every monitor once per round: background load hits all alike
                for index, make in enumerate(makers):
                    mon = make() if make else None
                    r = results.setdefault(index, {"label": mon.name if mon else "unwatched", "runs": [], "notes": set()})
                    wall, wcpu, mcpu, kcpu, peak, err = measure(mon, mode, n, d, args.workload, kauditd)
                    r["runs"].append((wall, wcpu, mcpu, kcpu, peak))
                    for line in err.splitlines():
                        if "lost" in line or "ENOBUFS" in line or "error" in line:
                            r["notes"].add(line.strip()[:120])
            base = statistics.median(run[0] for run in results[0]["runs"])
            for index in sorted(results):
                r = results[index]
                col = lambda k: statistics.median(run[k] for run in r["runs"])
                wall = col(0)
                if index == 0:
                    print(f"| {mode} {n} | unwatched | {wall:.3f} | | {col(1):.2f} | | | | |")
                    continue
                print(f"| {mode} {n} | {r['label']} | {wall:.3f} | +{(wall - base) / base * 100:.0f}% | {col(1):.2f} | "
                      f"{col(2):.2f} | {col(3) if col(3) is None else format(col(3), '.2f')} | {max(run[4] for run in r['runs']):.1f} | "
                      f"{'; '.join(sorted(r['notes']))} |", flush=True)
        if args.denied:
            wall, reported, losses, cpu = denied_loop(args, fw, d, outdir)
            print()
            print(f"denied loop: {args.denied} opens of a 0600 root file as nobody in {wall:.3f} s; filewatcher --source audit "
                  f"--audit-rules failures reported {reported} failure events (errno 13) for it; loss notices: "
                  f"{'; '.join(losses) if losses else 'none'}; filewatcher CPU {cpu:.2f} s (whole run)")
    finally:
        subprocess.run(["auditctl", "-D", "-k", KEY], capture_output=True)
        subprocess.run(["auditctl", "-e", before.get("enabled", "0")], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(outdir, ignore_errors=True)


if __name__ == "__main__":
    main()
