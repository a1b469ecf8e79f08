package io.throng.websocket;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * One open WebSocket connection, as the application sees it. Every method is safe from any thread.
 *
 * <p>Sends are framed and queued on the engine's write queue; inside a callback they go out when it
 * returns (with the callback's other writes, in one system call), from another thread at once.
 * Under the thread-per-connection models a send from another thread may block until the socket
 * takes it; topic fan-out never does (see {@link io.throng.websocket.TopicRegistry}).
 * Backpressure is the engine's: {@link #isWritable()} turns false above the high water mark and
 * {@link WebSocketHandler#onWritable} says when it is true again.
 */
public interface WebSocket {

    /** What became of a prepared message sent to one connection. */
    enum Delivery {
        /** Queued for the socket (or already in it). */
        SENT,
        /** Not sent: the connection's queue was over the slow-subscriber limit and the policy drops. */
        DROPPED,
        /** Not sent: the connection was over the slow-subscriber limit and is being closed with 1008. */
        CLOSED_SLOW,
        /** Not sent: the connection is closing or closed. */
        NOT_OPEN
    }

    /** Sends a text message. Returns false if the connection is closing or closed. */
    boolean sendText(CharSequence text);

    /** Sends a text message from its UTF-8 bytes (not checked), consuming them. */
    boolean sendText(ByteBuffer utf8);

    /** Sends a binary message, consuming {@code data}'s remaining bytes. */
    boolean sendBinary(ByteBuffer data);

    /** Sends a binary message. */
    boolean sendBinary(byte[] data);

    /**
     * Sends a message framed once for many connections (a broadcast), without copying it unless
     * this connection's socket cannot take it now. Applies the slow-subscriber policy
     * ({@link WebSocketConfig#slowSubscribers()}).
     */
    Delivery send(PreparedMessage message);

    /**
     * Sends a small message framed once for many connections that is not a publication (an
     * application's keep-alive, sent to every connection in turn from one thread): written as
     * {@link #send(PreparedMessage)} writes, at once from the calling thread without copying and
     * without the wait a foreign {@link #sendText} makes to gather writes, but counted as a message
     * out only (not a delivery) and past the slow-subscriber policy, which is for publications. Its
     * compression is never applied (an uncompressed frame is valid on any connection). False if the
     * connection is not open.
     */
    boolean sendPrepared(PreparedMessage message);

    /** Sends a Ping (at most 125 bytes of payload); the peer's Pong arrives in {@link WebSocketHandler#onPong}. */
    boolean ping(ByteBuffer payload);

    /**
     * Starts the closing handshake: sends Close with {@code code} and {@code reason} (at most 123
     * UTF-8 bytes; longer reasons are cut) and closes the TCP connection when the peer answers, or
     * after the close timeout. {@code code} must be one that may be sent
     * ({@link CloseCodes#mayAppearOnWire}).
     */
    void close(int code, String reason);

    /** {@code close(1000, "")}. */
    default void close() {
        close(CloseCodes.NORMAL, "");
    }

    /** Drops the connection at once, without a closing handshake (TCP reset). */
    void abort();

    /** True until a Close has been sent or received. */
    boolean isOpen();

    /** True while the queued bytes are under the engine's high water mark. */
    boolean isWritable();

    /** Bytes queued and not yet taken by the socket. */
    long queuedBytes();

    /** Stops reading frames (TCP slows the peer down) until {@link #resumeReads()}. */
    void suspendReads();

    void resumeReads();

    /** The subprotocol agreed in the handshake, or null. */
    String subprotocol();

    /** Whether permessage-deflate was agreed. */
    boolean compressed();

    /** The application's object for this connection (from the hook's upgrade decision, or {@link #attach}). */
    <T> T attachment();

    void attach(Object attachment);

    /** The engine's id of the underlying connection. */
    long id();

    SocketAddress remoteAddress();
}
