#!/usr/bin/env python3
"""Opens N TCP connections to host:port and holds them open, idle, until stdin closes or a timeout.

An independent peer for measuring what idle connections cost a server (scripts/idle-memory.sh).
With --tls-ca FILE each connection is a TLS one (Python's ssl module, OpenSSL underneath),
handshaken and verified against the CAs in FILE before it counts as held.
Prints 'held N' once every connection is established. Source addresses rotate over 127.0.0.x
so that N may exceed one address's ephemeral ports.
"""
import argparse
import socket
import sys
import time

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--conns", type=int, default=10000)
    p.add_argument("--src-ips", type=int, default=4, help="spread sources over 127.0.0.2 .. 127.0.0.(1+K)")
    p.add_argument("--hold", type=float, default=600, help="seconds to hold at most")
    p.add_argument("--tls-ca", help="speak TLS, trusting the CAs in this PEM file")
    p.add_argument("--echo", action="store_true",
                   help="send one byte on each connection and wait for it back before counting it held (an echo server)")
    a = p.parse_args()
    ctx = None
    if a.tls_ca:
        import ssl
        ctx = ssl.create_default_context(cafile=a.tls_ca)
    socks = []
    for i in range(a.conns):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((f"127.0.0.{2 + i % a.src_ips}", 0))
        for attempt in range(50):
            try:
                s.connect((a.host, a.port))
                break
            except OSError as e:
                if attempt == 49:
                    print(f"connect {i} failed: {e}", file=sys.stderr)
                    return 1
                time.sleep(0.01)
        if ctx is not None:
            s = ctx.wrap_socket(s, server_hostname=a.host)  # the handshake, the name checked
        if a.echo:
            s.sendall(b"x")
            if s.recv(1) != b"x":
                print(f"connection {i}: no echo", file=sys.stderr)
                return 1
        socks.append(s)
    print(f"held {len(socks)}", flush=True)
    deadline = time.time() + a.hold
    import select
    while time.time() < deadline:
        r, _, _ = select.select([sys.stdin], [], [], 1.0)
        if r and not sys.stdin.readline():
            break
    for s in socks:
        s.close()
    return 0

if __name__ == "__main__":
    sys.exit(main())
