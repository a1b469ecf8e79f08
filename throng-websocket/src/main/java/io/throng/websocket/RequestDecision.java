package io.throng.websocket;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.Executor;

/** What a {@link RequestHook} decides for one request. */
public sealed interface RequestDecision {

    /**
     * Complete the WebSocket upgrade.
     *
     * @param handler    the connection's handler, or null for the server's default
     * @param attachment the application's per-connection object ({@link WebSocket#attachment()}), or null
     */
    record Upgrade(WebSocketHandler handler, Object attachment) implements RequestDecision {
    }

    /** Answer with {@code response} (a refusal, or a plain HTTP answer), no upgrade. */
    record Respond(HttpResponse response) implements RequestDecision {
        public Respond {
            Objects.requireNonNull(response, "response");
        }
    }

    /**
     * Read the request's body (Content-Length bytes, at most {@code maxBytes}, else 413) and answer
     * with what {@code handler} returns. The request view is gone by then: copy what the handler
     * needs from it before returning this.
     *
     * <p>With an {@code executor}, the handler runs there on a copy of the body, so that a handler
     * that takes long (a publish to many subscribers) does not hold the event loop that read the
     * request; the connection's reads wait meanwhile (a pipelined request behind the body is
     * handled after the answer), and the answer is written from the executor. Without one, the
     * handler runs where the body was read.
     */
    record ReadBody(int maxBytes, BodyHandler handler, Executor executor) implements RequestDecision {
        public ReadBody {
            Objects.requireNonNull(handler, "handler");
            if (maxBytes < 0) {
                throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
            }
        }

        public ReadBody(int maxBytes, BodyHandler handler) {
            this(maxBytes, handler, null);
        }
    }

    /** Answers a request from its body; {@code body} is valid during the call only. */
    @FunctionalInterface
    interface BodyHandler {
        HttpResponse onBody(ByteBuffer body);
    }

    /** Upgrade with the server's handler and no attachment. */
    static RequestDecision upgrade() {
        return new Upgrade(null, null);
    }

    static RequestDecision upgrade(Object attachment) {
        return new Upgrade(null, attachment);
    }

    static RequestDecision upgrade(WebSocketHandler handler, Object attachment) {
        return new Upgrade(handler, attachment);
    }

    /** Refuse with {@code status} and a short text; the connection is closed. */
    static RequestDecision refuse(int status, String message) {
        return new Respond(HttpResponse.refuse(status, message));
    }

    static RequestDecision respond(HttpResponse response) {
        return new Respond(response);
    }
}
