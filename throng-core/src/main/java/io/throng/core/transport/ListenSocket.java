package io.throng.core.transport;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A listening socket, non-blocking, registered with one {@link Poller}. Accepted sockets come out
 * configured with the options it was opened with. One thread (its poller's) accepts; {@link #close}
 * is safe from any thread.
 */
public abstract sealed class ListenSocket permits NioListenSocket, EpollListenSocket, UringListenSocket {

    /** The next accepted socket, or null if none is waiting; throws on a real failure (EMFILE). */
    public abstract TransportSocket accept(Scratch s) throws IOException;

    /** Turns accept readiness on or off (admission, back-off). The poller's thread. */
    public abstract void acceptInterest(boolean on);

    public abstract InetSocketAddress localAddress();

    public abstract boolean isOpen();

    /**
     * For dumps: what the transport knows of its accepting beyond the engine's view (io_uring: whether
     * a multishot accept is armed), or "" if nothing. The poller's thread.
     */
    public String acceptState() {
        return "";
    }

    /** Stops listening and releases the socket. Any thread; idempotent. */
    public abstract void close();
}
