package io.throng.rpc.client;

import io.throng.core.net.Client;
import io.throng.core.Connection;
import io.throng.rpc.RpcException;
import io.throng.rpc.frame.RetCode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The pool of connections to one address: at most {@code maxActive}, each carrying one call. A
 * call takes the most recently used idle connection (so surplus ones age out by the idle timeout),
 * or dials while under the cap, or waits in a bounded line (ret 124 past {@code maxWaiting}).
 * A connection freed by a call goes straight to the first live waiter.
 */
final class PoolHost {
    static final System.Logger LOG = System.getLogger("io.throng.rpc.client.pool");

    final InetSocketAddress address;
    private final Client engine;
    private final RpcClientOptions.Pool settings;
    private final ConcurrentLinkedDeque<PooledConnection> idle = new ConcurrentLinkedDeque<>();
    /** Open connections plus dials in progress. */
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentLinkedQueue<Waiter> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    private final LongAdder dials = new LongAdder();
    /** Dials not yet resolved: until one is, a call waiting on it can still fail as "connect". */
    private final AtomicInteger dialing = new AtomicInteger();

    /** A caller waiting for a connection; counted once, uncounted when served or abandoned. */
    static final class Waiter extends CompletableFuture<PooledConnection> {
        private final AtomicBoolean counted = new AtomicBoolean(true);
        private final AtomicInteger count;

        Waiter(AtomicInteger count) {
            this.count = count;
        }

        void uncount() {
            if (counted.compareAndSet(true, false)) {
                count.decrementAndGet();
            }
        }
    }

    PoolHost(InetSocketAddress address, Client engine, RpcClientOptions.Pool settings) {
        this.address = address;
        this.engine = engine;
        this.settings = settings;
    }

    Duration idleTimeout() {
        return settings.idleTimeout();
    }

    CompletableFuture<PooledConnection> acquire() {
        PooledConnection c = pollIdle();
        if (c != null) {
            return CompletableFuture.completedFuture(c);
        }
        if (total.incrementAndGet() <= settings.maxActive()) {
            return dial();
        }
        total.decrementAndGet();
        if (waitingCount.incrementAndGet() > settings.maxWaiting()) {
            waitingCount.decrementAndGet();
            return CompletableFuture.failedFuture(new RpcException(RetCode.CLIENT_OVERLOAD, "client overload: all "
                    + settings.maxActive() + " pooled connections to " + address + " are busy and "
                    + settings.maxWaiting() + " calls are waiting (max-waiting " + settings.maxWaiting() + ")"));
        }
        Waiter w = new Waiter(waitingCount);
        w.whenComplete((conn, e) -> w.uncount());
        waiting.add(w);
        // a connection may have been freed (or closed, making room) between our checks and add()
        PooledConnection late = pollIdle();
        if (late != null) {
            release(late);
        } else if (total.get() < settings.maxActive()) {
            dialForWaiter();
        }
        return w;
    }

    private PooledConnection pollIdle() {
        for (PooledConnection c; (c = idle.pollFirst()) != null; ) {
            if (c.takeIdle()) {
                return c;
            }
        }
        return null;
    }

    private CompletableFuture<PooledConnection> dial() {
        dials.increment();
        dialing.incrementAndGet();
        return engine.connect(address).handle((Connection conn, Throwable e) -> {
            dialing.decrementAndGet();
            if (e != null) {
                total.decrementAndGet();
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                throw new RpcException(RetCode.CLIENT_CONNECT, "connect to " + address + " failed: " + cause.getMessage(), cause);
            }
            PooledConnection pc = new PooledConnection(conn, this);
            conn.attach(pc);
            if (!conn.isOpen()) {
                pc.closed = true;
                total.decrementAndGet();
                throw new RpcException(RetCode.CLIENT_CONNECT, "connection to " + address + " closed right after connecting");
            }
            return pc;
        });
    }

    /** Room appeared while calls wait: dial one connection for the first of them. */
    private void dialForWaiter() {
        if (waiting.isEmpty()) {
            return;
        }
        if (total.incrementAndGet() > settings.maxActive()) {
            total.decrementAndGet();
            return;
        }
        dial().whenComplete((c, e) -> {
            if (e != null) {
                Waiter w = pollWaiter();
                if (w != null) {
                    w.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
                }
            } else {
                release(c);
            }
        });
    }

    private Waiter pollWaiter() {
        for (Waiter w; (w = waiting.poll()) != null; ) {
            if (!w.isDone()) {
                return w;
            }
        }
        return null;
    }

    /** A call finished on {@code c}: hand it to a waiter, or make it idle. Any thread. */
    void release(PooledConnection c) {
        for (Waiter w; (w = pollWaiter()) != null; ) {
            if (w.complete(c)) {
                return;
            }
        }
        c.markIdle(settings.idleTimeout());
        idle.addFirst(c);
        // a waiter may have queued after our poll and before addFirst: it re-checks idle, but only
        // once, so make sure it is served
        if (!waiting.isEmpty()) {
            PooledConnection again = pollIdle();
            if (again != null) {
                release(again);
            }
        }
    }

    void dropIdle(PooledConnection c) {
        idle.remove(c);
    }

    /** A connection closed (any reason): it no longer counts, and its room may serve a waiter. */
    void closed(PooledConnection c) {
        idle.remove(c);
        total.decrementAndGet();
        dialForWaiter();
    }

    int open() {
        return total.get();
    }

    int dialing() {
        return dialing.get();
    }

    int idleCount() {
        return idle.size();
    }

    int waitingCount() {
        return waitingCount.get();
    }

    long dials() {
        return dials.sum();
    }

    void closeAll() {
        for (PooledConnection c; (c = idle.pollFirst()) != null; ) {
            c.connection.close();
        }
    }
}
