package io.throng.rpc.server;

import io.throng.rpc.RpcException;
import io.throng.rpc.conn.Deadlines;
import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.RequestHeader;
import io.throng.rpc.frame.ResponseHeader;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.frame.UnaryFrames;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One request being handled. Exactly one of the handler's completion and the deadline wins
 * (a CAS on {@link #state}) and sends the reply; the loser's is dropped. On the deadline the
 * handler's thread is interrupted so that a blocking handler stops early.
 */
final class ServerCall implements Runnable {
    private static final int NEW = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;

    private final ReplySink conn;
    private final FrameHeader frame;
    private final RequestHeader header;
    private final RpcRequest request;
    private final Router.Route route;
    private final ServerCounters counters;
    private final FrameLimits limits;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private volatile Thread runner;
    /** Set before the call can run (under the I/O thread), read by the winner; null if none. */
    private volatile Deadlines.Timeout deadline;
    /** The code a deadline answers with: 24 when the caller's timeout bound it, 21 for the service's. */
    private final int timeoutCode;
    /** The route's call meters, or null when none are bound (then nothing below measures). */
    private final CallMeters meters;
    /** {@link System#nanoTime()} when the request was dispatched; read only when {@link #meters} is set. */
    private final long startNanos;

    ServerCall(ReplySink conn, FrameHeader frame, RequestHeader header, RpcRequest request,
               Router.Route route, ServerCounters counters, FrameLimits limits, int timeoutCode,
               CallMeters meters, long startNanos) {
        this.conn = conn;
        this.frame = frame;
        this.header = header;
        this.request = request;
        this.route = route;
        this.counters = counters;
        this.limits = limits;
        this.timeoutCode = timeoutCode;
        this.meters = meters;
        this.startNanos = startNanos;
    }

    void deadline(Deadlines.Timeout t) {
        this.deadline = t;
        if (state.get() == DONE) {
            t.cancel();
        }
    }

    @Override
    public void run() {
        try {
            if (!state.compareAndSet(NEW, RUNNING)) {
                return; // the deadline passed before a thread took the request
            }
            runner = Thread.currentThread();
            RpcReply reply = null;
            Throwable failure = null;
            try {
                reply = route.method().unary().handle(request);
            } catch (Throwable t) {
                failure = t;
            }
            runner = null;
            Thread.interrupted(); // a deadline's interrupt must not leak into the next task
            if (state.compareAndSet(RUNNING, DONE)) {
                cancelDeadline();
                if (failure == null) {
                    replyOk(reply == null ? RpcReply.of(null) : reply);
                } else {
                    replyFailure(failure);
                }
            }
        } finally {
            counters.release();
            conn.requestDone();
        }
    }

    /** The deadline passed: answer with a timeout unless the handler already did. */
    void expire() {
        int s;
        while ((s = state.get()) != DONE) {
            if (state.compareAndSet(s, DONE)) {
                counters.timedOut.increment();
                long ms = header.timeoutMs() & 0xFFFFFFFFL;
                sendError(timeoutCode, timeoutCode == RetCode.SERVER_FULL_LINK_TIMEOUT
                        ? "request timeout of " + ms + " ms passed before " + header.func() + " returned"
                        : "service timeout of " + route.serviceTimeoutNanos() / 1_000_000 + " ms passed before "
                                + header.func() + " returned");
                Thread t = runner;
                if (t != null) {
                    t.interrupt();
                }
                return;
            }
        }
    }

    /** The call will never run (the server is stopping); true if no reply was sent for it yet. */
    boolean abandon() {
        int s;
        while ((s = state.get()) != DONE) {
            if (state.compareAndSet(s, DONE)) {
                cancelDeadline();
                return true;
            }
        }
        return false;
    }

    private void cancelDeadline() {
        Deadlines.Timeout t = deadline;
        if (t != null) {
            t.cancel();
        }
    }

    private void replyOk(RpcReply reply) {
        if (header.oneWay()) {
            measure(0, 0);
            return;
        }
        Map<String, byte[]> info = request.transInfo();
        if (reply.transInfo() != null && !reply.transInfo().isEmpty()) {
            Map<String, byte[]> merged = new LinkedHashMap<>(info);
            merged.putAll(reply.transInfo());
            info = merged;
        }
        int contentType = reply.contentType() == RpcReply.SAME_AS_REQUEST ? header.contentType() : reply.contentType();
        ResponseHeader rh = new ResponseHeader(header.version(), header.callType(), header.requestId(), 0, 0, "",
                header.messageType(), info, contentType, reply.contentEncoding(), reply.attachment().length);
        byte[] out = UnaryFrames.encodeResponse(frame.streamId(), frame.version(), rh, reply.body(), reply.attachment(), limits);
        if (conn.send(out)) {
            counters.replied.increment();
        }
        measure(0, 0);
    }

    private void replyFailure(Throwable t) {
        if (t instanceof RpcException e && e.business()) {
            sendResponse(0, e.code(), String.valueOf(e.getMessage()));
        } else if (t instanceof RpcException e) {
            sendError(e.code(), String.valueOf(e.getMessage()));
        } else if (t instanceof InterruptedException) {
            sendError(RetCode.SERVER_SYSTEM, "handler of " + header.func() + " was interrupted");
        } else {
            RpcServer.LOG.log(Level.DEBUG, "handler of " + header.func() + " threw " + t);
            sendError(RetCode.UNKNOWN, "handler of " + header.func() + " failed: " + t);
        }
    }

    private void sendError(int ret, String message) {
        sendResponse(ret, 0, message);
    }

    private void sendResponse(int ret, int funcRet, String message) {
        counters.errors.increment();
        if (header.oneWay()) {
            measure(ret, funcRet);
            return;
        }
        ResponseHeader rh = new ResponseHeader(header.version(), header.callType(), header.requestId(), ret, funcRet,
                message, header.messageType(), null, header.contentType(), 0, 0);
        if (conn.send(UnaryFrames.encodeResponse(frame.streamId(), frame.version(), rh, null, null, limits))) {
            counters.replied.increment();
        }
        measure(ret, funcRet);
    }

    /**
     * The call is answered (the reply handed to the connection, sent or not: a closing connection
     * does not make the call not have happened; or a one-way handler returned).
     */
    private void measure(int ret, int funcRet) {
        if (meters != null) {
            meters.record(ret, funcRet, startNanos);
        }
    }

    /**
     * An error reply for a request that never reached a handler (no route, overload), counted in
     * {@code meters} if not null.
     */
    static void reject(ReplySink conn, FrameHeader frame, RequestHeader header, int ret, String message,
                       ServerCounters counters, FrameLimits limits, CallMeters meters) {
        counters.errors.increment();
        if (meters != null) {
            meters.count(ret, 0);
        }
        if (header.oneWay()) {
            return;
        }
        ResponseHeader rh = new ResponseHeader(header.version(), header.callType(), header.requestId(), ret, 0,
                message, header.messageType(), null, header.contentType(), 0, 0);
        if (conn.send(UnaryFrames.encodeResponse(frame.streamId(), frame.version(), rh, null, null, limits))) {
            counters.replied.increment();
        }
    }
}
