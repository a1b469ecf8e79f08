package io.throng.core.engine;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A listening socket registered with one loop. It hands accepted sockets to its own loop or, as the
 * acceptor of a multi-loop server, to the loops round-robin.
 *
 * <p>Accept failures (EMFILE, ENFILE, ENOBUFS) would make a level-triggered selector report the
 * listener ready again at once, spinning the loop; instead accept is paused for 10 ms, doubling up
 * to 1 s while the failures go on, and every failure is counted.
 */
final class Listener {
    private static final int ACCEPTS_PER_EVENT = 64;
    private static final long MIN_BACKOFF = 10_000_000L;
    private static final long MAX_BACKOFF = 1_000_000_000L;

    final EventLoop loop;
    private final ServerSocketChannel channel;
    private final EventLoop[] targets;
    private final AdmissionGate gate;
    private final Engine engine;
    private SelectionKey key;
    private int next;
    private long backoff;
    private long resumeAt;

    Listener(EventLoop loop, ServerSocketChannel channel, EventLoop[] targets, AdmissionGate gate) {
        this.loop = loop;
        this.channel = channel;
        this.targets = targets;
        this.gate = gate;
        this.engine = loop.engine;
    }

    /** Registers with the loop. Loop thread. */
    void register() throws IOException {
        channel.configureBlocking(false);
        key = channel.register(loop.selector, SelectionKey.OP_ACCEPT, this);
        loop.addListener(this);
        if (gate != null && gate.isPaused()) {
            key.interestOps(0);
        }
    }

    void onAcceptable() {
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            if (gate != null && gate.isPaused()) {
                key.interestOps(0);
                return;
            }
            SocketChannel ch;
            try {
                ch = channel.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
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
                Sockets.closeQuietly(ch);
                continue;
            }
            EventLoop target = targets == null ? loop : targets[next++ % targets.length];
            if (target == loop) {
                loop.register(ch);
            } else {
                target.execute(() -> target.register(ch));
            }
        }
    }

    private void acceptFailed(IOException e) {
        engine.metrics.acceptErrors.increment();
        backoff = backoff == 0 ? MIN_BACKOFF : Math.min(MAX_BACKOFF, backoff * 2);
        resumeAt = System.nanoTime() + backoff;
        key.interestOps(0);
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
            if ((gate == null || !gate.isPaused()) && key.isValid()) {
                key.interestOps(SelectionKey.OP_ACCEPT);
            }
        }
    }

    void gateClosed() {
        if (key.isValid()) {
            key.interestOps(0);
        }
    }

    void gateOpened() {
        if (key.isValid() && resumeAt == 0) {
            key.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    String localAddress() {
        try {
            return String.valueOf(channel.getLocalAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    void close() {
        if (key != null) {
            key.cancel();
        }
        Sockets.closeQuietly(channel);
    }
}
