package io.throng.core.embedded;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.ServerStats;
import io.throng.core.buffer.BufferPool;
import io.throng.core.config.BufferConfig;
import io.throng.core.config.Limits;
import io.throng.core.config.WaterMarks;
import io.throng.core.engine.EmbeddedRuntime;
import java.nio.charset.StandardCharsets;

/**
 * A connection without a socket, for testing a protocol handler: the real engine (callbacks, the
 * write queue with its water marks and cap, the close protocol, timers, leftover bytes between
 * reads) over an in-memory socket, driven by the test's own thread, which is the connection's
 * serial context. The role of Netty's {@code EmbeddedChannel} and Jetty's {@code ByteArrayEndPoint}.
 *
 * <pre>{@code
 * try (EmbeddedConnection c = EmbeddedConnection.open(handler)) {
 *     c.receive("GET / HTTP/1.1\r\n\r\n");        // onData, as a read would deliver it
 *     String reply = c.takeWrittenString();        // what the handler wrote (and flushed)
 *     c.receiveEnd();                              // the peer's FIN: onInputClosed
 *     assertThat(c.closeReason()).isEqualTo(CloseReason.PEER_CLOSED);
 * }
 * }</pre>
 *
 * <p>Writes from other threads are queued as on a socket and flushed when the driving thread next
 * calls in (or {@link #runPendingTasks()}), as a loop would on its next turn. Drive it from the
 * thread that opened it.
 */
public final class EmbeddedConnection implements AutoCloseable {
    private final EmbeddedRuntime runtime;

    private EmbeddedConnection(EmbeddedRuntime runtime) {
        this.runtime = runtime;
    }

    /** Opens a connection served by {@code handler} with the engine's default limits; onOpen runs now. */
    public static EmbeddedConnection open(Handler handler) {
        return open(handler, Limits.DEFAULT, WaterMarks.DEFAULT);
    }

    /** Opens a connection with these limits and water marks (a small cap, a short linger). */
    public static EmbeddedConnection open(Handler handler, Limits limits, WaterMarks waterMarks) {
        return new EmbeddedConnection(new EmbeddedRuntime(handler, limits, waterMarks, BufferConfig.DEFAULT));
    }

    /** The connection the handler sees. */
    public Connection connection() {
        return runtime.connection();
    }

    /** The peer sends {@code bytes}: the handler's onData gets them (with what it left before). */
    public EmbeddedConnection receive(byte[] bytes) {
        runtime.socket().feed(bytes);
        runtime.deliver();
        return this;
    }

    /** The peer sends {@code text} in UTF-8. */
    public EmbeddedConnection receive(String text) {
        return receive(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The peer closes its side: once what it sent is read, onInputClosed. */
    public EmbeddedConnection receiveEnd() {
        runtime.socket().feedEnd();
        runtime.deliver();
        return this;
    }

    /** Everything written to the "socket" since the last call, as the peer would read it. */
    public byte[] takeWritten() {
        runtime.runTasks();
        return runtime.socket().takeWritten();
    }

    public String takeWrittenString() {
        return new String(takeWritten(), StandardCharsets.UTF_8);
    }

    /**
     * How many more bytes the "socket" takes (then it takes none, as a full socket): with a small
     * allowance the handler's writes queue up, cross the high water mark and turn the connection
     * unwritable. {@code Long.MAX_VALUE} for no limit (the default).
     */
    public EmbeddedConnection allowWrites(long bytes) {
        runtime.socket().allowWrites(bytes);
        runtime.writable();
        return this;
    }

    /** Runs what other threads asked of the connection (their writes' flush, a close, a resume). */
    public EmbeddedConnection runPendingTasks() {
        runtime.runTasks();
        return this;
    }

    /** Fires the connection's timer if it is due, and closes it if its idle or linger deadline passed. */
    public EmbeddedConnection runTimers() {
        runtime.runTimers();
        return this;
    }

    /** Whether we sent our FIN (a graceful close got that far). */
    public boolean outputShut() {
        return runtime.socket().outputShut();
    }

    /** Whether the connection ended with a reset (abort, a limit, a handler's exception). */
    public boolean wasReset() {
        return runtime.socket().reset();
    }

    public boolean isClosed() {
        return runtime.isClosed();
    }

    /** The connection's phase: OPEN, CLOSING, LINGERING, ABORTING or CLOSED. */
    public String phase() {
        return runtime.phase();
    }

    /** Why it closed (what onClose got), or null while it has not. */
    public CloseReason closeReason() {
        return runtime.closeReason();
    }

    /** The pool that lends this connection's buffers: every buffer must be back once it is closed. */
    public BufferPool bufferPool() {
        return runtime.bufferPool();
    }

    public ServerStats stats() {
        return runtime.stats();
    }

    /** Closes at once if still open and frees the engine's memory. */
    @Override
    public void close() {
        runtime.close();
    }
}
