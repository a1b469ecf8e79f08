#!/usr/bin/env python3
"""An independent client: Debian's python3-websockets against a throng WebSocket echo server.

Usage: ws_client.py ws://127.0.0.1:PORT/ [deflate]
Prints one JSON line with what it checked; exits non-zero on the first mismatch.
"""
import asyncio
import hashlib
import json
import os
import sys

import websockets


def fail(why):
    print(json.dumps({"ok": False, "why": why}), flush=True)
    sys.exit(1)


async def main(url, deflate):
    checks = []
    async with websockets.connect(url, compression="deflate" if deflate else None, max_size=64 << 20,
                                  ping_interval=None) as ws:
        for text in ["hello", "", "κόσμε — ünïcödé ✓", "x" * 125, "y" * 126, "z" * 70000]:
            await ws.send(text)
            back = await ws.recv()
            if back != text:
                fail("text echo of %d chars differs" % len(text))
        checks.append("6 text echoes")
        for n in [0, 1, 125, 126, 65535, 65536, 1 << 20, 3 << 20]:
            data = os.urandom(n)
            await ws.send(data)
            back = await ws.recv()
            if not isinstance(back, bytes) or hashlib.sha1(back).digest() != hashlib.sha1(data).digest():
                fail("binary echo of %d B differs" % n)
        checks.append("8 binary echoes up to 3 MiB")
        await ws.send(["frag-1 ", "frag-2 ", "frag-3"])  # one message in three frames
        if await ws.recv() != "frag-1 frag-2 frag-3":
            fail("fragmented echo differs")
        checks.append("fragmented message")
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 10)
        checks.append("ping/pong")
        ext = ws.response_headers.get("Sec-WebSocket-Extensions")
        if deflate and (ext is None or "permessage-deflate" not in ext):
            fail("permessage-deflate was not negotiated: %s" % ext)
        checks.append("extensions: %s" % ext)
        await ws.close(1000, "done")
        if ws.close_code != 1000:
            fail("closed with %s" % ws.close_code)
    print(json.dumps({"ok": True, "checks": checks, "closeCode": 1000}), flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(asyncio.wait_for(main(sys.argv[1], len(sys.argv) > 2 and sys.argv[2] == "deflate"), 60))
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - report anything as a failure line
        fail("%s: %s" % (type(e).__name__, e))
