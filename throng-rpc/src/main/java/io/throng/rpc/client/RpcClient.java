package io.throng.rpc.client;

import io.throng.rpc.RpcException;
import io.throng.rpc.frame.RetCode;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A client of one backend (one or more addresses of the same service): multiplexed
 * ({@link MultiplexedClient}) or pooled ({@link PooledClient}).
 *
 * <p>{@link #invoke} never blocks. The returned future completes with the response, or with an
 * {@link RpcException}: the server's error, or 101 (timeout), 111 (connect), 141 (network: the
 * connection broke), 124 (overload: the pool's waiting line is full). Cancelling it abandons the
 * call (a late response is dropped). Its dependents run on the client's I/O thread unless added
 * with an {@code *Async} method: they must not block.
 */
public interface RpcClient extends AutoCloseable {

    CompletableFuture<RpcResponse> invoke(String func, byte[] body, CallOptions options);

    /** The client's default options (timeout, caller, callee...). */
    CallOptions defaults();

    default CompletableFuture<RpcResponse> invoke(String func, byte[] body) {
        return invoke(func, body, defaults());
    }

    /** Calls and waits. An interrupt cancels the call and throws ret 161. */
    default RpcResponse call(String func, byte[] body, CallOptions options) {
        CompletableFuture<RpcResponse> f = invoke(func, body, options);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw new RpcException(RetCode.CLIENT_CANCELED, "interrupted while waiting for " + func);
        } catch (CancellationException e) {
            throw new RpcException(RetCode.CLIENT_CANCELED, "call to " + func + " was cancelled");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RpcException r) {
                throw r;
            }
            throw new RpcException(RetCode.UNKNOWN, "call to " + func + " failed: " + e.getCause(), e.getCause());
        }
    }

    default RpcResponse call(String func, byte[] body) {
        return call(func, body, defaults());
    }

    /** Closes every connection; calls in flight fail with ret 141. */
    @Override
    void close();
}
