package io.throng.rpc.client;

import io.throng.core.net.Client;
import io.throng.core.Connection;
import io.throng.rpc.RpcException;
import io.throng.rpc.frame.RetCode;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * The multiplexed connections to one address. A call takes the first connection that is open and
 * not full, in order (connections fill one after another, as in tnet); when none fits, one dial
 * is shared by every caller waiting for it (single flight), and a failed dial fails them all with
 * ret 111. No reconnect loop: a broken connection leaves the list and the next call dials.
 */
final class MuxHost {
    final InetSocketAddress address;
    private final Client engine;
    private final int maxVirtual;
    private final LongAdder lateResponses;
    private final LongAdder dials = new LongAdder();
    private final CopyOnWriteArrayList<MuxConnection> connections = new CopyOnWriteArrayList<>();
    /** The dial in progress, or null. Guarded by this. */
    private CompletableFuture<MuxConnection> dialing;

    MuxHost(InetSocketAddress address, Client engine, int maxVirtual, LongAdder lateResponses) {
        this.address = address;
        this.engine = engine;
        this.maxVirtual = maxVirtual;
        this.lateResponses = lateResponses;
    }

    /** A connection with a slot reserved for the caller. Never blocks. */
    CompletableFuture<MuxConnection> acquire() {
        MuxConnection c = firstWithRoom();
        if (c != null) {
            return CompletableFuture.completedFuture(c);
        }
        CompletableFuture<MuxConnection> d;
        synchronized (this) {
            c = firstWithRoom();
            if (c != null) {
                return CompletableFuture.completedFuture(c);
            }
            d = dialing;
            // a finished dial is not in progress: its connection is in the list already (full, since
            // firstWithRoom found no room); treating it as pending would recurse on a completed future
            if (d == null || d.isDone()) {
                d = dial();
                dialing = d;
                d.whenComplete((conn, e) -> {
                    synchronized (MuxHost.this) {
                        dialing = null;
                    }
                });
            }
        }
        return d.thenCompose(conn -> conn.tryReserve() ? CompletableFuture.completedFuture(conn) : acquire());
    }

    private MuxConnection firstWithRoom() {
        for (MuxConnection c : connections) {
            if (c.tryReserve()) {
                return c;
            }
        }
        return null;
    }

    private CompletableFuture<MuxConnection> dial() {
        dials.increment();
        return engine.connect(address).handle((Connection conn, Throwable e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                throw new RpcException(RetCode.CLIENT_CONNECT, "connect to " + address + " failed: " + cause.getMessage(), cause);
            }
            MuxConnection mc = new MuxConnection(conn, this, maxVirtual, lateResponses);
            conn.attach(mc);
            if (!conn.isOpen()) {
                mc.closed = true;
                throw new RpcException(RetCode.CLIENT_CONNECT, "connection to " + address + " closed right after connecting");
            }
            connections.add(mc);
            return mc;
        });
    }

    void removed(MuxConnection c) {
        connections.remove(c);
    }

    int connectionCount() {
        return connections.size();
    }

    int virtualConnectionCount() {
        int n = 0;
        for (MuxConnection c : connections) {
            n += c.virtualConnections();
        }
        return n;
    }

    long dials() {
        return dials.sum();
    }

    void closeAll() {
        for (MuxConnection c : connections) {
            c.connection.close();
        }
    }

    /** Drops every connection at once (RST), as a crash would; for tests of the failure path. */
    void abortAll() {
        for (MuxConnection c : connections) {
            c.connection.abort();
        }
    }
}
