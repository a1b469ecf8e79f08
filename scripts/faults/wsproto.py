"""A minimal WebSocket client for the fault scripts (RFC 6455, client side only, asyncio streams):
enough to subscribe to a throng push channel and read its messages. No dependencies."""
import asyncio, base64, os, struct


async def connect(host, port, path, local_addr=None, timeout=10):
    """Opens a WebSocket; returns (reader, writer) after a 101, raises otherwise."""
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, local_addr=(local_addr, 0) if local_addr else None), timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    status = head.split(b"\r\n", 1)[0]
    if b" 101 " not in status + b" ":
        writer.close()
        raise ConnectionError(status.decode(errors="replace"))
    return reader, writer


def frame(opcode, payload=b""):
    """A masked client frame."""
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def read_message(reader, writer):
    """The next data message (opcode, payload); answers pings; returns (8, payload) on a close."""
    while True:
        b0, b1 = await reader.readexactly(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", await reader.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", await reader.readexactly(8))[0]
        payload = await reader.readexactly(n)
        op = b0 & 0x0F
        if op == 9:
            writer.write(frame(10, payload))
        elif op == 10:
            continue
        else:
            return op, payload
