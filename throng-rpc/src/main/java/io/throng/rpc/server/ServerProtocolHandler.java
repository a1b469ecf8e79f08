package io.throng.rpc.server;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.rpc.conn.Deadlines;
import io.throng.rpc.conn.LimitedLog;
import io.throng.rpc.frame.FrameException;
import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.FrameReader;
import io.throng.rpc.frame.RequestHeader;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.frame.UnaryFrames;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * The engine handler of an RPC server: frames in, requests dispatched, replies out. It runs under
 * every model; under the reactors it never blocks (handlers run on virtual threads unless declared
 * {@link Execution#INLINE}).
 *
 * <p>Per frame, on the connection's I/O thread: check the fixed header (a malformed frame closes
 * the connection with a logged reason), decode the request header, route on {@code func}, take an
 * in-flight slot (or answer ret 22), then run the handler inline or hand it to a virtual thread
 * with its deadline armed. Replies go out in completion order, each carrying the request's frame
 * stream id, version byte and {@code request_id}.
 */
final class ServerProtocolHandler implements Handler {
    private final Router router;
    private final ServerCounters counters;
    private final FrameLimits limits;
    private final ExecutorService workers;
    private final long idleTimeoutNanos;
    private final LimitedLog log;
    private final StreamDispatch streams;

    ServerProtocolHandler(Router router, ServerCounters counters, RpcServerOptions options, ExecutorService workers,
                          LimitedLog log, StreamDispatch streams) {
        this.router = router;
        this.counters = counters;
        this.limits = options.frameLimits();
        this.workers = workers;
        this.idleTimeoutNanos = options.idleTimeout().toNanos();
        this.log = log;
        this.streams = streams;
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
        UnaryFrames.Request req = UnaryFrames.decodeRequest(in, h);
        RequestHeader rh = req.header();
        counters.requests.increment();
        if (rh.oneWay()) {
            counters.oneWay.increment();
        }
        Router.Route route = router.find(rh.func());
        if (route == null || route.method().unary() == null) {
            counters.noRoute.increment();
            ServerCall.reject(sc, h, rh, route == null ? router.missCode(rh.func()) : RetCode.SERVER_NO_FUNC,
                    route == null ? router.missMessage(rh.func()) : rh.func() + " is a stream method: open a stream",
                    counters, limits);
            return;
        }
        if (!counters.tryAcquire()) {
            counters.overloaded.increment();
            ServerCall.reject(sc, h, rh, RetCode.SERVER_OVERLOAD, "server overload: " + counters.maxInFlight()
                    + " requests in flight (max-concurrent-requests " + counters.maxInFlight() + ")", counters, limits);
            return;
        }
        long callerTimeout = (rh.timeoutMs() & 0xFFFFFFFFL) * 1_000_000L;
        long serviceTimeout = route.serviceTimeoutNanos();
        long timeout = callerTimeout == 0 ? serviceTimeout
                : serviceTimeout == 0 ? callerTimeout : Math.min(callerTimeout, serviceTimeout);
        int timeoutCode = callerTimeout != 0 && timeout == callerTimeout
                ? RetCode.SERVER_FULL_LINK_TIMEOUT : RetCode.SERVER_TIMEOUT;
        long deadline = timeout == 0 ? 0 : (System.nanoTime() + timeout) | 1L; // 0 means "none"
        RpcRequest request = new RpcRequest(rh.func(), rh.caller(), rh.callee(), req.body(), req.attachment(),
                rh.transInfo(), rh.contentType(), rh.contentEncoding(), rh.messageType(), rh.oneWay(),
                deadline, sc.connection.remoteAddress());
        ServerCall call = new ServerCall(sc, h, rh, request, route, counters, limits, timeoutCode);
        sc.requestStarted();
        if (route.method().execution() == Execution.INLINE) {
            call.run();
            return;
        }
        if (timeout > 0) {
            call.deadline(Deadlines.after(timeout, call::expire));
        }
        try {
            workers.execute(call);
        } catch (RejectedExecutionException e) {
            // the server is stopping: answer instead of dropping the request
            if (call.abandon()) {
                ServerCall.reject(sc, h, rh, RetCode.SERVER_SYSTEM, "server is shutting down", counters, limits);
            }
            counters.release();
            sc.requestDone();
        }
    }
}
