#!/usr/bin/env python3
"""An independent server: Debian's python3-websockets, echoing, for throng's WebSocket client.

Usage: ws_server.py [deflate]   prints "port N", serves until stdin closes (or 120 s).
"""
import asyncio
import sys

import websockets


async def echo(ws, path=None):
    async for message in ws:
        if message == "close-me":
            await ws.close(4001, "as you asked")
            return
        await ws.send(message)


async def main(deflate):
    async with websockets.serve(echo, "127.0.0.1", 0, compression="deflate" if deflate else None,
                                max_size=64 << 20, ping_interval=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print("port %d" % port, flush=True)
        loop = asyncio.get_running_loop()
        stdin_closed = loop.run_in_executor(None, sys.stdin.read)
        await asyncio.wait_for(stdin_closed, 120)


if __name__ == "__main__":
    try:
        asyncio.run(main(len(sys.argv) > 1 and sys.argv[1] == "deflate"))
    except asyncio.TimeoutError:
        pass
