package io.throng.core;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * One TCP connection, as a handler sees it.
 *
 * <p>{@link #write}, {@link #flush}, {@link #close} and the read switches are safe from any thread.
 * Writes are queued and flushed in batches: inside a callback the engine flushes when the callback
 * returns; from another thread call {@link #flush()} after the writes of one batch.
 *
 * <p>Backpressure: the bytes queued but not yet taken by the socket are counted (writes from other
 * threads included). Above the high water mark {@link #isWritable()} turns false; when they drop to
 * the low mark it turns true again and {@link Handler#onWritable} runs. Past the configured maximum
 * the connection is closed with {@link CloseReason.Kind#WRITE_LIMIT}, so no peer can make the server
 * hold unbounded memory.
 */
public interface Connection {

    /** A number unique among the connections of one server or client. */
    long id();

    /**
     * Queues the remaining bytes of {@code src} and consumes them (its position moves to its
     * limit). The bytes are copied only if the socket cannot take them now, so {@code src} may be
     * reused as soon as this returns.
     *
     * @return false if the connection is closing or closed, in which case nothing was queued
     */
    boolean write(ByteBuffer src);

    /** Queues {@code length} bytes of {@code src} from {@code offset}, as {@link #write(ByteBuffer)}. */
    boolean write(byte[] src, int offset, int length);

    /** Queues all of {@code src}, as {@link #write(ByteBuffer)}. */
    default boolean write(byte[] src) {
        return write(src, 0, src.length);
    }

    /**
     * Writes the bytes between {@code src}'s position and limit <em>without consuming them</em>:
     * {@code src} is not modified, so one buffer (a frame encoded once) can be written to many
     * connections, from any thread, concurrently. The bytes go to the socket straight from
     * {@code src} (gathered behind what is queued) and are copied only if the socket cannot take them
     * now. {@code src} must not change until the call returns.
     *
     * @return false if the connection is closing or closed, in which case nothing was queued
     */
    boolean writeShared(ByteBuffer src);

    /**
     * As {@link #writeShared}, for bytes that <em>never change again</em> (a frame encoded once and
     * sent to many connections, which nobody reuses or frees): the engine may keep a view of
     * {@code src} after this returns instead of copying what the socket cannot take now, and a
     * completion transport (io_uring) sends them from {@code src}'s own memory. So a broadcast costs
     * each connection no copy of the frame, however many wait for room. The view keeps {@code src}'s
     * memory alive until it is sent or the connection closes. A heap buffer is copied as by
     * {@code writeShared}.
     *
     * @return false if the connection is closing or closed, in which case nothing was queued
     */
    default boolean writeImmutable(ByteBuffer src) {
        return writeShared(src);
    }

    /** Writes what is queued as far as the socket takes it now; the rest goes out when it can. */
    void flush();

    /** True while the queued bytes have not crossed the high water mark (see the class comment). */
    boolean isWritable();

    /** Bytes queued and not yet taken by the socket. */
    long queuedBytes();

    /** Stops reading from the socket (the peer is slowed down by TCP) until {@link #resumeReads()}. */
    void suspendReads();

    /**
     * Undoes {@link #suspendReads()}. Any thread. Bytes the handler left unconsumed are handed to
     * {@link Handler#onData} again right away, without waiting for the peer to send more: a handler
     * may take one message, suspend reads while another thread answers it, and resume.
     */
    void resumeReads();

    /**
     * Closes gracefully: stops reading, writes everything queued, sends FIN, then closes. Bytes the
     * peer still sends are discarded meanwhile. {@link Handler#onClose} follows.
     */
    void close();

    /** Closes at once: queued bytes are dropped and the peer gets a reset. */
    void abort();

    /** False once the connection is closing or closed. */
    boolean isOpen();

    /**
     * Sets this connection's one timer: {@link Handler#onTimer} runs in its serial context after
     * {@code delay} (to the wheel's 100 ms resolution). Setting it again replaces it; any thread.
     */
    void setTimer(java.time.Duration delay);

    /** Cancels the timer, if set. */
    void cancelTimer();

    SocketAddress remoteAddress();

    SocketAddress localAddress();

    /** The object attached with {@link #attach}, or null. */
    <T> T attachment();

    /** Attaches one object of the application's to this connection (one field, no map). */
    void attach(Object attachment);
}
