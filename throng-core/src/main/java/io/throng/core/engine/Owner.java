package io.throng.core.engine;

/**
 * The policy of one model for its connections: which thread runs a connection's callbacks, and how
 * its readiness interest is kept. One owner serves many connections (an event loop, a worker
 * pool's loop, a leader-follower group), so a connection pays one reference for it; under
 * thread-per-connection each connection has its own (it already has a thread).
 */
abstract class Owner {
    final Engine engine;

    Owner(Engine engine) {
        this.engine = engine;
    }

    /**
     * Task bits were added to {@code c} (see {@link EngineConnection#requestTasks}); make sure they
     * run in its serial context. Any thread; only when the bits went from none to some.
     */
    abstract void schedule(EngineConnection c);

    /**
     * The poller reported {@code c} ready for {@code ops}: run it, or hand it to the thread that
     * will. The polling thread.
     */
    abstract void ready(EngineConnection c, int ops);

    /** A loop adopted {@code c}: open it (run onOpen) here, or have its serial context do it. Loop thread. */
    void opened(EngineConnection c, IoContext ctx) {
        c.requestTasks(EngineConnection.T_OPEN);
    }

    /** Whether the loop has work of this owner's waiting, so that it must not block polling. Loop thread. */
    boolean hasWork() {
        return false;
    }

    /** After each poll of the loop: this owner's own chores. Loop thread. */
    void afterPoll() {
    }

    /** How long the loop may block polling, given what it would wait otherwise. Loop thread. */
    long pollTimeout(long proposedMillis) {
        return proposedMillis;
    }

    /** {@code c} wants the readiness {@code interest}. Under {@code c}'s lock, any thread. */
    abstract void interestChanged(EngineConnection c, int interest);

    /** {@code c} passed its idle or linger deadline. The thread that keeps the timers. */
    abstract void deadlinePassed(EngineConnection c);

    /** {@code c} is closed for {@code reason} (onClose follows); forget it. {@code c}'s serial context. */
    abstract void closed(EngineConnection c, io.throng.core.CloseReason reason);

    /** {@code c}'s deadline moved (activity, closing, a timer); re-time it. {@code c}'s serial context. */
    abstract void deadlineChanged(EngineConnection c);
}
