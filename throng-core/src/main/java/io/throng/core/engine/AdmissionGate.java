package io.throng.core.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stops every listener of a server from accepting while its worker pool is saturated, and lets
 * them go again when the pool has drained to half: the seed's "stop accepting new connections
 * when overloaded", so a burst of connections queues in the kernel's backlog instead of in memory.
 */
final class AdmissionGate {
    private final EngineMetrics metrics;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean paused;

    AdmissionGate(EngineMetrics metrics) {
        this.metrics = metrics;
    }

    void add(Listener l) {
        listeners.add(l);
    }

    boolean isPaused() {
        return paused;
    }

    void pause() {
        if (paused) {
            return;
        }
        synchronized (this) {
            if (paused) {
                return;
            }
            paused = true;
        }
        metrics.acceptPauses.increment();
        for (Listener l : listeners) {
            l.loop.execute(l::gateClosed);
        }
    }

    void resume() {
        if (!paused) {
            return;
        }
        synchronized (this) {
            if (!paused) {
                return;
            }
            paused = false;
        }
        for (Listener l : listeners) {
            l.loop.execute(l::gateOpened);
        }
    }
}
