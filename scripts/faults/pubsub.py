#!/usr/bin/env python3
"""Subscribers and a sequenced publisher for fault run 2 (broker restart).

    pubsub.py OUT.json SECONDS RATE CHANNEL SUBS_PER_NODE HOST:PORT [HOST:PORT ...]

Opens SUBS_PER_NODE WebSocket subscribers of /sub/CHANNEL on every node, then POSTs /pub/CHANNEL
with bodies "seq N" at RATE a second for SECONDS, round robin over the nodes (one keep-alive HTTP
connection each), recording each publish's wall-clock time and status. Then waits 3 s for the last
deliveries and writes, per publish, its status and how many subscribers got it, with the counts."""
import asyncio, json, sys, time
from wsproto import connect, read_message

out, seconds, rate, channel, per_node = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
nodes = [(h, int(p)) for h, p in (a.rsplit(":", 1) for a in sys.argv[6:])]


async def subscriber(host, port, got, closed):
    reader, writer = await connect(host, port, f"/sub/{channel}")
    try:
        while True:
            op, payload = await read_message(reader, writer)
            if op == 8:
                closed.append(payload[:2].hex())
                return
            seq = int(payload.decode().split()[1])
            got[seq] = got.get(seq, 0) + 1
    except (asyncio.IncompleteReadError, ConnectionError):
        closed.append("eof")
    except asyncio.CancelledError:
        writer.close()


async def post(conn, path, body):
    reader, writer = conn
    writer.write((f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n"
                  ).encode() + body)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    text = (await reader.readexactly(length)).decode(errors="replace")
    return status, text


async def main():
    subs = []  # (node index, received seq -> count)
    tasks, closed = [], []
    for i, (h, p) in enumerate(nodes):
        for _ in range(per_node):
            got = {}
            subs.append((i, got))
            tasks.append(asyncio.ensure_future(subscriber(h, p, got, closed)))
    await asyncio.sleep(1.5)  # every subscription on the broker
    conns = [await asyncio.open_connection(h, p) for h, p in nodes]
    pubs = []
    start = time.time()
    seq = 0
    while time.time() - start < seconds:
        n = seq % len(nodes)
        t = time.time()
        try:
            status, text = await asyncio.wait_for(post(conns[n], f"/pub/{channel}", f"seq {seq}".encode()), 5)
        except Exception as e:
            status, text = 0, repr(e)
            conns[n] = await asyncio.open_connection(*nodes[n])
        pubs.append({"seq": seq, "node": n, "t": round(t, 4), "status": status,
                     "error": text if status >= 300 or status == 0 else None})
        seq += 1
        await asyncio.sleep(max(0, start + seq / rate - time.time()))
    await asyncio.sleep(3)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for p in pubs:
        p["delivered"] = sum(1 for _, got in subs if p["seq"] in got)
        p["missing_nodes"] = sorted({i for i, got in subs if p["seq"] not in got})
    dups = sum(c - 1 for _, got in subs for c in got.values() if c > 1)
    json.dump({"subscribers": len(subs), "nodes": len(nodes), "closed_early": closed, "duplicates": dups,
               "publishes": pubs}, open(out, "w"))


asyncio.run(main())
