package io.throng.rpc.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.rpc.conn.LimitedLog;
import io.throng.rpc.frame.FrameException;
import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.FrameReader;
import io.throng.rpc.frame.UnaryFrames;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The tRPC server protocol as an engine {@link Handler}: what {@link RpcServer} serves, for an
 * engine you start yourself, or for a test in memory ({@code io.throng.core.embedded}). Requests
 * are handled on virtual threads of its own, which {@link #close()} stops.
 *
 * <p>Frames in, requests dispatched, replies out. It runs under
 * every model; under the reactors it never blocks (handlers run on virtual threads unless declared
 * {@link Execution#INLINE}).
 *
 * <p>Per frame, on the connection's I/O thread: check the fixed header (a malformed frame closes
 * the connection with a logged reason), decode the request header, route on {@code func}, take an
 * in-flight slot (or answer ret 22), then run the handler inline or hand it to a virtual thread
 * with its deadline armed. Replies go out in completion order, each carrying the request's frame
 * stream id, version byte and {@code request_id}.
 */
public final class RpcProtocol implements Handler, AutoCloseable {
    private final Router router;
    private final ServerCounters counters;
    private final ExecutorService workers;
    private final UnaryDispatch unary;
    private final FrameLimits limits;
    private final long idleTimeoutNanos;
    private final LimitedLog log;
    private final StreamDispatch streams;

    private RpcProtocol(RpcServerOptions options, List<RpcService> services) {
        this.router = new Router(services);
        this.counters = new ServerCounters(options.maxConcurrentRequests());
        this.workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("throng-rpc-worker-", 0).factory());
        this.log = new LimitedLog("io.throng.rpc.server", 20);
        this.streams = services.stream().anyMatch(s -> s.methods().values().stream().anyMatch(m -> m.stream() != null))
                ? new ServerStreams(router, counters, options.frameLimits(), workers, log) : StreamDispatch.NONE;
        this.unary = new UnaryDispatch(router, counters, options.effectiveFrameLimits(), workers);
        this.limits = options.frameLimits();
        this.idleTimeoutNanos = options.idleTimeout().toNanos();
    }

    /** The protocol serving {@code services} with {@code options}' limits (its engine settings are not used). */
    public static RpcProtocol of(RpcServerOptions options, List<RpcService> services) {
        return new RpcProtocol(options, services);
    }

    /**
     * Counts and times the unary calls this protocol serves in {@code registry}, tagged with {@code tags}
     * and each method's {@code service} and {@code method}: {@code throng.rpc.calls} by
     * {@code ret}/{@code type} and the {@code throng.rpc.call.duration} histogram (see
     * {@code CallMeters}). Bound after the server starts, not through the options, because the
     * tags that tell servers apart (their bound {@code ip:port}) are known only then, as for the
     * engine's meters; calls dispatched before this are not counted. Each method's meters are
     * made here, once, and kept on its route, so that a call looks nothing up; a server never
     * bound pays a null check per call. Once per server (IllegalStateException after);
     * {@code io.throng.metrics.RpcMeters} calls this along with the request counters.
     */
    public void bindCallMeters(MeterRegistry registry, Iterable<Tag> tags) {
        router.bindMeters(Objects.requireNonNull(registry, "registry"), Tags.of(tags));
    }

    public RpcServerStats stats() {
        return counters.snapshot();
    }

    /** Stops the request threads. */
    @Override
    public void close() {
        workers.shutdownNow();
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
        c.attach(new ServerConnection(c));
        if (idleTimeoutNanos > 0) {
            c.setTimer(Duration.ofNanos(idleTimeoutNanos));
        }
    }

    @Override
    public void onData(Connection c, ByteBuffer in) {
        ServerConnection sc = c.attachment();
        sc.ioThread = Thread.currentThread();
        sc.lastActivityNanos = System.nanoTime();
        try {
            FrameReader.drain(in, limits, (h, buf) -> onFrame(sc, h, buf));
        } catch (FrameException e) {
            counters.malformed.increment();
            log.log(Level.WARNING, "rpc " + c + " closed: malformed frame: " + e.getMessage());
            in.position(in.limit());
            c.close();
        } finally {
            sc.ioThread = null;
        }
        if (!c.isWritable()) {
            c.suspendReads(); // replies are not leaving: stop taking requests until they do
        }
    }

    @Override
    public void onWritable(Connection c) {
        c.resumeReads();
    }

    @Override
    public void onInputClosed(Connection c) {
        ServerConnection sc = c.attachment();
        sc.inputClosed = true;
        if (sc.inFlight.get() == 0) {
            c.close();
        }
        // else the last reply closes it (ServerConnection.requestDone)
    }

    @Override
    public void onTimer(Connection c) {
        ServerConnection sc = c.attachment();
        long idleFor = System.nanoTime() - sc.lastActivityNanos;
        if (sc.inFlight.get() == 0 && idleFor >= idleTimeoutNanos && !streams.hasStreams(sc)) {
            log.log(Level.DEBUG, "rpc " + c + " closed: idle for " + idleFor / 1_000_000 + " ms (idle timeout "
                    + idleTimeoutNanos / 1_000_000 + " ms)");
            c.close();
        } else {
            c.setTimer(Duration.ofNanos(Math.max(idleTimeoutNanos - idleFor, idleTimeoutNanos / 4)));
        }
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        ServerConnection sc = c.attachment();
        if (sc != null) {
            streams.connectionClosed(sc, reason);
        }
    }

    private void onFrame(ServerConnection sc, FrameHeader h, ByteBuffer in) {
        if (!h.isUnary()) {
            streams.onFrame(sc, h, in);
            return;
        }
        unary.dispatch(sc, h, UnaryFrames.decodeRequest(in, h), sc.connection.remoteAddress());
    }
}
