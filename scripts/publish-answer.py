#!/usr/bin/env python3
# How long a push server takes to answer publishes: 2,000 HTTP POSTs one at a time on one keep-alive
# connection (after 300 unmeasured), then 200 batches of 100 binary-protocol publishes (after 30),
# 50 channels, 64 B each. Usage: scripts/publish-answer.py PORT (a throng push on 127.0.0.1:PORT).
import http.client, socket, struct, sys, time, statistics
port = int(sys.argv[1]); preface = b"\x00TP1"  # PublishProtocol.PREFACE
def pct(xs, p): xs = sorted(xs); return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]
c = http.client.HTTPConnection("127.0.0.1", port)
lat = []
for i in range(2300):
    t = time.perf_counter(); c.request("POST", "/pub/t%d" % (i % 50), body=b"x" * 64); r = c.getresponse(); r.read()
    if r.status != 202: print("status", r.status); sys.exit(1)
    if i >= 300: lat.append(time.perf_counter() - t)
s = socket.create_connection(("127.0.0.1", port)); s.sendall(preface)
f = s.makefile("rb")
def batch(n):
    b = bytearray()
    for k in range(n):
        ch = b"t%d" % (k % 50); b += struct.pack(">H", len(ch)) + ch + struct.pack(">I", 64) + b"y" * 64
    return bytes(b)
blat = []
msg = batch(100)
for i in range(230):
    t = time.perf_counter(); s.sendall(msg)
    for k in range(100):
        st = f.read(1)[0]
        if st in (1, 2, 3): n = struct.unpack(">H", f.read(2))[0]; f.read(n)
        else: f.read(16)
        if st != 2: print("binary status", st); sys.exit(1)
    if i >= 30: blat.append(time.perf_counter() - t)
print("http p50 %.0f us p99 %.0f us | binary batch of 100: p50 %.0f us p99 %.0f us" % (
    pct(lat, 50) * 1e6, pct(lat, 99) * 1e6, pct(blat, 50) * 1e6, pct(blat, 99) * 1e6))
