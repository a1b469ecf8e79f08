package io.throng.core;

import java.nio.ByteBuffer;

/**
 * What an application does with a connection. One handler object serves every connection of a
 * server, under every model, so it keeps per-connection state in {@link Connection#attach}.
 *
 * <p>Callbacks for one connection never run at the same time and each sees the effects of the
 * previous one. Which thread runs them depends on the model: a reactor loop (the handler must not
 * block), a worker of the bounded pool, or the connection's own thread (the handler may block).
 *
 * <p>Reading: {@link #onData} receives the bytes that arrived, prefixed by whatever the handler left
 * unconsumed last time. The handler consumes whole messages by advancing the buffer's position and
 * leaves a partial message in place; the engine keeps those leftover bytes in a pooled buffer and
 * returns it to the pool as soon as they are consumed. An idle connection therefore holds no buffer.
 */
public interface Handler {

    /** The connection is established. Writes made here are flushed when the callback returns. */
    default void onOpen(Connection connection) {}

    /**
     * Bytes arrived. {@code in} is readable from its position to its limit and is valid only during
     * this call: consume by advancing its position, never keep a reference to it. Writes made here
     * are gathered and flushed with one system call when the callback returns.
     */
    void onData(Connection connection, ByteBuffer in);

    /**
     * The peer closed its side (end of stream). The default closes the connection gracefully once
     * everything queued has been written; override to keep writing on a half-closed connection.
     */
    default void onInputClosed(Connection connection) {
        connection.close();
    }

    /**
     * The queued bytes fell to the low water mark after having crossed the high one:
     * {@link Connection#isWritable()} is true again. Typically resumes reads or production.
     */
    default void onWritable(Connection connection) {}

    /**
     * The connection's timer ({@link Connection#setTimer}) went off. One timer per connection, kept
     * on the loop's wheel: no timer object, so a million connections can each have one (a
     * handshake deadline, a ping interval).
     */
    default void onTimer(Connection connection) {}

    /** The connection is closed; called exactly once, after which it holds no buffer. */
    default void onClose(Connection connection, CloseReason reason) {}
}
