package io.throng.rpc.server;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.rpc.conn.LimitedLog;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The tRPC server protocol as an engine {@link Handler}: what {@link RpcServer} serves, for an
 * engine you start yourself, or for a test in memory ({@code io.throng.core.embedded}). Requests
 * are handled on virtual threads of its own, which {@link #close()} stops.
 */
public final class RpcProtocol implements Handler, AutoCloseable {
    private final Router router;
    private final ServerCounters counters;
    private final ExecutorService workers;
    private final UnaryDispatch unary;
    private final ServerProtocolHandler handler;

    private RpcProtocol(RpcServerOptions options, List<RpcService> services) {
        this.router = new Router(services);
        this.counters = new ServerCounters(options.maxConcurrentRequests());
        this.workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("throng-rpc-worker-", 0).factory());
        LimitedLog log = new LimitedLog("io.throng.rpc.server", 20);
        StreamDispatch streams = services.stream().anyMatch(s -> s.methods().values().stream().anyMatch(m -> m.stream() != null))
                ? new ServerStreams(router, counters, options.frameLimits(), workers, log) : StreamDispatch.NONE;
        this.unary = new UnaryDispatch(router, counters, options.effectiveFrameLimits(), workers);
        this.handler = new ServerProtocolHandler(unary, counters, options, log, streams);
    }

    /** The protocol serving {@code services} with {@code options}' limits (its engine settings are not used). */
    public static RpcProtocol of(RpcServerOptions options, List<RpcService> services) {
        return new RpcProtocol(options, services);
    }

    public RpcServerStats stats() {
        return counters.snapshot();
    }

    Router router() {
        return router;
    }

    ServerCounters counters() {
        return counters;
    }

    ExecutorService workers() {
        return workers;
    }

    UnaryDispatch unary() {
        return unary;
    }

    @Override
    public void onOpen(Connection c) {
        handler.onOpen(c);
    }

    @Override
    public void onData(Connection c, ByteBuffer in) {
        handler.onData(c, in);
    }

    @Override
    public void onWritable(Connection c) {
        handler.onWritable(c);
    }

    @Override
    public void onInputClosed(Connection c) {
        handler.onInputClosed(c);
    }

    @Override
    public void onTimer(Connection c) {
        handler.onTimer(c);
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        handler.onClose(c, reason);
    }

    /** Stops the request threads. */
    @Override
    public void close() {
        workers.shutdownNow();
    }
}
