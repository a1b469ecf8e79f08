package io.throng.rpc.server;

import io.throng.rpc.conn.Deadlines;
import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.RequestHeader;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.frame.UnaryFrames;
import java.net.SocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * A decoded unary request to its handler: route on {@code func} (ret 11/12 on a miss), take an
 * in-flight slot (ret 22 at the limit), arm the deadline (the shorter of the caller's timeout,
 * ret 24, and the service's, ret 21), then run the handler inline or on a virtual thread. Shared
 * by the TCP handler and the UDP server; runs on the thread that decoded the request.
 *
 * <p>Call meters: the route carries its own (null when the server has none bound), so a server
 * without meters pays one volatile read and a null check per request, and one with them a
 * {@link System#nanoTime()} here and the recording when the reply is handed over.
 */
final class UnaryDispatch {
    private final Router router;
    private final ServerCounters counters;
    private final FrameLimits limits;
    private final ExecutorService workers;

    UnaryDispatch(Router router, ServerCounters counters, FrameLimits limits, ExecutorService workers) {
        this.router = router;
        this.counters = counters;
        this.limits = limits;
        this.workers = workers;
    }

    void dispatch(ReplySink sink, FrameHeader h, UnaryFrames.Request req, SocketAddress remote) {
        RequestHeader rh = req.header();
        counters.requests.increment();
        if (rh.oneWay()) {
            counters.oneWay.increment();
        }
        Router.Route route = router.find(rh.func());
        if (route == null || route.method().unary() == null) {
            counters.noRoute.increment();
            ServerCall.reject(sink, h, rh, route == null ? router.missCode(rh.func()) : RetCode.SERVER_NO_FUNC,
                    route == null ? router.missMessage(rh.func()) : rh.func() + " is a stream method: open a stream",
                    counters, limits, router.unknownMeters());
            return;
        }
        CallMeters meters = route.meters();
        if (!counters.tryAcquire()) {
            counters.overloaded.increment();
            ServerCall.reject(sink, h, rh, RetCode.SERVER_OVERLOAD, "server overload: " + counters.maxInFlight()
                    + " requests in flight (max-concurrent-requests " + counters.maxInFlight() + ")", counters, limits,
                    meters);
            return;
        }
        long start = meters == null ? 0 : System.nanoTime();
        long callerTimeout = (rh.timeoutMs() & 0xFFFFFFFFL) * 1_000_000L;
        long serviceTimeout = route.serviceTimeoutNanos();
        long timeout = callerTimeout == 0 ? serviceTimeout
                : serviceTimeout == 0 ? callerTimeout : Math.min(callerTimeout, serviceTimeout);
        int timeoutCode = callerTimeout != 0 && timeout == callerTimeout
                ? RetCode.SERVER_FULL_LINK_TIMEOUT : RetCode.SERVER_TIMEOUT;
        long deadline = timeout == 0 ? 0 : (System.nanoTime() + timeout) | 1L; // 0 means "none"
        RpcRequest request = new RpcRequest(rh.func(), rh.caller(), rh.callee(), req.body(), req.attachment(),
                rh.transInfo(), rh.contentType(), rh.contentEncoding(), rh.messageType(), rh.oneWay(),
                deadline, remote);
        ServerCall call = new ServerCall(sink, h, rh, request, route, counters, limits, timeoutCode, meters, start);
        sink.requestStarted();
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
                ServerCall.reject(sink, h, rh, RetCode.SERVER_SYSTEM, "server is shutting down", counters, limits, meters);
            }
            counters.release();
            sink.requestDone();
        }
    }
}
