package io.throng.core.engine;

import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * A listening socket registered with one loop (the transport's subclass does the accepting). It hands accepted sockets to its own loop or, as the
 * acceptor of a multi-loop server, to the loops round-robin.
 *
 * <p>Accept failures (EMFILE, ENFILE, ENOBUFS) would make a level-triggered selector report the
 * listener ready again at once, spinning the loop; instead accept is paused for 10 ms, doubling up
 * to 1 s while the failures go on, and every failure is counted.
 */
abstract class Listener {
    private static final int ACCEPTS_PER_EVENT = 64;
    private static final long MIN_BACKOFF = 10_000_000L;
    private static final long MAX_BACKOFF = 1_000_000_000L;

    final EventLoop loop;
    private final EventLoop[] targets;
    private final AdmissionGate gate;
    private final Engine engine;
    private int next;
    private long backoff;
    private long resumeAt;

    Listener(EventLoop loop, EventLoop[] targets, AdmissionGate gate) {
        this.loop = loop;
        this.targets = targets;
        this.gate = gate;
        this.engine = loop.engine;
    }

    /** Registers with the loop. Loop thread. */
    final void register() throws IOException {
        registerSocket();
        loop.addListener(this);
        if (gate != null && gate.isPaused()) {
            acceptInterest(false);
        }
    }

    /** Adds the listening socket to the loop's readiness set. Loop thread. */
    abstract void registerSocket() throws IOException;

    /** Accepts one connection: the transport's socket handle, or null if none is waiting. */
    abstract Object acceptOne() throws IOException;

    /** Turns accept readiness on or off. Loop thread. */
    abstract void acceptInterest(boolean on);

    /** False once closed. */
    abstract boolean isOpen();

    abstract String localAddress();

    abstract void closeSocket();

    void onAcceptable() {
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            if (gate != null && gate.isPaused()) {
                acceptInterest(false);
                return;
            }
            if (!isOpen()) {
                return;
            }
            Object ch;
            try {
                ch = acceptOne();
            } catch (IOException e) {
                if (!isOpen()) {
                    return;
                }
                acceptFailed(e);
                return;
            }
            if (ch == null) {
                backoff = 0;
                return;
            }
            engine.metrics.accepted.increment();
            int max = engine.limits.maxConnections();
            int now = engine.metrics.connections.incrementAndGet();
            if (max > 0 && now > max) {
                engine.metrics.connections.decrementAndGet();
                engine.metrics.rejected.increment();
                loop.reject(ch);
                continue;
            }
            EventLoop target = targets == null ? loop : targets[next++ % targets.length];
            if (target == loop) {
                loop.adopt(ch);
            } else {
                target.execute(() -> target.adopt(ch));
            }
        }
    }

    private void acceptFailed(IOException e) {
        engine.metrics.acceptErrors.increment();
        backoff = backoff == 0 ? MIN_BACKOFF : Math.min(MAX_BACKOFF, backoff * 2);
        resumeAt = System.nanoTime() + backoff;
        acceptInterest(false);
        engine.log.log(Level.WARNING, "accept failed on " + localAddress() + ": " + e.getMessage()
                + "; pausing accept for " + backoff / 1_000_000 + " ms");
    }

    /** When accepting resumes after a failure, or 0. */
    long resumeAt() {
        return resumeAt;
    }

    void tick(long now) {
        if (resumeAt != 0 && now - resumeAt >= 0) {
            resumeAt = 0;
            if ((gate == null || !gate.isPaused()) && isOpen()) {
                acceptInterest(true);
            }
        }
    }

    void gateClosed() {
        if (isOpen()) {
            acceptInterest(false);
        }
    }

    void gateOpened() {
        if (isOpen() && resumeAt == 0) {
            acceptInterest(true);
        }
    }

    void close() {
        closeSocket();
    }
}
