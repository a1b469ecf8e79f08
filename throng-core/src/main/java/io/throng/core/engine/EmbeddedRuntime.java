package io.throng.core.engine;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.ServerStats;
import io.throng.core.buffer.BufferPool;
import io.throng.core.config.BufferConfig;
import io.throng.core.config.Limits;
import io.throng.core.config.SocketOptions;
import io.throng.core.config.TransportKind;
import io.throng.core.config.WaterMarks;
import io.throng.core.transport.Interest;
import io.throng.core.transport.MemorySocket;
import io.throng.core.transport.Transport;

/**
 * One engine connection over a {@link MemorySocket}, run by the thread that drives it: the engine
 * behind the public embedded connection. Everything a socket connection does
 * runs here too (callbacks, the write queue and its marks, the close protocol, timers); only the
 * readiness comes from the driving thread instead of a poller.
 */
public final class EmbeddedRuntime {
    private final Engine engine;
    private final MemorySocket socket = new MemorySocket();
    private final EngineConnection connection;
    private final IoContext ctx;
    private final long startNanos = System.nanoTime();
    private volatile CloseReason closeReason;
    private boolean released;

    public EmbeddedRuntime(Handler handler, Limits limits, WaterMarks waterMarks, BufferConfig buffers) {
        this.engine = new Engine("throng-embedded", handler, Transport.of(TransportKind.NIO), limits, waterMarks, buffers,
                SocketOptions.DEFAULT);
        this.ctx = new IoContext(Thread.currentThread(), engine, buffers.readBufferSize());
        engine.metrics.connections.incrementAndGet();
        engine.metrics.accepted.increment();
        this.connection = new EngineConnection(new EmbeddedOwner(engine, this), socket);
        connection.open(ctx);
        runTasks();
    }

    public Connection connection() {
        return connection;
    }

    public MemorySocket socket() {
        return socket;
    }

    /** Hands what the peer sent (and its end, if fed) to the connection, as reads would. */
    public void deliver() {
        checkThread();
        while (socket.readable() && ConnectionState.reads(connection.state())) {
            connection.onReady(ctx, Interest.READ);
        }
        runTasks();
    }

    /** The socket may take more: flush, and onWritable if the queue drained. */
    public void writable() {
        checkThread();
        if (!ConnectionState.isClosed(connection.state())) {
            connection.onReady(ctx, Interest.WRITE);
        }
        runTasks();
    }

    /** Runs the tasks other threads requested (writes, closes, resumes) in this thread. */
    public void runTasks() {
        checkThread();
        while (connection.hasTasks() && !ConnectionState.isClosed(connection.state())) {
            connection.runTasks(ctx);
        }
    }

    /** Fires the connection's timer if due, and closes it if its idle or linger deadline passed. */
    public void runTimers() {
        checkThread();
        if (!ConnectionState.isClosed(connection.state()) && Closing.deadlineNanos(connection) - System.nanoTime() <= 0) {
            connection.onDeadline(ctx);
        }
        runTasks();
    }

    public CloseReason closeReason() {
        return closeReason;
    }

    public boolean isClosed() {
        return ConnectionState.isClosed(connection.state());
    }

    /** The connection's phase, as the state machine names it (OPEN, CLOSING, LINGERING, ABORTING, CLOSED). */
    public String phase() {
        return ConnectionState.phaseName(connection.state());
    }

    public BufferPool bufferPool() {
        return engine.pool;
    }

    public ServerStats stats() {
        return engine.stats(System.nanoTime() - startNanos, ServingModel.Stats.NONE, LoopLag.Reading.NONE);
    }

    /**
     * Closes the connection at once if it is still open, and frees the engine's memory. A second
     * call does nothing: it used to give the read buffer back to the pool again ("buffer released
     * twice"), which a test closing explicitly inside try-with-resources hit.
     */
    public void close() {
        if (released) {
            return;
        }
        released = true;
        if (!ConnectionState.isClosed(connection.state())) {
            connection.closeNow(ctx, CloseReason.SHUTDOWN);
        }
        ctx.release();
        if (engine.pool.stats().lentBuffers() == 0) {
            engine.pool.close();
        }
    }

    private void checkThread() {
        if (ctx.thread != Thread.currentThread()) {
            throw new IllegalStateException("an embedded connection is driven by the thread that opened it ("
                    + ctx.thread.getName() + "), not " + Thread.currentThread().getName());
        }
    }

    /** The driving thread is the serial context: tasks wait for it, there is no poller and no wheel. */
    static final class EmbeddedOwner extends Owner {
        private final EmbeddedRuntime runtime;

        EmbeddedOwner(Engine engine, EmbeddedRuntime runtime) {
            super(engine);
            this.runtime = runtime;
        }

        @Override
        void schedule(EngineConnection c) {
            // the driving thread runs them (runTasks), as a loop would on its next turn
        }

        @Override
        void ready(EngineConnection c, int ops) {
            throw new UnsupportedOperationException("no poller");
        }

        @Override
        void interestChanged(EngineConnection c, int interest) {
            c.socket.setInterest(interest);
        }

        @Override
        void deadlinePassed(EngineConnection c) {
            c.requestTasks(EngineConnection.T_DEADLINE);
        }

        @Override
        void closed(EngineConnection c, CloseReason reason) {
            runtime.closeReason = reason;
        }

        @Override
        void deadlineChanged(EngineConnection c) {
        }
    }
}
