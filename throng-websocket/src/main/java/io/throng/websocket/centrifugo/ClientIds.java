package io.throng.websocket.centrifugo;

import io.throng.websocket.WebSocket;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Client ids: a UUID a connection, computed rather than kept (no string per connection). Its high
 * half is this process's, random at start, so that ids differ between workers and restarts; its
 * low half is the connection's id. Immutable: any thread.
 */
final class ClientIds {
    /** A version-4 UUID's high half: the version nibble set to 4. */
    private final long high = ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFFFFF0FFFL | 0x4000L;

    /** {@code ws}'s client id: this process's half and the connection's id, with the IETF variant bits. */
    String of(WebSocket ws) {
        long low = (ws.id() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    /** This process as the server API's info names its one node. */
    UUID node() {
        return new UUID(high, 0);
    }
}
