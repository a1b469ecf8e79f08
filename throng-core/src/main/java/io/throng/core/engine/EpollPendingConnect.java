package io.throng.core.engine;

import io.throng.core.Connection;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import java.util.concurrent.CompletableFuture;

/** A client socket of an {@link EpollLoop} waiting for its non-blocking connect to complete. */
final class EpollPendingConnect extends PendingConnect {
    final int fd;
    private final EpollLoop loop;

    EpollPendingConnect(int fd, EpollLoop loop, Object attachment, CompletableFuture<Connection> future, long deadline) {
        super(attachment, future, deadline);
        this.fd = fd;
        this.loop = loop;
    }

    void onConnectable(EpollLoop l, int events) {
        EpollScratch s = l.loopScratch();
        int error = Linux.getInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_ERROR, s.small);
        if (error < 0) {
            error = -error;
        }
        if (error != 0) {
            fail(l, Errno.exception("connect", error));
            return;
        }
        l.established(this);
    }

    @Override
    void closeSocket() {
        loop.forget(fd, this);
        Linux.close(loop.loopScratch().errno, fd);
    }
}
