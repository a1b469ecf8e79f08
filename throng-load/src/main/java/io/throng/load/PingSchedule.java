package io.throng.load;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Pings every subscriber once per interval from one thread. The interval is cut into slots of
 * about 10 ms (at most 1,000); a subscriber joins a random slot when it opens, so its first ping
 * comes at a random point of the first interval and N subscribers ping at an even N / interval per
 * second rather than in step. The WebSocket API has no per-connection timer for applications, and
 * a ping sent from another thread is one write call: at 19,000 subscribers and 10 s, 1,900 calls
 * a second, a few percent of a core.
 */
final class PingSchedule implements AutoCloseable {
    private static final long SLOT_NANOS = 10_000_000L;
    private static final int MAX_SLOTS = 1000;

    private final ConcurrentLinkedQueue<WsSubscriber>[] slots;
    private final long slotNanos;
    private final BooleanSupplier active;
    private final Thread thread;
    private volatile boolean stopped;

    @SuppressWarnings("unchecked")
    PingSchedule(double intervalSeconds, BooleanSupplier active) {
        long interval = Math.max(1, (long) (intervalSeconds * 1e9));
        int n = (int) Math.max(1, Math.min(MAX_SLOTS, interval / SLOT_NANOS));
        this.slots = new ConcurrentLinkedQueue[n];
        for (int i = 0; i < n; i++) {
            slots[i] = new ConcurrentLinkedQueue<>();
        }
        this.slotNanos = Math.max(1, interval / n);
        this.active = active;
        this.thread = Thread.ofPlatform().daemon(true).name("throng-load-pinger").start(this::run);
    }

    void add(WsSubscriber s) {
        slots[ThreadLocalRandom.current().nextInt(slots.length)].add(s);
    }

    private void run() {
        long start = System.nanoTime();
        for (long k = 1; !stopped; k++) {
            long due = start + k * slotNanos;
            for (long wait; (wait = due - System.nanoTime()) > 0 && !stopped; ) {
                LockSupport.parkNanos(wait);
            }
            if (stopped) {
                return;
            }
            if (System.nanoTime() - due > slots.length * slotNanos) {
                start = System.nanoTime() - k * slotNanos; // a whole interval behind: skip ahead, do not burst
            }
            if (!active.getAsBoolean()) {
                continue;
            }
            Iterator<WsSubscriber> it = slots[(int) (k % slots.length)].iterator();
            while (it.hasNext() && !stopped && active.getAsBoolean()) {
                if (!it.next().ping()) {
                    it.remove();
                }
            }
        }
    }

    @Override
    public void close() {
        stopped = true;
        LockSupport.unpark(thread);
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
