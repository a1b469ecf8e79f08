package io.throng.core.engine;

/**
 * The policy of one model: which thread runs a connection's callbacks, and how readiness interest
 * is kept. One owner object serves many connections (an event loop, a worker pool, the
 * thread-per-connection runtime), so a connection pays one reference for it.
 */
abstract class Owner {

    /**
     * Task bits were added to {@code c} (see {@link ConnectionImpl#requestTasks}); make sure they run
     * in its serial context. Called from any thread, only when the bits went from none to some.
     */
    abstract void schedule(ConnectionImpl c);

    /**
     * {@code c} wants the readiness interest {@code interest} ({@link ConnectionImpl#READ},
     * {@link ConnectionImpl#WRITE}). Called under {@code c}'s monitor, from any thread.
     */
    abstract void interestChanged(ConnectionImpl c, int interest);

    /** {@code c} passed its idle or linger deadline. Called by the thread that keeps the timers. */
    abstract void deadlinePassed(ConnectionImpl c);

    /** {@code c} is closed; forget it. Called in {@code c}'s serial context. */
    abstract void closed(ConnectionImpl c);

    /** {@code c} entered a state with a nearer deadline (closing); re-time it. Serial context. */
    abstract void deadlineChanged(ConnectionImpl c);

    /** True if {@code c}'s socket is in blocking mode (thread-per-connection). */
    abstract boolean blocking();
}
