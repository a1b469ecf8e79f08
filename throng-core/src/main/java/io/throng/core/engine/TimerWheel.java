package io.throng.core.engine;

/**
 * Idle and linger deadlines of one loop's connections, without a timer object per connection: each
 * connection links itself into one slot of a hashed wheel (fields on the connection). Activity only
 * stamps the connection; when its slot comes round, a connection that was active since is moved to
 * its new deadline, and one that was not expires. Confined to the owning thread.
 *
 * <p>A tick is 100 ms (timeouts are meant in seconds, so that is precise enough) and the wheel has
 * 512 slots: one turn is 51.2 s; a deadline further off just waits for more turns in its slot.
 */
final class TimerWheel {
    static final long TICK_NANOS = 100_000_000L;
    private static final int SLOTS = 512;
    private static final int MASK = SLOTS - 1;

    private final EngineConnection[] heads = new EngineConnection[SLOTS];
    private long currentTick;
    private int size;

    TimerWheel(long nowNanos) {
        this.currentTick = nowNanos / TICK_NANOS;
    }

    /** The first tick boundary after {@code nowNanos} on the monotonic clock: when a loop's timers are next due. */
    static long nextTickNanos(long nowNanos) {
        return (Math.floorDiv(nowNanos, TICK_NANOS) + 1) * TICK_NANOS;
    }

    int size() {
        return size;
    }

    /** Links {@code c} at the slot of its current deadline; a no-op if it has none. */
    void schedule(EngineConnection c, long nowNanos) {
        long deadline = Closing.deadlineNanos(c);
        if (deadline == Long.MAX_VALUE || c.wheelSlot >= 0) {
            return;
        }
        long tick = Math.max(deadline / TICK_NANOS, currentTick + 1);
        int slot = (int) (tick & MASK);
        c.wheelSlot = (short) slot;
        c.wheelPrev = null;
        c.wheelNext = heads[slot];
        if (heads[slot] != null) {
            heads[slot].wheelPrev = c;
        }
        heads[slot] = c;
        size++;
    }

    /** Moves {@code c} to its current deadline, which may have come closer. */
    void reschedule(EngineConnection c, long nowNanos) {
        cancel(c);
        schedule(c, nowNanos);
    }

    void cancel(EngineConnection c) {
        int slot = c.wheelSlot;
        if (slot < 0) {
            return;
        }
        if (c.wheelPrev != null) {
            c.wheelPrev.wheelNext = c.wheelNext;
        } else {
            heads[slot] = c.wheelNext;
        }
        if (c.wheelNext != null) {
            c.wheelNext.wheelPrev = c.wheelPrev;
        }
        c.wheelNext = null;
        c.wheelPrev = null;
        c.wheelSlot = -1;
        size--;
    }

    /** Expires what is due up to {@code nowNanos}; calls {@link EngineConnection#deadlinePassed} for each. */
    void advance(long nowNanos) {
        long target = nowNanos / TICK_NANOS;
        if (size == 0) {
            currentTick = target;
            return;
        }
        // Visiting more than one turn of slots is pointless: all are seen after SLOTS ticks.
        long from = Math.max(currentTick + 1, target - SLOTS + 1);
        for (long t = from; t <= target; t++) {
            currentTick = t;
            int slot = (int) (t & MASK);
            EngineConnection c = heads[slot];
            while (c != null) {
                EngineConnection next = c.wheelNext;
                long deadline = Closing.deadlineNanos(c);
                if (deadline > nowNanos) {
                    // Active since it was linked, or due later this tick: move it on. Inserted at a
                    // slot's head, it is not met again in this pass.
                    cancel(c);
                    schedule(c, nowNanos);
                } else {
                    cancel(c);
                    c.deadlinePassed();
                }
                c = next;
            }
        }
        currentTick = target;
    }
}
