package io.throng.rpc.client;

import io.throng.core.net.Client;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pooled client: one call in flight per connection, at most {@code maxActive} connections per
 * address, idle ones closed after {@code idleTimeout} (tRPC-Go's connection pool). Simple and
 * compatible with any server, but each concurrent call needs its own connection.
 */
public final class PooledClient implements RpcClient {
    private final RpcClientOptions options;
    private final Client engine;
    private final List<PoolHost> hosts = new ArrayList<>();
    private final AtomicInteger nextRequestId = new AtomicInteger();
    private final AtomicInteger nextHost = new AtomicInteger();

    private PooledClient(RpcClientOptions options, Client engine) {
        this.options = options;
        this.engine = engine;
        for (InetSocketAddress a : options.targets()) {
            hosts.add(new PoolHost(a, engine, options.pool()));
        }
    }

    public static PooledClient start(RpcClientOptions options) throws IOException {
        Client engine = Client.start(options.effectiveEngine(), new ClientProtocolHandler(options.frameLimits()));
        return new PooledClient(options, engine);
    }

    @Override
    public CallOptions defaults() {
        return options.defaults();
    }

    @Override
    public CompletableFuture<RpcResponse> invoke(String func, byte[] body, CallOptions o) {
        int id = PendingCall.nextId(nextRequestId);
        PendingCall call = new PendingCall(id, func, o.oneWay());
        byte[] frame = call.prepare(body, o, options.frameLimits());
        if (frame == null) {
            return call;
        }
        PoolHost host = hosts.get(Math.floorMod(nextHost.getAndIncrement(), hosts.size()));
        CompletableFuture<PooledConnection> slot = host.acquire();
        PooledConnection now = slot.isDone() && !slot.isCompletedExceptionally() ? slot.join() : null;
        if (now != null) {
            now.start(call, frame);
            return call;
        }
        slot.whenComplete((c, e) -> {
            if (e != null) {
                call.completeExceptionally(MultiplexedClient.unwrap(e));
            } else {
                c.start(call, frame);
            }
        });
        if (!slot.isDone()) {
            call.whenComplete((r, e) -> slot.cancel(false)); // stop waiting once the call is over
        }
        return call;
    }

    /** Per address: {open connections (dials in progress included), idle, calls waiting, dials in progress}. */
    public Map<InetSocketAddress, int[]> status() {
        Map<InetSocketAddress, int[]> m = new LinkedHashMap<>();
        for (PoolHost h : hosts) {
            m.put(h.address, new int[] {h.open(), h.idleCount(), h.waitingCount(), h.dialing()});
        }
        return m;
    }

    public long dials() {
        long n = 0;
        for (PoolHost h : hosts) {
            n += h.dials();
        }
        return n;
    }

    @Override
    public void close() {
        for (PoolHost h : hosts) {
            h.closeAll();
        }
        engine.close(Duration.ofSeconds(2));
    }
}
