package io.throng.core.transport;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * A readiness set: an event loop's selector or epoll set, or a set several threads wait on at
 * once (leader-follower, one-shot). Sockets, listeners and connecting sockets are added with an
 * attachment, which {@link #poll} hands back with what each is ready for.
 *
 * <p>Threads. {@link #poll} is called by the set's thread (any of its threads for a shared set);
 * {@link #wakeup} by any thread. Adding is done by the polling thread, or by another while the set
 * is shared. A socket leaves the set when it is closed.
 */
public abstract sealed class Poller permits NioPoller, EpollPoller, UringPoller {

    /** Adds a connected socket, waiting for {@code interest}. */
    public abstract void add(TransportSocket socket, Object attachment, int interest) throws IOException;

    /** Adds a listening socket, waiting for connections. */
    public abstract void addListener(ListenSocket listener, Object attachment) throws IOException;

    /** Adds a socket whose connect is under way, waiting for it to complete. */
    public abstract void addConnecting(TransportSocket socket, Object attachment) throws IOException;

    /** A connecting socket connected: its registration now serves {@code attachment}, waiting for {@code interest}. */
    public abstract void connected(TransportSocket socket, Object attachment, int interest) throws IOException;

    /**
     * Waits up to {@code timeoutMillis} (0: not at all) and hands every ready registration to
     * {@code sink}; returns how many. A wake-up ends the wait early.
     */
    public abstract int poll(Scratch s, long timeoutMillis, ReadySink sink) throws IOException;

    /** Ends a {@link #poll} under way (or the next one) early. Any thread. */
    public abstract void wakeup();

    /**
     * Whether an interest change made by another thread needs a {@link #wakeup} to take effect: a
     * JDK {@code Selector} applies changes only when it next selects; epoll applies them at once.
     */
    public abstract boolean interestNeedsWakeup();

    /** Whether the kernel disarms a registration as it reports it (re-armed by {@link TransportSocket#setInterest}). */
    public abstract boolean oneShot();

    /** Every attachment registered now (shutdown walks its connections this way). The polling thread. */
    public abstract void forEachAttachment(Consumer<Object> action);

    /** Releases the set; what is still registered stays open (its owners close it). */
    public abstract void close();
}
