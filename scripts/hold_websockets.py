#!/usr/bin/env python3
"""Opens N WebSocket connections to host:port/path and holds them open, idle, until stdin closes.

An independent peer (plain sockets, the handshake written by hand) for measuring what idle
WebSocket connections cost a server (scripts/ws-idle-memory.sh). Each connection is upgraded and
the 101 checked before the next is opened; it then answers nothing (a measurement lasts well under
the server's default 60 s ping interval). Prints 'held N' once every connection is upgraded.
Source addresses rotate over 127.0.0.x so that N may exceed one address's ephemeral ports.
"""
import argparse
import base64
import os
import select
import socket
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/")
    p.add_argument("--conns", type=int, default=10000)
    p.add_argument("--src-ips", type=int, default=4)
    p.add_argument("--hold", type=float, default=300, help="seconds to hold at most")
    a = p.parse_args()
    socks = []
    for i in range(a.conns):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((f"127.0.0.{2 + i % a.src_ips}", 0))
        s.settimeout(10)
        s.connect((a.host, a.port))
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET {a.path} HTTP/1.1\r\nHost: {a.host}:{a.port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                print(f"connection {i}: closed during the handshake: {head!r}", file=sys.stderr)
                return 1
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            print(f"connection {i}: no upgrade: {head.splitlines()[0]!r}", file=sys.stderr)
            return 1
        socks.append(s)
    print(f"held {len(socks)}", flush=True)
    deadline = time.time() + a.hold
    while time.time() < deadline:
        r, _, _ = select.select([sys.stdin], [], [], 1.0)
        if r and not sys.stdin.readline():
            break
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
