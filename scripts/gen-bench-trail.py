#!/usr/bin/env python3
"""Writes a synthetic OpenBSM trail for benchmarking `filewatcher watch --read`:
100 exec records (so processes are named), then N file records (open variants, close, unlink,
stat, chmod; every 50th a rename with two paths; every 20th a failure).
Usage: gen-bench-trail.py N OUT.bsm"""
import struct, sys, random
n = int(sys.argv[1]); out = open(sys.argv[2], 'wb')
def tok_path(p):
    b = p.encode() + b'\0'
    return b'\x23' + struct.pack('>H', len(b)) + b
def subject(pid, uid):
    return b'\x24' + struct.pack('>IIIIIIIII', uid, uid, 20, uid, 20, pid, 1, 0, 0)
def ret(s=0): return b'\x27' + struct.pack('>BI', s, 0 if s == 0 else 0xffffffff)
def rec(ev, secs, ms, body):
    size = 18 + len(body) + 7
    return b'\x14' + struct.pack('>IBHHII', size, 11, ev, 0, secs, ms) + body + b'\x13' + struct.pack('>HI', 0xb105, size)
def execargs(args):
    b = b''.join(a.encode() + b'\0' for a in args)
    return b'\x3c' + struct.pack('>I', len(args)) + b
t = 1700000000
name = b'bench\0'
out.write(b'\x11' + struct.pack('>IIH', t, 0, len(name)) + name)
evs = [72, 73, 76, 77, 79, 80, 112, 6, 16, 10]
for pid in range(100, 200):
    out.write(rec(23, t, 0, execargs(['prog%d' % pid, '-x', 'file']) + tok_path('/usr/bin/prog%d' % pid) + subject(pid, 501) + ret()))
for i in range(n):
    pid = 100 + i % 100
    ev = evs[i % len(evs)]
    body = subject(pid, 501) + tok_path('/home/user/project/src/dir%d/file%d.txt' % (i % 37, i % 1013))
    if i % 50 == 0:
        ev = 42; body += tok_path('/home/user/project/src/renamed%d.txt' % i)
    body += ret(2 if i % 20 == 0 else 0)
    out.write(rec(ev, t + i // 1000, i % 1000, body))
out.close()
