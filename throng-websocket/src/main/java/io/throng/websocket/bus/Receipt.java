package io.throng.websocket.bus;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * What became of one publish a relaying bus accepted: the broker acknowledged it, or the link
 * dropped it (it failed, or closed, with the message queued or in flight). A publisher that must
 * not lose a message silently waits for it ({@link PublishOutcome.Accepted#confirmed()}) and
 * answers only then: the push service's HTTP and binary publishers do, so that a publish is either
 * acknowledged by the broker or refused, never accepted into a link that was dying (the fault run
 * of 2026-12-07 on NATS: one publish a node was answered 202 in the 20 ms before it noticed the
 * SIGKILL, and no one had it).
 *
 * <pre>
 *   from      event                                   to
 *   PENDING   the broker acknowledged its batch       RELAYED
 *   PENDING   the link failed or closed before that   DROPPED
 *   (RELAYED and DROPPED are final; a second settle is ignored)
 * </pre>
 *
 * <p>Threads: the link thread settles; one publisher's thread waits (the one that published).
 */
public final class Receipt {

    /** Where a receipt is. */
    public enum State { PENDING, RELAYED, DROPPED }

    private final AtomicReference<State> state = new AtomicReference<>(State.PENDING);
    private final long deadlineNanos;
    private volatile String why;
    private volatile Thread waiter;

    /** @param deadlineNanos by when (System.nanoTime()) the link settles it at the latest, failing or not */
    Receipt(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** The link thread: the broker has acknowledged the message. */
    void relayed() {
        settle(State.RELAYED);
    }

    /**
     * The link thread: the message will never be sent (or its fate is unknown), because {@code
     * reason}. Public for a broker's session that takes a batch but refuses one message of it (Redis
     * refusing to run the store script, a JetStream store that kept losing the race for its channel's
     * next offset): the first settlement wins, the link's own later one is ignored.
     */
    public void dropped(String reason) {
        why = reason;
        settle(State.DROPPED);
    }

    private void settle(State to) {
        if (state.compareAndSet(State.PENDING, to)) {
            LockSupport.unpark(waiter);
        }
    }

    /** Now, without waiting. */
    public State state() {
        return state.get();
    }

    /** Why it was dropped, or null. */
    public String reason() {
        return why;
    }

    /**
     * Waits until the link settles it, or until its deadline (then PENDING: a link stuck beyond its
     * own timeouts, which should not happen). Blocks the caller: not on an event loop.
     */
    public State await() {
        waiter = Thread.currentThread();
        State s;
        while ((s = state.get()) == State.PENDING) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                break;
            }
            LockSupport.parkNanos(this, left);
        }
        waiter = null;
        return s;
    }
}
