package io.throng.core.transport;

import io.throng.core.config.SocketOptions;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A listening socket of the io_uring transport: one multishot accept stays armed while the engine
 * accepts, and each completion is a connection already accepted (non-blocking, close-on-exec),
 * queued here until {@link #accept} hands it out. Every way a multishot ends leads back to armed
 * (the poller's thread):
 * <ul>
 *   <li>a failure (EMFILE, ENFILE, ENOBUFS): kept in {@link #error} and thrown by the
 *       {@link #accept} after the last queued connection, so the engine's back-off applies as on
 *       epoll; the poller reports the listener every turn until it is thrown (the engine takes 64
 *       an event, and a failure behind exactly 64 or 128 was once never told: the listener stayed
 *       unarmed for good), and arms nothing while it is kept; the back-off's end re-arms;</li>
 *   <li>a transient failure (EAGAIN, EINTR, ECONNABORTED): re-armed at once, nothing to tell;</li>
 *   <li>a cancel, the engine pausing ({@link #wanted} false): re-armed when it resumes, or at the
 *       cancel's completion if it resumed first;</li>
 *   <li>an accepted connection without {@code F_MORE} (no room in the completion queue): re-armed
 *       at once.</li>
 * </ul>
 */
public final class UringListenSocket extends ListenSocket {
    final int fd;
    private final SocketOptions options;
    private final InetSocketAddress address;
    private volatile boolean open = true;
    UringPoller poller;
    /** The generation of its registration (see the poller's table), and the engine's attachment. */
    int gen;
    Object attachment;
    /** The engine wants connections (acceptInterest). Loop thread. */
    boolean wanted;
    /** A multishot accept is in flight. Loop thread. */
    boolean armed;
    /** Queued in the poller's reports. Loop thread. */
    boolean reportQueued;
    /** errno of a failed accept, thrown once by {@link #accept}; while set, the multishot is not re-armed. */
    int error;
    private int[] pending = new int[16];
    private int head;
    private int count;

    UringListenSocket(int fd, SocketOptions options, InetSocketAddress address) {
        this.fd = fd;
        this.options = options;
        this.address = address;
    }

    void push(int accepted) {
        if (count == pending.length) {
            int[] bigger = new int[pending.length * 2];
            for (int i = 0; i < count; i++) {
                bigger[i] = pending[(head + i) % pending.length];
            }
            pending = bigger;
            head = 0;
        }
        pending[(head + count) % pending.length] = accepted;
        count++;
    }

    int pendingCount() {
        return count;
    }

    @Override
    public TransportSocket accept(Scratch scratch) throws IOException {
        if (count > 0) {
            int r = pending[head];
            head = (head + 1) % pending.length;
            count--;
            EpollScratch s = EpollScratch.of(scratch);
            EpollTransport.configureAccepted(s, r, options);
            return new UringSocket(r);
        }
        if (error != 0) {
            int e = error;
            error = 0;
            if (!open) {
                return null;
            }
            throw Errno.exception("accept", e);
        }
        return null;
    }

    @Override
    public void acceptInterest(boolean on) {
        UringPoller p = poller;
        if (open && p != null) {
            p.acceptInterest(this, on);
        }
    }

    @Override
    public String acceptState() {
        return (armed ? "multishot accept armed" : "multishot accept not armed") + (wanted ? "" : ", not wanted")
                + (count > 0 ? ", " + count + " accepted waiting" : "") + (error != 0 ? ", error " + Errno.message(error) : "");
    }

    @Override
    public InetSocketAddress localAddress() {
        return address;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /**
     * Any thread: shuts the socket down, which ends the multishot accept (it holds the socket
     * until then), and closes the descriptor; connections accepted and not handed out are closed.
     */
    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        open = false;
        EpollScratch s = EpollScratch.of(null);
        Linux.shutdown(s.errno, fd, Linux.SHUT_RDWR);
        Linux.close(s.errno, fd);
        UringPoller p = poller;
        if (p != null) {
            p.forget(this);
        }
    }

    /** Closes what was accepted and never handed out. The loop thread. */
    void dropPending() {
        EpollScratch s = EpollScratch.of(null);
        while (count > 0) {
            Linux.close(s.errno, pending[head]);
            head = (head + 1) % pending.length;
            count--;
        }
    }

    @Override
    public String toString() {
        return String.valueOf(address);
    }
}
