package io.throng.load;

/** What the load generator does with its connections. */
public enum LoadMode {
    /** Each connection sends an 8-byte timestamp and waits for its echo (or keeps D in flight). */
    PINGPONG("pingpong"),
    /** Short connections: connect, one 8-byte exchange, close; measures connections per second. */
    CONNRATE("connrate"),
    /** Open N connections at a rate, keep them open, each pinging every T seconds. */
    HOLD("hold"),
    /** Open N WebSocket subscribers of a push server's channels and hold them, each pinging every T seconds. */
    WS_HOLD("ws-hold"),
    /** The WebSocket subscribers of ws-hold, then M broadcasts published to them, each delivery timed. */
    WS_BROADCAST("ws-broadcast");

    private final String id;

    LoadMode(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Whether the connections are WebSocket subscribers (on throng's WebSocket client) rather than raw TCP. */
    public boolean webSocket() {
        return this == WS_HOLD || this == WS_BROADCAST;
    }

    /** Whether the connections are held and ping on their own (hold, ws-hold, ws-broadcast). */
    public boolean held() {
        return this == HOLD || webSocket();
    }

    public static LoadMode parse(String s) {
        for (LoadMode m : values()) {
            if (m.id.equalsIgnoreCase(s) || m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown load mode '" + s + "'; expected pingpong, connrate, hold, ws-hold or ws-broadcast");
    }

    @Override
    public String toString() {
        return id;
    }
}
