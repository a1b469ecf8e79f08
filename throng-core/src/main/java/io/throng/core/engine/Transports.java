package io.throng.core.engine;

import io.throng.core.config.TransportKind;
import io.throng.core.linux.Linux;
import java.lang.System.Logger.Level;

/**
 * Chooses the transport that runs: {@code auto} takes epoll where it can run and falls back to NIO
 * with one log line saying why (as tnet falls back to Go's net); an explicit {@code epoll} that
 * cannot run is an error, never a silent fallback.
 */
public final class Transports {
    private static final System.Logger LOG = System.getLogger("io.throng.transport");

    private Transports() {
    }

    /** The transport that {@code requested} resolves to here; logs the choice. */
    public static TransportKind resolve(TransportKind requested) {
        return switch (requested) {
            case NIO -> TransportKind.NIO;
            case EPOLL -> {
                if (!Linux.available()) {
                    throw new IllegalStateException("transport epoll cannot run: " + Linux.unavailableReason());
                }
                yield TransportKind.EPOLL;
            }
            case AUTO -> {
                if (Linux.available()) {
                    LOG.log(Level.INFO, "running the epoll transport (Linux, through FFM)");
                    yield TransportKind.EPOLL;
                }
                LOG.log(Level.INFO, "running the nio transport: epoll cannot run here: " + Linux.unavailableReason());
                yield TransportKind.NIO;
            }
        };
    }

    /** Why epoll cannot run here, or null if it can. */
    public static String epollUnavailableReason() {
        return Linux.unavailableReason();
    }
}
