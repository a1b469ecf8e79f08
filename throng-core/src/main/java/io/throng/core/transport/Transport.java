package io.throng.core.transport;

import io.throng.core.config.Model;
import io.throng.core.config.SocketOptions;
import io.throng.core.config.TransportKind;
import io.throng.core.linux.Linux;
import io.throng.core.linux.Uring;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;

/**
 * A way of waiting for sockets and moving their bytes: the factory of {@link Poller}s,
 * {@link ListenSocket}s and client {@link TransportSocket}s. The models use nothing else, so a
 * transport is added here without touching them.
 *
 * <p>Readiness transports (nio, epoll) say "you may read now" and the engine reads into its own
 * buffer. The completion transport (io_uring) fits the same seam: its poller turns completions
 * into that readiness (the bytes already received into its buffers), and its sockets copy what
 * the engine writes into an outbox that the ring sends from.
 */
public sealed interface Transport permits NioTransport, EpollTransport, UringTransport {
    System.Logger LOG = System.getLogger("io.throng.transport");

    TransportKind kind();

    /**
     * A readiness set. {@code oneShot}: the kernel disarms a registration as it reports it (the
     * worker pool's loops, and leader-follower's sets, which several threads wait on at once).
     * {@code eventsPerWait}: how many readinesses one wait takes at most (0: a loop's default).
     */
    Poller openPoller(boolean oneShot, int eventsPerWait) throws IOException;

    /** A non-blocking listening socket; with {@code reusePort} several can bind one port. */
    ListenSocket listen(InetSocketAddress address, SocketOptions options, boolean reusePort) throws IOException;

    /**
     * Starts a non-blocking connect to {@code remote}, from {@code local} if not null; the socket
     * is then added to a poller with {@link Poller#addConnecting} and finished with
     * {@link TransportSocket#finishConnect}.
     */
    TransportSocket connect(Scratch s, InetSocketAddress remote, InetSocketAddress local, SocketOptions options)
            throws IOException;

    /** A scratch for one thread, whose gathering writes carry at most {@code iovCapacity} buffers. */
    Scratch newScratch(int iovCapacity);

    /** What blocking sockets of the thread-per-connection models wait with (named after the server). */
    Parker newParker(String name) throws IOException;

    /** Whether several threads can wait on one one-shot set (leader-follower needs it; a Selector cannot). */
    boolean sharedOneShotSets();

    /** The transport for {@code kind}, which must be resolved (not auto) and able to run here. */
    static Transport of(TransportKind kind) {
        return switch (kind) {
            case NIO -> NioTransport.INSTANCE;
            case EPOLL -> EpollTransport.instance();
            case IO_URING -> UringTransport.instance();
            case AUTO -> throw new IllegalArgumentException("resolve auto first");
        };
    }

    /**
     * The transport that {@code requested} resolves to here, for loops of {@code model} (null: a
     * client's loops). {@code auto} takes io_uring where the kernel allows it and the model runs on
     * it, else epoll, else nio, with one log line saying which and why (as tnet falls back to Go's
     * net); an explicit transport that cannot run is an error, never a silent fallback.
     */
    static TransportKind resolve(TransportKind requested, Model model) {
        return switch (requested) {
            case NIO -> TransportKind.NIO;
            case EPOLL -> {
                if (!Linux.available()) {
                    throw new IllegalStateException("transport epoll cannot run: " + Linux.unavailableReason());
                }
                yield TransportKind.EPOLL;
            }
            case IO_URING -> {
                if (!Uring.available()) {
                    throw new IllegalStateException("transport io_uring cannot run: " + Uring.unavailableReason());
                }
                String misfit = UringTransport.misfit(model);
                if (misfit != null) {
                    throw new IllegalStateException("transport io_uring " + misfit + "; run " + model.id() + " on epoll");
                }
                yield TransportKind.IO_URING;
            }
            case AUTO -> {
                String why = Uring.available() ? UringTransport.misfit(model) : "cannot run here: " + Uring.unavailableReason();
                if (why == null) {
                    LOG.log(Level.INFO, "running the io_uring transport (Linux, through FFM)");
                    yield TransportKind.IO_URING;
                }
                if (Linux.available()) {
                    LOG.log(Level.INFO, "running the epoll transport (Linux, through FFM): io_uring " + why);
                    yield TransportKind.EPOLL;
                }
                LOG.log(Level.INFO, "running the nio transport: epoll cannot run here: " + Linux.unavailableReason());
                yield TransportKind.NIO;
            }
        };
    }

    /** Why {@code kind} cannot run in this JVM, or null if it can. */
    static String unavailableReason(TransportKind kind) {
        return switch (kind) {
            case EPOLL -> Linux.unavailableReason();
            case IO_URING -> Uring.unavailableReason();
            default -> null;
        };
    }
}
