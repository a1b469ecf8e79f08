package io.throng.rpc.client;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.throng.core.net.Client;
import io.throng.rpc.RpcException;
import io.throng.rpc.conn.Deadlines;
import io.throng.rpc.frame.RetCode;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The multiplexed client: many concurrent calls as virtual connections over few TCP connections
 * (tnet's multiplexed pool). Calls to an address share one connection, or open another each time
 * {@code max_vir_conns_per_conn} calls are in flight on all the existing ones. Requests from
 * concurrent callers are written with coalesced flushes, so they leave in batches.
 *
 * <p>With {@code enable_metrics}, every 3 s it logs a status line per address (connections and
 * virtual connections) and updates the Micrometer gauges {@code trpc.MuxConcurrentConnections}
 * and {@code trpc.MuxConcurrentVirConns} (tags {@code network}, {@code address}).
 */
public final class MultiplexedClient implements RpcClient {
    private static final System.Logger STATUS = System.getLogger("io.throng.rpc.client.mux");

    private final RpcClientOptions options;
    private final Client engine;
    private final boolean ownsEngine;
    private final List<MuxHost> hosts = new ArrayList<>();
    private final AtomicInteger nextRequestId = new AtomicInteger();
    private final AtomicInteger nextHost = new AtomicInteger();
    private final LongAdder lateResponses = new LongAdder();
    private final ScheduledFuture<?> statusTask;
    private final MeterRegistry registry;
    private final List<Gauge> gauges = new ArrayList<>();

    private MultiplexedClient(RpcClientOptions options, Client engine, boolean ownsEngine, MeterRegistry registry) {
        this.options = options;
        this.engine = engine;
        this.ownsEngine = ownsEngine;
        this.registry = registry;
        int max = options.multiplexed().maxVirConnsPerConn();
        for (InetSocketAddress a : options.targets()) {
            hosts.add(new MuxHost(a, engine, max, lateResponses));
        }
        if (options.multiplexed().enableMetrics()) {
            for (MuxHost h : hosts) {
                String addr = h.address.getHostString() + ":" + h.address.getPort();
                gauges.add(Gauge.builder("trpc.MuxConcurrentConnections", h, MuxHost::connectionCount)
                        .tags("network", "tcp", "address", addr).register(registry));
                gauges.add(Gauge.builder("trpc.MuxConcurrentVirConns", h, MuxHost::virtualConnectionCount)
                        .tags("network", "tcp", "address", addr).register(registry));
            }
            statusTask = Deadlines.every(options.multiplexed().metricsInterval().toNanos(), this::logStatus);
        } else {
            statusTask = null;
        }
    }

    /** A client with its own engine loops; gauges (if enabled) go to Micrometer's global registry. */
    public static MultiplexedClient start(RpcClientOptions options) throws IOException {
        return start(options, Metrics.globalRegistry);
    }

    public static MultiplexedClient start(RpcClientOptions options, MeterRegistry registry) throws IOException {
        Client engine = Client.start(options.effectiveEngine(), new ClientProtocolHandler(options.frameLimits()));
        return new MultiplexedClient(options, engine, true, registry);
    }

    @Override
    public CallOptions defaults() {
        return options.defaults();
    }

    @Override
    public CompletableFuture<RpcResponse> invoke(String func, byte[] body, CallOptions o) {
        int id = nextId();
        PendingCall call = new PendingCall(id, func, o.oneWay());
        byte[] frame = call.prepare(body, o, options.frameLimits());
        if (frame == null) {
            return call;
        }
        MuxHost host = hosts.get(Math.floorMod(nextHost.getAndIncrement(), hosts.size()));
        CompletableFuture<MuxConnection> slot = host.acquire();
        MuxConnection now = slot.isDone() && !slot.isCompletedExceptionally() ? slot.join() : null;
        if (now != null) {
            now.start(call, frame);
        } else {
            slot.whenComplete((c, e) -> {
                if (e != null) {
                    call.completeExceptionally(unwrap(e));
                } else {
                    c.start(call, frame);
                }
            });
        }
        return call;
    }

    /**
     * Opens a stream to {@code func} (client, server or bidirectional streaming): it takes a
     * virtual-connection slot like a call, and waits up to {@code options.timeout()} for the
     * server's INIT reply. The stream then lives until the server closes it, it is cancelled, or
     * the connection breaks (ret 141).
     *
     * @throws RpcException refused by the server (its INIT ret), connect failure, timeout
     */
    public io.throng.rpc.stream.RpcStream openStream(String func, CallOptions options) throws InterruptedException {
        int id = nextId();
        MuxHost host = hosts.get(Math.floorMod(nextHost.getAndIncrement(), hosts.size()));
        MuxConnection c;
        CompletableFuture<MuxConnection> slot = host.acquire();
        try {
            c = slot.get(options.timeout().toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw (RpcException) unwrap(e.getCause());
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            slot.thenAccept(MuxConnection::unreserve); // the slot, if it comes, is not ours any more
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw new RpcException(RetCode.CLIENT_TIMEOUT, "no connection to " + host.address + " within "
                    + options.timeout().toMillis() + " ms");
        }
        return c.openStream(id, func, options, this.options.frameLimits());
    }

    /** Request ids are unique per client (so per connection), from 1, skipping 0 on wrap-around. */
    int nextId() {
        return PendingCall.nextId(nextRequestId);
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return t instanceof RpcException ? t : new RpcException(RetCode.CLIENT_NETWORK, String.valueOf(t.getMessage()), t);
    }

    /** Connections and virtual connections per address, as the status line reports them. */
    public Map<InetSocketAddress, int[]> status() {
        Map<InetSocketAddress, int[]> m = new LinkedHashMap<>();
        for (MuxHost h : hosts) {
            m.put(h.address, new int[] {h.connectionCount(), h.virtualConnectionCount()});
        }
        return m;
    }

    /** Connections dialed so far, over all addresses. */
    public long dials() {
        long n = 0;
        for (MuxHost h : hosts) {
            n += h.dials();
        }
        return n;
    }

    /** Responses that arrived for calls already timed out or cancelled (dropped). */
    public long lateResponses() {
        return lateResponses.sum();
    }

    List<MuxHost> hosts() {
        return hosts;
    }

    Client engine() {
        return engine;
    }

    /** The status line, in tnet's words; logged every interval with metrics on. */
    public List<String> statusLines() {
        List<String> lines = new ArrayList<>();
        for (MuxHost h : hosts) {
            lines.add("throng multiplex status: network: tcp, address: " + h.address.getHostString() + ":"
                    + h.address.getPort() + ", connections number: " + h.connectionCount()
                    + ", concurrent virtual connection number: " + h.virtualConnectionCount());
        }
        return lines;
    }

    private void logStatus() {
        for (String line : statusLines()) {
            STATUS.log(Level.INFO, line);
        }
    }

    /** Test hook: resets every connection at once, as if the peer crashed. */
    void abortConnections() {
        for (MuxHost h : hosts) {
            h.abortAll();
        }
    }

    @Override
    public void close() {
        if (statusTask != null) {
            statusTask.cancel(false);
        }
        for (Gauge g : gauges) {
            registry.remove(g);
        }
        for (MuxHost h : hosts) {
            h.closeAll();
        }
        if (ownsEngine) {
            engine.close(Duration.ofSeconds(2));
        }
    }
}
