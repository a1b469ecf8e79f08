package io.throng.core.engine;

import io.throng.core.Dump;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Connections counted for a dump: how many in each state, what they hold, and the first few
 * described one by one. Bounded whatever the count (a loop may hold 20,000 connections, a
 * server a million): the totals, and at most {@code firstN} lines. Used on whichever thread may
 * walk the connections (a loop its own, or the timer thread's live set).
 */
final class Census {
    private final int firstN;
    private final Map<String, Integer> byPhase = new TreeMap<>();
    private final List<Dump> first = new ArrayList<>();
    private int count;
    private int unwritable;
    private int suspended;
    private int timed;
    private long queuedBytes;
    private long inboundBytes;

    Census(int firstN) {
        this.firstN = firstN;
    }

    /**
     * Counts {@code c}. {@code serial}: this thread is its serial context (a reactor loop walking
     * its own), so what it holds unread may be looked at; otherwise that is left out ("?").
     */
    void add(EngineConnection c, boolean serial) {
        int s = c.state;
        count++;
        byPhase.merge(ConnectionState.phaseName(s), 1, Integer::sum);
        long queued;
        synchronized (c.queue) {
            queued = c.queue.queued();
        }
        queuedBytes += queued;
        var held = serial ? c.inbound : null;
        long inbound = held == null ? 0 : held.buffer().remaining();
        inboundBytes += inbound;
        if (!c.queue.isWritable()) {
            unwritable++;
        }
        if ((s & ConnectionState.SUSPENDED) != 0) {
            suspended++;
        }
        if (c.timerAt != 0) {
            timed++;
        }
        if (first.size() < firstN) {
            first.add(Dump.of("connection " + c.id, List.of(String.valueOf(c.remoteAddress()), ConnectionState.describe(s),
                    "queued " + queued + " B", "inbound " + (serial ? inbound + " B" : "?"), c.timerAt != 0 ? "timer set" : "no timer",
                    c.queue.isWritable() ? "writable" : "unwritable")));
        }
    }

    int count() {
        return count;
    }

    /** The node: {@code name}, {@code facts} then the counts, and the first connections. */
    Dump toDump(String name, List<String> facts) {
        List<String> all = new ArrayList<>(facts);
        all.add("connections " + count);
        byPhase.forEach((phase, n) -> all.add(phase + " " + n));
        all.add("unwritable " + unwritable);
        all.add("suspended " + suspended);
        all.add("timers " + timed);
        all.add("queued " + queuedBytes + " B");
        all.add("inbound held " + inboundBytes + " B");
        if (count > first.size()) {
            all.add("first " + first.size() + " shown");
        }
        return new Dump(name, all, first);
    }
}
