package io.throng.websocket;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.buffer.BufferPool;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;

/**
 * The WebSocket server protocol as an engine {@link Handler}: give it to {@code Server.start} (or
 * use {@link WebSocketServer}, which also says "going away" at shutdown). One instance serves all
 * connections of a server, under every model.
 *
 * <pre>{@code
 * WebSocketProtocol ws = WebSocketProtocol.server(echo)
 *         .config(WebSocketConfig.defaults().withMaxMessageBytes(64 * 1024))
 *         .hook(request -> request.cookie("session") != null ? RequestDecision.upgrade()
 *                                                             : RequestDecision.refuse(401, "log in first"))
 *         .build();
 * Server server = Server.start(ServerConfig.defaults().withPort(8080), ws);
 * }</pre>
 */
public final class WebSocketProtocol implements Handler {
    private final ProtocolHandler protocol;

    private WebSocketProtocol(ProtocolHandler protocol) {
        this.protocol = protocol;
    }

    /** A builder for a server whose connections are served by {@code handler} (unless the hook picks another). */
    public static Builder server(WebSocketHandler handler) {
        return new Builder(Objects.requireNonNull(handler, "handler"));
    }

    /** Builds a server protocol. */
    public static final class Builder {
        private final WebSocketHandler handler;
        private WebSocketConfig config = WebSocketConfig.defaults();
        private RequestHook hook = RequestHook.UPGRADE_ALL;
        private TopicRegistry topics;
        private Handler rawProtocol;

        private Builder(WebSocketHandler handler) {
            this.handler = handler;
        }

        public Builder config(WebSocketConfig v) {
            this.config = Objects.requireNonNull(v, "config");
            return this;
        }

        public Builder hook(RequestHook v) {
            this.hook = Objects.requireNonNull(v, "hook");
            return this;
        }

        /** The registry whose topics this server's connections subscribe to (unsubscribed when they close). */
        public Builder topics(TopicRegistry v) {
            this.topics = v;
            return this;
        }

        /**
         * A handler for connections whose first byte is 0x00 (no HTTP request starts so): a binary
         * side protocol on the same port, such as the push service's publish protocol.
         */
        public Builder rawProtocol(Handler v) {
            this.rawProtocol = v;
            return this;
        }

        public WebSocketProtocol build() {
            return new WebSocketProtocol(new ProtocolHandler(
                    new Endpoint(false, config, handler, hook, topics, rawProtocol)));
        }
    }

    /** The counters. */
    public WebSocketStats stats() {
        return protocol.stats();
    }

    public WebSocketConfig config() {
        return protocol.endpoint().config;
    }

    /** The registry given to the builder, or null. */
    public TopicRegistry topics() {
        return protocol.endpoint().topics;
    }

    /** The pool that lends assembly buffers for fragmented or partially received messages. */
    public BufferPool bufferPool() {
        return protocol.endpoint().pool;
    }

    /** Sends Close 1001 to every open connection and waits up to {@code timeout}; returns those still open. */
    public int goingAway(Duration timeout) {
        return protocol.goingAway(timeout);
    }

    /** Frees pooled compressors; call after the server stopped. */
    public void release() {
        protocol.endpoint().close();
    }

    @Override
    public void onOpen(Connection connection) {
        protocol.onOpen(connection);
    }

    @Override
    public void onData(Connection connection, ByteBuffer in) {
        protocol.onData(connection, in);
    }

    @Override
    public void onInputClosed(Connection connection) {
        protocol.onInputClosed(connection);
    }

    @Override
    public void onWritable(Connection connection) {
        protocol.onWritable(connection);
    }

    @Override
    public void onTimer(Connection connection) {
        protocol.onTimer(connection);
    }

    @Override
    public void onClose(Connection connection, CloseReason reason) {
        protocol.onClose(connection, reason);
    }
}
