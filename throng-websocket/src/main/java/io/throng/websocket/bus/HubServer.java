package io.throng.websocket.bus;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The embedded bus under prefork: a relay in the supervisor process that every worker connects to
 * over a Unix domain socket ({@link HubBroker} is the worker's side). A worker subscribes to the
 * channels it has subscribers for; a message a worker publishes is encoded once and queued for
 * every worker subscribed to its channel, the publisher included.
 *
 * <p>Why a hub and not a mesh of workers: each worker needs one connection and one address (given
 * on its command line), a restarted worker only reconnects and subscribes again, and the cost is
 * one more hop through the supervisor, a few tens of microseconds on a Unix socket against the
 * hundreds of milliseconds a broadcast to 100,000 subscribers takes (docs/push-bus.md).
 *
 * <p>Threads: an acceptor; per worker a reader, which routes the worker's frames in order, and a
 * writer draining that worker's bounded queue ({@code queueCapacity} frames; a full queue drops,
 * counted). Per publisher and channel the order is kept: one reader puts a worker's messages
 * into each destination queue in the order they came.
 */
public final class HubServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.throng.websocket.bus");
    /** Frames one gathering write takes at most. */
    private static final int WRITE_BATCH = 64;

    private final Path socket;
    private final ServerSocketChannel server;
    private final int maxPayload;
    private final int queueCapacity;
    private final ConcurrentHashMap<String, Set<Peer>> routes = new ConcurrentHashMap<>();
    private final Set<Peer> peers = ConcurrentHashMap.newKeySet();
    private final LongAdder published = new LongAdder();
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private volatile boolean closed;

    private HubServer(Path socket, ServerSocketChannel server, int maxPayload, int queueCapacity) {
        this.socket = socket;
        this.server = server;
        this.maxPayload = maxPayload;
        this.queueCapacity = queueCapacity;
    }

    /**
     * Listens on {@code socket} (a file that must not exist or is replaced) for workers.
     *
     * @param maxPayload    the largest message a worker may publish (the push service's max-message)
     * @param queueCapacity frames queued for one worker at most
     */
    public static HubServer start(Path socket, int maxPayload, int queueCapacity) throws IOException {
        if (maxPayload < 1) {
            throw new IllegalArgumentException("maxPayload must be positive, got " + maxPayload);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be positive, got " + queueCapacity);
        }
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
        }
        HubServer hub = new HubServer(socket, server, maxPayload, queueCapacity);
        Thread.ofPlatform().daemon().name("throng-bus-hub-accept").start(hub::accept);
        return hub;
    }

    public Path socket() {
        return socket;
    }

    public HubStats stats() {
        return new HubStats(peers.size(), routes.size(), published.sum(), forwarded.sum(), dropped.sum());
    }

    private void accept() {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                Peer p = new Peer(ch);
                peers.add(p);
                p.start();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "bus hub: accept failed: " + e);
                }
            }
        }
    }

    private void removeRoute(String channel, Peer peer) {
        routes.computeIfPresent(channel, (name, set) -> {
            set.remove(peer);
            return set.isEmpty() ? null : set;
        });
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Peer p : peers) {
            p.leave();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // a temporary file; nothing else to do
        }
    }

    /** One worker's connection. */
    private final class Peer {
        private final SocketChannel channel;
        private final ArrayBlockingQueue<ByteBuffer> out = new ArrayBlockingQueue<>(queueCapacity);
        private final Set<String> channels = ConcurrentHashMap.newKeySet();
        private volatile boolean gone;
        private volatile Thread writer;

        Peer(SocketChannel channel) {
            this.channel = channel;
        }

        void start() {
            writer = Thread.ofPlatform().daemon().name("throng-bus-hub-write").start(this::write);
            Thread.ofPlatform().daemon().name("throng-bus-hub-read").start(this::read);
        }

        private void read() {
            try {
                HubFrames.readAll(channel, maxPayload, this::frame);
            } catch (IOException e) {
                if (!gone && !closed) {
                    LOG.log(Level.WARNING, "bus hub: a worker's connection failed: " + e.getMessage());
                }
            } finally {
                leave();
            }
        }

        private void frame(byte op, String name, ByteBuffer payload) throws IOException {
            switch (op) {
                case HubFrames.SUBSCRIBE -> {
                    if (channels.add(name)) {
                        // one atomic step: removeRoute may drop an emptied set meanwhile
                        routes.compute(name, (k, set) -> {
                            Set<Peer> s = set == null ? ConcurrentHashMap.newKeySet() : set;
                            s.add(this);
                            return s;
                        });
                        if (gone) {
                            removeRoute(name, this);
                        }
                    }
                }
                case HubFrames.UNSUBSCRIBE -> {
                    if (channels.remove(name)) {
                        removeRoute(name, this);
                    }
                }
                case HubFrames.PUBLISH -> {
                    published.increment();
                    Set<Peer> targets = routes.get(name);
                    if (targets != null && !targets.isEmpty()) {
                        ByteBuffer message = HubFrames.frame(HubFrames.MESSAGE, name, payload).asReadOnlyBuffer();
                        for (Peer p : targets) {
                            p.offer(message.duplicate());
                        }
                    }
                }
                default -> throw new IOException("a worker sent op " + op + ", which only the hub sends");
            }
        }

        private void offer(ByteBuffer frame) {
            if (gone) {
                return;
            }
            if (out.offer(frame)) {
                forwarded.increment();
            } else {
                dropped.increment();
            }
        }

        private void write() {
            List<ByteBuffer> batch = new ArrayList<>(WRITE_BATCH);
            try {
                while (!gone) {
                    batch.add(out.take());
                    out.drainTo(batch, WRITE_BATCH - 1);
                    ByteBuffer[] buffers = batch.toArray(ByteBuffer[]::new);
                    long left = 0;
                    for (ByteBuffer b : buffers) {
                        left += b.remaining();
                    }
                    while (left > 0) {
                        left -= channel.write(buffers);
                    }
                    batch.clear();
                }
            } catch (InterruptedException | IOException e) {
                // leaving: the reader or close() says why
            } finally {
                leave();
            }
        }

        void leave() {
            synchronized (this) {
                if (gone) {
                    return;
                }
                gone = true;
            }
            peers.remove(this);
            for (String name : channels) {
                removeRoute(name, this);
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // gone either way
            }
            Thread w = writer;
            if (w != null && w != Thread.currentThread()) {
                w.interrupt();
            }
            out.clear();
        }
    }
}
