package io.throng.rpc.client;

import io.throng.rpc.RpcException;
import io.throng.rpc.frame.ResponseHeader;
import io.throng.rpc.frame.UnaryFrames;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

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
    volatile ScheduledFuture<?> deadline;

    PendingCall(int requestId, String func, boolean oneWay) {
        this.requestId = requestId;
        this.func = func;
        this.oneWay = oneWay;
    }

    @Override
    public boolean complete(RpcResponse value) {
        boolean won = super.complete(value);
        if (won) {
            finished(false);
        }
        return won;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        boolean won = super.completeExceptionally(ex);
        if (won) {
            finished(ex instanceof RpcException r && r.code() == io.throng.rpc.frame.RetCode.CLIENT_TIMEOUT);
        }
        return won;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean won = super.cancel(mayInterruptIfRunning);
        if (won) {
            finished(true);
        }
        return won;
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
        ScheduledFuture<?> d = deadline;
        if (d != null) {
            d.cancel(false);
        }
        ClientConnection c = owner;
        if (c != null) {
            c.callFinished(this, abandoned);
        }
    }
}
