#!/usr/bin/env python3
"""Peers that reset while the server writes: THREADS threads, each ROUNDS times: connect to the echo
server HOST:PORT, send up to SIZE bytes (as much as goes in 0.5 s: the server echoes them and,
since we do not read, its write queue fills), read 64 KiB of the echo (the server is writing), then
close with SO_LINGER 0 (a reset, with the rest of the echo still queued or in flight). Prints JSON.

    resetter.py HOST PORT THREADS ROUNDS SIZE"""
import json, socket, struct, sys, threading

host, port, threads, rounds, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
lock = threading.Lock()
tot = {"connections": 0, "resets": 0, "bytes_sent": 0, "bytes_read": 0, "errors": {}}
payload = bytes(range(256)) * (size // 256)


def worker():
    for _ in range(rounds):
        sent = got = 0
        try:
            s = socket.create_connection((host, port), timeout=5)
            s.settimeout(0.5)
            try:
                while sent < len(payload):
                    sent += s.send(payload[sent:sent + 65536])
            except socket.timeout:
                pass  # the server pushes back: its queue for us is full
            s.settimeout(5)
            while got < 65536:
                b = s.recv(65536 - got)
                if not b:
                    break
                got += len(b)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
            with lock:
                tot["connections"] += 1; tot["resets"] += 1; tot["bytes_sent"] += sent; tot["bytes_read"] += got
        except Exception as e:
            with lock:
                k = type(e).__name__
                tot["errors"][k] = tot["errors"].get(k, 0) + 1


ts = [threading.Thread(target=worker) for _ in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
print(json.dumps(tot))
