package io.throng.rpc.client;

import io.throng.rpc.RpcException;
import io.throng.rpc.conn.Deadlines;
import io.throng.rpc.frame.ResponseHeader;
import io.throng.rpc.frame.UnaryFrames;
import io.throng.rpc.frame.FrameException;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.RetCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A call waiting for its response. Whatever completes it first (the response, the deadline, a
 * broken connection, the caller's cancel) wins; the completion then removes it from its connection
 * and cancels its deadline, so nothing is left behind and a late response finds no one.
 */
final class PendingCall extends CompletableFuture<RpcResponse> {
    final int requestId;
    final String func;
    final boolean oneWay;
    /** The connection carrying the call, once it has one. */
    volatile ClientConnection owner;
    volatile Deadlines.Timeout deadline;

    PendingCall(int requestId, String func, boolean oneWay) {
        this.requestId = requestId;
        this.func = func;
        this.oneWay = oneWay;
    }

    /** The next request id from {@code counter}, never 0 (which a peer may read as "none"). */
    static int nextId(AtomicInteger counter) {
        int id;
        do {
            id = counter.incrementAndGet();
        } while (id == 0);
        return id;
    }

    /**
     * Encodes this call's request and arms its deadline. Returns the frame, or null if the request
     * cannot be encoded, in which case the call has failed with {@link RetCode#CLIENT_ENCODE}.
     */
    byte[] prepare(byte[] body, CallOptions o, FrameLimits limits) {
        byte[] frame;
        try {
            frame = Requests.encode(requestId, func, body, o, limits);
        } catch (FrameException e) {
            fail(RetCode.CLIENT_ENCODE, e.getMessage());
            return null;
        }
        Duration timeout = o.timeout();
        deadline = Deadlines.after(timeout.toNanos(), () -> fail(RetCode.CLIENT_TIMEOUT,
                "no response to " + func + " within " + timeout.toMillis() + " ms"));
        return frame;
    }

    /**
     * Whoever claims first completes the call; the claim comes before the future completes, so the
     * slot is already free when a caller wakes up on the result.
     */
    private final java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();

    /** True once something has decided the call's outcome (it may not be visible in the future yet). */
    boolean claimed() {
        return claimed.get();
    }

    @Override
    public boolean complete(RpcResponse value) {
        if (!claimed.compareAndSet(false, true)) {
            return false;
        }
        finished(false);
        return super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        if (!claimed.compareAndSet(false, true)) {
            return false;
        }
        finished(ex instanceof RpcException r && r.code() == RetCode.CLIENT_TIMEOUT);
        return super.completeExceptionally(ex);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (!claimed.compareAndSet(false, true)) {
            return false;
        }
        finished(true);
        return super.cancel(mayInterruptIfRunning);
    }

    /** Completes from a response frame: success, or the server's error. */
    void completeWith(UnaryFrames.Response r) {
        ResponseHeader h = r.header();
        if (h.ret() != 0) {
            completeExceptionally(new RpcException(h.ret(), h.errorMsg()));
        } else if (h.funcRet() != 0) {
            completeExceptionally(RpcException.business(h.funcRet(), h.errorMsg()));
        } else {
            complete(new RpcResponse(r.body(), r.attachment(), h.transInfo(), h.contentType(), h.contentEncoding()));
        }
    }

    void fail(int code, String message) {
        completeExceptionally(new RpcException(code, message));
    }

    /** @param abandoned the response may still come (timeout, cancel): a pooled connection cannot be reused */
    private void finished(boolean abandoned) {
        Deadlines.Timeout d = deadline;
        if (d != null) {
            d.cancel();
        }
        ClientConnection c = owner;
        if (c != null) {
            c.callFinished(this, abandoned);
        }
    }
}
