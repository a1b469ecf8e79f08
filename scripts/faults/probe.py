#!/usr/bin/env python3
"""Connect probes: every INTERVAL seconds for SECONDS, a new TCP connection to HOST:PORT sends 8 bytes,
waits (1 s at most) for them to be echoed, and closes. Prints one JSON object: attempts, ok, failures by
cause, and the wall-clock times of the failures (the first 50).

    probe.py HOST PORT SECONDS [INTERVAL=0.01]"""
import json, socket, sys, time

host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.01
end = time.time() + seconds
attempts = ok = 0
failures, times = {}, []
first_ok_after_failure = None
while time.time() < end:
    attempts += 1
    t = time.time()
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.sendall(b"probe-00")
            got = b""
            while len(got) < 8:
                b = s.recv(8 - len(got))
                if not b:
                    raise ConnectionError("closed before the echo")
                got += b
            if got != b"probe-00":
                raise ValueError("wrong echo")
        ok += 1
    except Exception as e:
        cause = type(e).__name__
        failures[cause] = failures.get(cause, 0) + 1
        if len(times) < 50:
            times.append(round(t, 3))
    time.sleep(max(0, interval - (time.time() - t)))
print(json.dumps({"attempts": attempts, "ok": ok, "failures": failures, "failure_times": times}))
