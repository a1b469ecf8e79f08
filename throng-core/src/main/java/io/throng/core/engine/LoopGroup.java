package io.throng.core.engine;

import io.throng.core.config.AcceptMode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * N event loops serving one port: each with a listener of its own on the port (SO_REUSEPORT, the
 * kernel spreads connections over them), or one acceptor loop dealing sockets to them round-robin.
 * The reactor models and the worker pool are this plus what their loops do with a ready
 * connection.
 */
final class LoopGroup {
    private final Engine engine;
    private final List<EventLoop> loops = new ArrayList<>();
    private EventLoop acceptor;
    private final AtomicInteger next = new AtomicInteger();

    /** {@code n} loops named {@code prefix}-i; {@code owners} and {@code oneShot} as for {@link EventLoop}. */
    LoopGroup(Engine engine, int n, String prefix, Function<EventLoop, Owner> owners, boolean oneShot) throws IOException {
        this.engine = engine;
        try {
            for (int i = 0; i < n; i++) {
                loops.add(new EventLoop(i, engine, prefix + "-" + i, owners, oneShot));
            }
        } catch (IOException | RuntimeException e) {
            for (EventLoop l : loops) {
                l.poller.close();
            }
            throw e;
        }
    }

    void start() {
        for (EventLoop l : loops) {
            l.start();
        }
    }

    List<EventLoop> loops() {
        return loops;
    }

    /** The largest lags of the loops that serve connections (an acceptor loop's are not among them). Any thread. */
    LoopLag.Reading lag() {
        long now = System.nanoTime();
        LoopLag.Reading r = LoopLag.Reading.NONE;
        for (EventLoop loop : loops) {
            r = r.max(loop.lag.read(now));
        }
        return r;
    }

    /** Listens as {@code mode} says (one loop always listens itself); returns the bound address. */
    InetSocketAddress listen(InetSocketAddress bind, AcceptMode mode) throws IOException {
        if (loops.size() == 1 || mode == AcceptMode.REUSEPORT) {
            InetSocketAddress at = bind;
            InetSocketAddress first = null;
            for (EventLoop loop : loops) {
                at = Listener.open(loop, at, loops.size() > 1, loop::adopt);
                if (first == null) {
                    first = at;
                }
            }
            return first;
        }
        acceptor = new EventLoop(-1, engine, engine.name + "-acceptor", null, false);
        acceptor.start();
        return Listener.open(acceptor, bind, false, socket -> loops.get(Math.floorMod(next.getAndIncrement(), loops.size()))
                .adoptLater(socket));
    }

    void stopAccepting() {
        if (acceptor != null) {
            acceptor.stop();
        } else {
            for (EventLoop loop : loops) {
                loop.execute(loop::closeListeners);
            }
        }
    }

    /** Every connection handles what it received, writes what is queued and closes. */
    void drain() {
        for (EventLoop loop : loops) {
            loop.execute(loop::shutdownConnections);
        }
    }

    /** Every connection closes now. */
    void abort() {
        for (EventLoop loop : loops) {
            loop.execute(loop::failConnections);
        }
    }

    /**
     * Each loop's dump; a loop that does not answer within {@code timeout} (a handler holding it)
     * is reported as such, which is itself what an operator looks for.
     */
    java.util.List<io.throng.core.Dump> dump(int firstN, java.time.Duration timeout) {
        var futures = new ArrayList<java.util.concurrent.CompletableFuture<io.throng.core.Dump>>();
        for (EventLoop loop : loops) {
            futures.add(loop.dump(firstN));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        var out = new ArrayList<io.throng.core.Dump>();
        for (int i = 0; i < loops.size(); i++) {
            try {
                out.add(futures.get(i).get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS));
            } catch (java.util.concurrent.TimeoutException e) {
                // its lag is read from here: how long it has been held is what the operator wants to know
                EventLoop held = loops.get(i);
                out.add(io.throng.core.Dump.of("loop " + held.threadName(), java.util.List.of(
                        "did not answer within " + timeout.toMillis() + " ms: a handler may be holding it",
                        held.lag.describe(System.nanoTime()))));
            } catch (java.util.concurrent.ExecutionException e) {
                out.add(io.throng.core.Dump.of("loop " + loops.get(i).threadName(), java.util.List.of("dump failed: " + e.getCause())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return out;
    }

    void stop() throws InterruptedException {
        if (acceptor != null) {
            acceptor.stop();
            acceptor.awaitTermination(5000);
        }
        for (EventLoop loop : loops) {
            loop.stop();
        }
        for (EventLoop loop : loops) {
            loop.awaitTermination(5000);
        }
    }
}
