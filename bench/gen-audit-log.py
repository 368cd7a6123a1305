#!/usr/bin/env python3
"""Writes an auditd log of N events (default 1,000,000) in the shapes of the shared samples
(../shared/samples/linux-audit): an openat with CWD + PATH + PROCTITLE, an execve with EXECVE (3
arguments) + 2 PATH items + PROCTITLE, a failed open(2) of a relative name (EACCES) and a
user-space USER_ACCT message; each syscall event ends with EOE. Deterministic.

Usage: bench/gen-audit-log.py OUT [EVENTS]
"""
import sys

out_path = sys.argv[1]
events = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
t = 1_700_000_000
with open(out_path, "w") as out:
    for i in range(events):
        s = f"msg=audit({t + i // 1000}.{i % 1000:03d}:{i + 1}):"
        k = i % 4
        if k == 0:
            out.write(f'type=SYSCALL {s} arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd a2=0 a3=0 items=1 ppid=100 pid={1000 + i % 50} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=2 comm="cat" exe="/usr/bin/cat" subj=unconfined key="fw"\n')
            out.write(f'type=CWD {s} cwd="/home/user"\n')
            out.write(f'type=PATH {s} item=0 name="file{i % 100}.txt" inode=11 dev=fe:01 mode=0100644 ouid=1000 ogid=1000 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\n')
            out.write(f'type=PROCTITLE {s} proctitle=636174006E6F7465732E747874\n')
        elif k == 1:
            out.write(f'type=SYSCALL {s} arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=100 pid={2000 + i % 50} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=2 comm="grep" exe="/usr/bin/grep" key=(null)\n')
            out.write(f'type=EXECVE {s} argc=3 a0="grep" a1="--color=auto" a2="mapping"\n')
            out.write(f'type=CWD {s} cwd="/home/user"\n')
            out.write(f'type=PATH {s} item=0 name="/usr/bin/grep" inode=2512 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n')
            out.write(f'type=PATH {s} item=1 name="/lib64/ld-linux-x86-64.so.2" inode=19161168 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n')
            out.write(f'type=PROCTITLE {s} proctitle=67726570002D2D636F6C6F723D6175746F006D617070696E67\n')
        elif k == 2:
            out.write(f'type=SYSCALL {s} arch=c000003e syscall=2 success=no exit=-13 a0=5555 a1=10800 a2=0 a3=0 items=1 ppid=2013 pid=13010 auid=4294967295 uid=890 gid=890 euid=890 suid=890 fsuid=890 egid=890 sgid=890 fsgid=890 tty=(none) comm="pickup" exe="/usr/libexec/postfix/pickup" key=(null)\n')
            out.write(f'type=CWD {s}  cwd="/var/spool/postfix"\n')
            out.write(f'type=PATH {s} item=0 name="maildrop" inode=14911367 dev=03:07 mode=040730 ouid=890 ogid=891 rdev=00:00\n')
        else:
            out.write(f"type=USER_ACCT {s} pid=13015 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:accounting grantors=pam_unix acct=\"root\" exe=\"/usr/sbin/crond\" hostname=? addr=? terminal=cron res=success'\n")
        if k != 3:
            out.write(f"type=EOE {s}\n")
