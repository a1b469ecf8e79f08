package io.throng.core.engine;

import io.throng.core.transport.ListenSocket;
import io.throng.core.transport.TransportSocket;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A listening socket in one loop's poller, and the one accept path of every model: accept in
 * batches, ask {@link Admission} before each, count, and hand each socket to the model's
 * {@link Target} (adopt it here, deal it to another loop, start its thread, give it to a group).
 *
 * <p>Accept failures (EMFILE, ENFILE, ENOBUFS) would make a level-triggered poller report the
 * listener ready again at once, spinning the loop; instead accepting pauses for 10 ms, doubling up
 * to 1 s while the failures go on, and every failure is counted. Loop thread, except where noted.
 */
final class Listener {
    /** Accepts per readiness report: a burst does not keep the loop from its connections for long. */
    private static final int ACCEPTS_PER_EVENT = 64;
    private static final long MIN_BACKOFF = 10_000_000L;
    private static final long MAX_BACKOFF = 1_000_000_000L;

    /** What the model does with an accepted, admitted socket. The listener's loop thread. */
    @FunctionalInterface
    interface Target {
        void adopt(TransportSocket socket) throws IOException;
    }

    final EventLoop loop;
    final ListenSocket socket;
    private final Target target;
    private final Engine engine;
    private long backoff;
    private long resumeAt;

    Listener(EventLoop loop, ListenSocket socket, Target target) {
        this.loop = loop;
        this.socket = socket;
        this.target = target;
        this.engine = loop.engine;
    }

    /**
     * Listens on {@code at} in {@code loop}'s poller (with SO_REUSEPORT if {@code reusePort}),
     * handing accepted sockets to {@code target}; returns the bound address. Any thread but the loop's.
     */
    static InetSocketAddress open(EventLoop loop, InetSocketAddress at, boolean reusePort, Target target) throws IOException {
        Engine engine = loop.engine;
        ListenSocket socket = engine.transport.listen(at, engine.socket, reusePort);
        Listener l = new Listener(loop, socket, target);
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                l.register();
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            socket.close();
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (Exception e) {
            socket.close();
            throw new IOException("listener registration failed", e);
        }
        return socket.localAddress();
    }

    /** Registers with the loop's poller and with admission. Loop thread. */
    void register() throws IOException {
        loop.poller.addListener(socket, this);
        loop.addListener(this);
        engine.admission.add(this);
        if (!engine.admission.isOpen()) {
            socket.acceptInterest(false);
        }
    }

    void onAcceptable() {
        Admission admission = engine.admission;
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            if (!admission.admitsNow() || !admission.reserve()) {
                socket.acceptInterest(false);
                return;
            }
            if (!socket.isOpen()) {
                admission.unreserve();
                return;
            }
            TransportSocket s;
            try {
                s = socket.accept(loop.ctx.scratch);
            } catch (IOException e) {
                admission.unreserve();
                if (socket.isOpen()) {
                    acceptFailed(e);
                }
                return;
            }
            if (s == null) {
                admission.unreserve();
                backoff = 0;
                return;
            }
            engine.metrics.accepted.increment();
            try {
                target.adopt(s);
            } catch (IOException | RuntimeException e) {
                admission.unreserve();
                engine.metrics.ioErrors.increment();
                engine.log.log(Level.WARNING, "could not take an accepted socket: " + e);
                s.close(true);
                acceptFailed(e instanceof IOException io ? io : new IOException(e));
                return;
            }
        }
    }

    private void acceptFailed(IOException e) {
        engine.metrics.acceptErrors.increment();
        backoff = backoff == 0 ? MIN_BACKOFF : Math.min(MAX_BACKOFF, backoff * 2);
        resumeAt = System.nanoTime() + backoff;
        socket.acceptInterest(false);
        engine.log.log(Level.WARNING, "accept failed on " + socket.localAddress() + ": " + e.getMessage()
                + "; pausing accept for " + backoff / 1_000_000 + " ms");
    }

    /** For dumps: where it listens, whether accepting is paused by a back-off, the transport's view. Loop thread. */
    String describe(long now) {
        String state = socket.acceptState();
        return "listener " + socket.localAddress() + (resumeAt != 0 ? ": back-off, resumes in "
                + Math.max(0, (resumeAt - now) / 1_000_000) + " ms" : ": no back-off") + (state.isEmpty() ? "" : ", " + state);
    }

    /** When accepting resumes after a failure, or 0. */
    long resumeAt() {
        return resumeAt;
    }

    void tick(long now) {
        if (resumeAt != 0 && now - resumeAt >= 0) {
            resumeAt = 0;
            if (engine.admission.isOpen() && socket.isOpen()) {
                socket.acceptInterest(true);
            }
        }
    }

    /**
     * Admission opened or closed: accept as it stands <em>now</em>. The tasks that say so may run
     * out of order with the changes (a close and an open by two threads at once), so each looks at
     * the state instead of carrying it. Loop thread.
     */
    void admissionChanged() {
        if (socket.isOpen()) {
            socket.acceptInterest(resumeAt == 0 && engine.admission.isOpen());
        }
    }

    /** Stops accepting and releases the socket. Any thread. */
    void close() {
        socket.close();
    }
}
