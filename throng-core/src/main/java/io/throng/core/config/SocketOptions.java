package io.throng.core.config;

/**
 * Options applied to every socket.
 *
 * @param tcpNoDelay        disable Nagle's algorithm (we batch writes ourselves)
 * @param receiveBufferSize SO_RCVBUF in bytes, 0 for the kernel's default (which autotunes)
 * @param sendBufferSize    SO_SNDBUF in bytes, 0 for the kernel's default (which autotunes)
 * @param backlog           the listen backlog; the kernel caps it at net.core.somaxconn
 * @param reusePort         set SO_REUSEPORT on every listener, so that other processes (prefork
 *                          workers) can listen on the same port and the kernel spreads connections
 *                          over all of them (several loops of one server always set it)
 */
public record SocketOptions(boolean tcpNoDelay, int receiveBufferSize, int sendBufferSize, int backlog,
                            boolean reusePort) {

    public static final SocketOptions DEFAULT = new SocketOptions(true, 0, 0, 4096, false);

    public SocketOptions {
        if (receiveBufferSize < 0 || sendBufferSize < 0) {
            throw new IllegalArgumentException("socket buffer sizes must be >= 0 (0: kernel default)");
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be >= 1, got " + backlog);
        }
    }

    public SocketOptions withTcpNoDelay(boolean v) {
        return new SocketOptions(v, receiveBufferSize, sendBufferSize, backlog, reusePort);
    }

    public SocketOptions withReceiveBufferSize(int v) {
        return new SocketOptions(tcpNoDelay, v, sendBufferSize, backlog, reusePort);
    }

    public SocketOptions withSendBufferSize(int v) {
        return new SocketOptions(tcpNoDelay, receiveBufferSize, v, backlog, reusePort);
    }

    public SocketOptions withBacklog(int v) {
        return new SocketOptions(tcpNoDelay, receiveBufferSize, sendBufferSize, v, reusePort);
    }

    public SocketOptions withReusePort(boolean v) {
        return new SocketOptions(tcpNoDelay, receiveBufferSize, sendBufferSize, backlog, v);
    }
}
