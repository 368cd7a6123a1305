#!/usr/bin/env python3
"""Live shipping benchmark (Linux, root; run through bench/ship-live.sh).

Part 1, cost: `workload rw N DIR` unwatched, under `filewatcher` (live fanotify, no shipping: the
peer) and under the same command with `--ship relp+tls://…` to a local rsyslogd, rounds interleaved
so background load hits all three alike. Prints the workload's loop time (median), the time added
against unwatched, the workload's and filewatcher's CPU time (user+sys), filewatcher's peak RSS, and
for the shipping run how many messages naming DIR rsyslog received against the lines filewatcher
wrote locally for DIR.

Part 2, outage: filewatcher ships to rsyslogd, rsyslogd is stopped, `workload churn N DIR` runs in a
loop for --outage seconds while filewatcher's VmRSS is sampled every 0.5 s; then rsyslogd starts
again on the same port and filewatcher drains (SIGINT, --ship-drain) — its summary says what was
acknowledged and what the spool dropped (when --spool-max was reached).

Usage: ship-live.py WORKLOAD FILEWATCHER [--reps 5] [--rw 200000] [--churn 50000] [--outage 600]
"""
import argparse, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from bench import TICK, cpu_ticks, mem_kib, wait_idle  # the live benchmark's /proc readers, one copy

_wait_idle = wait_idle
def wait_idle(pid, window=0.5, limit=120.0):
    """Until filewatcher's CPU time grows by at most 2% of a window (it has drained its queue)."""
    _wait_idle(pid, window, limit)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run_workload(workload, mode, n, d):
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))
    proc = subprocess.Popen([workload, mode, str(n), d], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("workload failed")
    return float(out.strip()), usage.ru_utime + usage.ru_stime


class Rsyslog:
    """rsyslogd -n with an imrelp TLS input on 127.0.0.1:port, writing each message's MSG to a file."""

    def __init__(self, work, port):
        self.work, self.port = work, port
        self.conf = f"{work}/rsyslog.conf"
        with open(self.conf, "w") as f:
            f.write(f'''global(workDirectory="{work}" maxMessageSize="64k")
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="{port}" tls="on" tls.caCert="{work}/ca.pem"
      tls.myCert="{work}/server.pem" tls.myPrivKey="{work}/server.key" tls.authMode="certvalid")
template(name="m" type="string" string="%msg%\\n")
action(type="omfile" file="{work}/received.log" template="m" asyncWriting="on" ioBufferSize="1m")
''')
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["rsyslogd", "-n", "-f", self.conf, "-i", f"{self.work}/rsyslog.pid"],
                                     stdout=subprocess.DEVNULL, stderr=open(f"{self.work}/rsyslog.err", "a"))
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("rsyslogd did not listen")

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)
            self.proc = None

    def received_lines(self, needle):
        """Lines of received.log containing needle (rsyslog flushes on stop)."""
        path = f"{self.work}/received.log"
        if not os.path.exists(path):
            return 0
        b = needle.encode()
        with open(path, "rb") as f:
            return sum(1 for line in f if b in line)

    def reset(self):
        path = f"{self.work}/received.log"
        if os.path.exists(path):
            os.unlink(path)


def make_certs(work):
    q = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=work)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bench ca",
                    "-keyout", "ca.key", "-out", "ca.pem"], **q)
    with open(f"{work}/server.ext", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-keyout", "server.key", "-out", "server.csr"], **q)
    subprocess.run(["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.pem"], **q)


class Filewatcher:
    def __init__(self, argv):
        self.argv = argv

    def start(self, ready=1.5):
        # stderr to a file: a pipe read only at the end would fill and block filewatcher's writes to it.
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=self.err, text=True)
        time.sleep(ready)
        if self.proc.poll() is not None:
            self.err.seek(0)
            raise SystemExit(f"filewatcher exited: {self.err.read()}")
        return self.proc.pid

    def stop(self, timeout=300):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err.seek(0)
        return self.err.read()


def count_lines(path, needle):
    b = needle.encode()
    with open(path, "rb") as f:
        return sum(1 for line in f if b in line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload"); ap.add_argument("filewatcher")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rw", type=int, default=200000)
    ap.add_argument("--churn", type=int, default=50000)
    ap.add_argument("--outage", type=float, default=600, help="seconds of collector outage (0: skip part 2)")
    ap.add_argument("--spool-max", default="1G")
    ap.add_argument("--dir", default="/var/tmp")
    ap.add_argument("--skip-cost", action="store_true")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="fwship-live-", dir=args.dir)
    d = tempfile.mkdtemp(prefix="fwship-wl-", dir=args.dir)
    rsyslog = None
    try:
        make_certs(work)
        port = free_port()
        rsyslog = Rsyslog(work, port)
        tls = ["--tls-ca", f"{work}/ca.pem", "--tls-cert", f"{work}/server.pem", "--tls-key", f"{work}/server.key"]
        out = f"{work}/fw.json"
        base = [args.filewatcher, "--format", "json", "-o", out]
        ship = ["--ship", f"relp+tls://127.0.0.1:{port}", "--spool", f"{work}/spool", "--ship-drain", "300"] + tls
        uname = os.uname()
        load = open("/proc/loadavg").read().split()[:3]
        print(f"machine: {uname.sysname} {uname.release}, {os.cpu_count()} CPUs; load average at start {' '.join(load)}; "
              f"reps {args.reps} (median)")
        print()
        if not args.skip_cost:
            cost(args, rsyslog, base, ship, out, d, work)
        if args.outage > 0:
            outage(args, rsyslog, base, ship, d, work)
        load = open("/proc/loadavg").read().split()[:3]
        print(f"\nload average at the end: {' '.join(load)}")
    finally:
        if rsyslog:
            rsyslog.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(d, ignore_errors=True)


