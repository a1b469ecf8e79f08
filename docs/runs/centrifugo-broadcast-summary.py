#!/usr/bin/env python3
"""Tabulates the runs of centrifugo-broadcast-2026-12-07.sh: one line per run, and per pair the
Centrifugo / raw ratios of the same pair (never figures across pairs).

    docs/runs/centrifugo-broadcast-summary.py OUTDIR > table.md
"""
import json
import re
import sys
from pathlib import Path

out = Path(sys.argv[1])
configs = {}
for f in sorted(out.glob("*.json")):
    m = re.match(r"(\w+)-(\d+)-(raw|centrifugo)\.json$", f.name)
    if not m:
        continue
    config, pair, proto = m.group(1), int(m.group(2)), m.group(3)
    r = json.loads(f.read_text())
    b = r["ws"]["broadcast"]
    text = f.with_suffix(".txt").read_text()
    cpu = re.search(r"server CPU during the run: (\d+) ms", text)
    load = re.search(r"load average ([\d.]+)", text)
    # the server's CPU over the measured broadcasts: first measured publish to last delivery
    measured = [x for x in b["rounds"] if not x["warmup"]]
    t0 = measured[0]["publishedAtMicros"]
    t1 = max(x["lastReceivedAtMicros"] for x in measured)
    bcpu = float("nan")
    samples = f.with_suffix(".cpu")
    if samples.exists():
        pts = [tuple(map(int, l.split())) for l in samples.read_text().splitlines() if len(l.split()) == 2]
        def at(t):
            for (ta, ca), (tb, cb) in zip(pts, pts[1:]):
                if ta <= t <= tb:
                    return ca + (cb - ca) * (t - ta) / max(1, tb - ta)
            return float("nan")
        bcpu = (at(t1) - at(t0)) * 10 / 1e3  # clock ticks of 10 ms -> s
    configs.setdefault(config, {}).setdefault(pair, {})[proto] = {
        "established": r["established"], "conns": r["connectAttempts"], "connect_s": r["connectSeconds"],
        "missed": b["missed"], "dup": b["duplicates"], "mismatches": r["mismatches"],
        "last_min": b["timeToLastMicros"]["min"] / 1e3, "last_med": b["timeToLastMicros"]["median"] / 1e3,
        "last_max": b["timeToLastMicros"]["max"] / 1e3, "p50": r["latency"]["p50"] / 1e3, "p99": r["latency"]["p99"] / 1e3,
        "cpu_s": int(cpu.group(1)) / 1e3 if cpu else float("nan"), "load": load.group(1) if load else "?",
        "server_pings": r["ws"].get("serverPings", 0),
        "bcast_cpu_s": bcpu, "bcast_s": (t1 - t0) / 1e6, "deliveries": r["latency"]["count"],
        "us_per_delivery": bcpu * 1e6 / r["latency"]["count"] if r["latency"]["count"] else float("nan"),
    }

for config, pairs in configs.items():
    print(f"### {config}\n")
    print("| pair | protocol | load avg at start | established | connect s | missed / dup | time to last min / median / max (ms) | delivery p50 / p99 (ms) | server CPU s (whole run) | server CPU in the broadcasts: s (us a delivery) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for pair in sorted(pairs):
        for proto in ("raw", "centrifugo"):
            x = pairs[pair].get(proto)
            if x is None:
                continue
            print(f"| {pair} | {proto} | {x['load']} | {x['established']:,} of {x['conns']:,} | {x['connect_s']:.2f} | "
                  f"{x['missed']} / {x['dup']} | {x['last_min']:.1f} / {x['last_med']:.1f} / {x['last_max']:.1f} | "
                  f"{x['p50']:.1f} / {x['p99']:.1f} | {x['cpu_s']:.2f} | {x['bcast_cpu_s']:.2f} ({x['us_per_delivery']:.1f}) |")
    print()
    print("| pair | Centrifugo / raw: median time to last | p50 | p99 | server CPU, whole run | server CPU, broadcasts |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for pair in sorted(pairs):
        r, c = pairs[pair].get("raw"), pairs[pair].get("centrifugo")
        if r is None or c is None:
            continue
        ratio = lambda k: c[k] / r[k] if r[k] else float("nan")
        print(f"| {pair} | {ratio('last_med'):.2f} | {ratio('p50'):.2f} | {ratio('p99'):.2f} | {ratio('cpu_s'):.2f} | {ratio('bcast_cpu_s'):.2f} |")
    print()