def cost(args, rsyslog, base, ship, out, d, work):
    rows = {"unwatched": [], "filewatcher": [], "filewatcher --ship relp+tls": []}
    delivered = []
    rcpus = []
    rsyslog.start()
    for _ in range(args.reps):
        for label in rows:
            if label == "unwatched":
                wall, wcpu = run_workload(args.workload, "rw", args.rw, d)
                rows[label].append((wall, wcpu, None, None))
                continue
            shipping = label != "filewatcher"
            shutil.rmtree(f"{work}/spool", ignore_errors=True)
            if os.path.exists(out):
                os.unlink(out)
            fw = Filewatcher(base + (ship if shipping else ["--no-summary"]))
            pid = fw.start()
            c0 = cpu_ticks(pid)
            wall, wcpu = run_workload(args.workload, "rw", args.rw, d)
            wait_idle(pid)
            mcpu = (cpu_ticks(pid) - c0) / TICK
            peak = mem_kib(pid, "VmHWM") / 1024
            err = fw.stop()
            rows[label].append((wall, wcpu, mcpu, peak))
            if shipping:
                rcpus.append(cpu_ticks(rsyslog.proc.pid) / TICK)  # this round's rsyslogd (started fresh)
                rsyslog.stop()  # flushes received.log
                got, wrote = rsyslog.received_lines(d), count_lines(out, d)
                delivered.append((got, wrote))
                rsyslog.reset()
                rsyslog.start()
                for line in err.splitlines():
                    if "shipped to" in line or "ship:" in line or "filewatcher: ship " in line:
                        print(f"note: {line.strip()}", file=sys.stderr)
    rsyslog.stop()
    print(f"### workload rw {args.rw}: added time\n")
    print("| monitor | wall s (median) | added (wall) | workload CPU s | added (workload CPU) | filewatcher CPU s | rsyslogd CPU s (same host) | filewatcher peak RSS MB | messages for DIR received / lines written locally |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    unwatched = statistics.median(r[0] for r in rows["unwatched"])
    ucpu = statistics.median(r[1] for r in rows["unwatched"])
    for label, rs in rows.items():
        wall = statistics.median(r[0] for r in rs)
        wcpu = statistics.median(r[1] for r in rs)
        if label == "unwatched":
            print(f"| {label} | {wall:.3f} | | {wcpu:.2f} | | | | | |")
            continue
        mcpu = statistics.median(r[2] for r in rs)
        peak = max(r[3] for r in rs)
        dl = " ".join(f"{g}/{w}" for g, w in delivered) if "ship" in label else ""
        print(f"| {label} | {wall:.3f} | +{(wall - unwatched) / unwatched * 100:.1f}% | {wcpu:.2f} | "
              f"+{(wcpu - ucpu) / ucpu * 100:.1f}% | {mcpu:.2f} | "
              f"{statistics.median(rcpus) if 'ship' in label else 0:.2f} | {peak:.1f} | {dl} |")
    print()
    print("every round (wall s / workload CPU s): " + "; ".join(
        f"{label}: " + " ".join(f"{r[0]:.2f}/{r[1]:.2f}" for r in rs) for label, rs in rows.items()))
    print()


def outage(args, rsyslog, base, ship, d, work):
    shutil.rmtree(f"{work}/spool", ignore_errors=True)
    rsyslog.reset()
    rsyslog.start()
    fw = Filewatcher(base[:3] + ["-o", "/dev/null"] + ship + ["--spool-max", args.spool_max, "-d", f"{work}/debug.log"])
    pid = fw.start(ready=2.0)
    rsyslog.stop()
    samples = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            try:
                samples.append((time.time(), mem_kib(pid, "VmRSS") / 1024))
            except OSError:
                return
            time.sleep(0.5)

    t = threading.Thread(target=sample)
    t.start()
    c0 = cpu_ticks(pid)
    start = time.time()
    loops = 0
    while time.time() - start < args.outage:
        run_workload(args.workload, "churn", args.churn, d)
        loops += 1
    elapsed = time.time() - start
    wait_idle(pid)
    stop.set(); t.join()
    mcpu = (cpu_ticks(pid) - c0) / TICK
    hwm = mem_kib(pid, "VmHWM") / 1024
    spool_bytes = sum(os.path.getsize(os.path.join(f"{work}/spool", n)) for n in os.listdir(f"{work}/spool"))
    peak = max(s[1] for s in samples)
    last = samples[-1][1]
    rsyslog.start()
    t0 = time.time()
    err = fw.stop(timeout=900)
    drain = time.time() - t0
    rsyslog.stop()
    got = rsyslog.received_lines(d)
    print(f"### collector outage: rsyslogd stopped, `workload churn {args.churn}` looped for {elapsed:.0f} s ({loops} runs)\n")
    print("| outage s | churn runs | filewatcher CPU s | VmRSS max MB (0.5 s samples) | VmRSS at the end MB | VmHWM MB | spool on disk MB (--spool-max " + args.spool_max + ") | drain after restart s | messages for DIR received |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {elapsed:.0f} | {loops} | {mcpu:.1f} | {peak:.1f} | {last:.1f} | {hwm:.1f} | {spool_bytes / 1e6:.0f} | {drain:.1f} | {got} |")
    print()
    print("VmRSS every 30 s (MB): " + " ".join(f"{s[1]:.0f}" for s in samples[::60]))
    full = [line for line in err.splitlines() if "spool full" in line]
    print(f"filewatcher's stderr ({len(full)} 'spool full' lines folded):")
    for line in err.splitlines():
        if "spool full" in line and line not in (full[0], full[-1]):
            continue
        print(f"    {line}")


if __name__ == "__main__":
    main()
