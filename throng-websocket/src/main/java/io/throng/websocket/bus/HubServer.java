package io.throng.websocket.bus;

import io.throng.websocket.history.Stream;
import io.throng.websocket.history.StreamLimits;
import io.throng.websocket.history.Streams;
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
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>History ({@link SharedHistory}): a publish a worker sends as <em>store</em> is appended to the
 * channel's {@link Stream} here, numbered, and sent to the subscribed workers with its offset and
 * epoch, both under the stream's lock; a worker's query is answered under the same lock, and a
 * query for a subscribe puts the worker's route in place first. So in each worker's queue a
 * channel's answers and stored messages stand in the order of the stream: what a recovering
 * subscriber gets in its answer it does not get again live, and what it does not get there comes
 * live after it. Every worker's clients recover from the one history, whichever worker they reach.
 *
 * <p>Gathering ({@link Gathering}): a worker's question goes to every worker subscribed to the
 * channel (or every worker), each worker's reply comes back, and the asker gets them all in one
 * frame once every worker asked has replied, left, or had {@value #GATHER_WAIT_MS} ms; the hub
 * does not read the questions or the replies.
 *
 * <p>Threads: an acceptor; per worker a reader, which routes the worker's frames in order, and a
 * writer draining that worker's bounded queue ({@code queueCapacity} frames; a full queue drops,
 * counted; an answer that finds it full closes that worker's connection, since its asker would
 * wait for nothing). Per publisher and channel the order is kept: one reader puts a worker's
 * messages into each destination queue in the order they came. A sweeper forgets the streams idle
 * past their meta TTL.
 */
public final class HubServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.throng.websocket.bus");
    /** Frames one gathering write takes at most. */
    private static final int WRITE_BATCH = 64;
    /**
     * Publication bytes one answer carries at most: a recovery that needs more fails (the client
     * reloads), a read is cut there. 16 MiB: 300 publications (Centrifugo's recovery default) of
     * 50 KB each; the worker's reader takes answers this large whatever its message limit.
     */
    static final int ANSWER_BUDGET = 16 << 20;
    /** How often the ticker looks for gathers past their time; every tenth tick, for streams idle past their meta TTL. */
    private static final long TICK_MILLIS = 500;
    /**
     * How long a gather waits for a worker's reply: a worker replies from its hub reader, at once
     * unless it is stuck, and a stuck worker should not hold the asker (an API call, a client's
     * presence command) for longer than a client's own timeout (Centrifugo's SDK: 5 s).
     */
    static final long GATHER_WAIT_MS = 4_000;

    private final Path socket;
    private final ServerSocketChannel server;
    private final int maxPayload;
    private final int queueCapacity;
    private final ConcurrentHashMap<String, Set<Peer>> routes = new ConcurrentHashMap<>();
    private final Set<Peer> peers = ConcurrentHashMap.newKeySet();
    private final LongAdder published = new LongAdder();
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    /** The workers' channel history, made at a channel's first stored publish or query. */
    private final Streams streams = new Streams();
    /** Gathers waiting for replies, by the hub's ask id. */
    private final ConcurrentHashMap<Long, Gather> gathers = new ConcurrentHashMap<>();
    private final AtomicLong askIds = new AtomicLong();
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
        Thread.ofPlatform().daemon().name("throng-bus-hub-sweep").start(hub::sweep);
        return hub;
    }

    public Path socket() {
        return socket;
    }

    public HubStats stats() {
        return new HubStats(peers.size(), routes.size(), published.sum(), forwarded.sum(), dropped.sum());
    }

    /** Channels with a history kept here now. */
    public int historyChannels() {
        return streams.count();
    }

    private void sweep() {
        for (long tick = 1; !closed; tick++) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Gather g : gathers.values()) {
                if (now - g.startedNanos > GATHER_WAIT_MS * 1_000_000) {
                    g.finish();
                }
            }
            if (tick % 10 == 0) {
                streams.sweep(System.currentTimeMillis());
            }
        }
    }

    /** One question out to several workers: their replies, and who has not replied yet. */
    private final class Gather {
        final long askId;
        final Peer asker;
        final long askerId;
        final String channel;
        final long startedNanos = System.nanoTime();
        private final Set<Peer> waiting; // guarded by this
        private final List<byte[]> replies = new ArrayList<>(); // guarded by this
        private long bytes; // guarded by this
        private boolean done; // guarded by this

        Gather(long askId, Peer asker, long askerId, String channel, Set<Peer> waiting) {
            this.askId = askId;
            this.asker = asker;
            this.askerId = askerId;
            this.channel = channel;
            this.waiting = waiting;
        }

        synchronized void replied(Peer p, byte[] reply) {
            if (!done && waiting.remove(p)) {
                if (bytes + 4 + reply.length <= ANSWER_BUDGET) {
                    replies.add(reply);
                    bytes += 4 + reply.length;
                } else {
                    lost++; // past the budget a reply is left out, and counted missing
                }
                if (waiting.isEmpty()) {
                    finish();
                }
            }
        }

        /** Replies that will not come (the worker left, or its queue was full) or did not fit. */
        private int lost; // guarded by this

        synchronized void left(Peer p) {
            if (!done && waiting.remove(p)) {
                lost++;
                if (waiting.isEmpty()) {
                    finish();
                }
            }
        }

        /** Sends what has come to the asker (the rest counted missing). */
        synchronized void finish() {
            if (done) {
                return;
            }
            done = true;
            gathers.remove(askId);
            int missing = waiting.size() + lost;
            ByteBuffer body = ByteBuffer.allocate((int) (8 + 4 + 4 + bytes)).putLong(askerId).putInt(missing).putInt(replies.size());
            for (byte[] r : replies) {
                body.putInt(r.length).put(r);
            }
            asker.answerOrLeave(HubFrames.frame(HubFrames.GATHERED, channel, body.flip()));
        }
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

    /** The bytes {@code entries} take in an answer. */
    private static long bytes(List<Stream.Entry> entries) {
        long total = 0;
        for (Stream.Entry e : entries) {
            total += 12 + e.data().length;
        }
        return total;
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
                // a store adds its limits to a message; a worker's reply to a question may be as large as an answer
                HubFrames.readAll(channel, Math.max(maxPayload + HubFrames.HEADROOM, ANSWER_BUDGET), this::frame);
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
                case HubFrames.SUBSCRIBE -> subscribe(name);
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
                case HubFrames.STORE -> {
                    published.increment();
                    StreamLimits limits = HubFrames.limits(payload);
                    byte[] data = new byte[payload.remaining()];
                    payload.get(data);
                    store(name, limits, data);
                }
                case HubFrames.GATHER -> {
                    long id = payload.getLong();
                    int scope = payload.get();
                    byte[] question = HubFrames.rest(payload);
                    Set<Peer> asked = ConcurrentHashMap.newKeySet();
                    if (scope == 1) {
                        asked.addAll(peers);
                    } else {
                        Set<Peer> routed = routes.get(name);
                        if (routed != null) {
                            asked.addAll(routed);
                        }
                    }
                    asked.removeIf(p -> p.gone);
                    long askId = askIds.incrementAndGet();
                    Gather g = new Gather(askId, this, id, name, asked);
                    gathers.put(askId, g);
                    if (asked.isEmpty()) {
                        g.finish();
                    }
                    ByteBuffer ask = HubFrames.frame(HubFrames.ASK, name, HubFrames.idAnd(askId, question)).asReadOnlyBuffer();
                    for (Peer p : List.copyOf(asked)) {
                        if (!p.offerNow(ask.duplicate())) {
                            g.left(p); // its queue is full: it cannot reply in time
                        }
                    }
                }
                case HubFrames.TELL -> {
                    long askId = payload.getLong();
                    Gather g = gathers.get(askId);
                    if (g != null) {
                        g.replied(this, HubFrames.rest(payload));
                    }
                }
                case HubFrames.QUERY -> {
                    long id = payload.getLong();
                    HistoryQuery q = HubFrames.query(payload);
                    if (q.subscribes()) {
                        subscribe(name); // before the read: what is stored after it reaches this worker
                    }
                    answer(name, id, q);
                }
                default -> throw new IOException("a worker sent op " + op + ", which only the hub sends");
            }
        }

        private void subscribe(String name) {
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

        /** Appends to the channel's stream and sends the numbered message to its workers, under the stream's lock. */
        private void store(String name, StreamLimits limits, byte[] data) {
            long now = System.currentTimeMillis();
            while (true) {
                Stream stream = streams.of(name, limits, now);
                synchronized (stream) {
                    if (stream.dead) {
                        continue; // forgotten by the sweeper just now: a new stream, a new epoch
                    }
                    long offset = stream.append(data, now);
                    Set<Peer> targets = routes.get(name);
                    if (targets != null && !targets.isEmpty()) {
                        byte[] epoch = HubFrames.epochBytes(stream.epoch);
                        ByteBuffer body = ByteBuffer.allocate(8 + 1 + epoch.length + data.length).putLong(offset);
                        HubFrames.putEpoch(body, epoch);
                        ByteBuffer message = HubFrames.frame(HubFrames.STORED, name, body.put(data).flip()).asReadOnlyBuffer();
                        for (Peer p : targets) {
                            p.offer(message.duplicate());
                        }
                    }
                    return;
                }
            }
        }

        /** Answers a query into this worker's queue, under the stream's lock (see the class comment). */
        private void answer(String name, long id, HistoryQuery q) {
            long now = System.currentTimeMillis();
            while (true) {
                Stream stream = streams.of(name, q.limits(), now);
                synchronized (stream) {
                    if (stream.dead) {
                        continue;
                    }
                    boolean recovered = false;
                    List<Stream.Entry> entries = List.of();
                    switch (q.mode()) {
                        case POSITION -> { }
                        case RECOVER -> {
                            Stream.Recovery r = stream.recover(q.offset(), q.epoch(), q.limit(), now);
                            if (r.recovered() && bytes(r.publications()) <= ANSWER_BUDGET) {
                                recovered = true;
                                entries = r.publications();
                            }
                        }
                        case READ -> {
                            entries = stream.read(q.offset(), q.limit(), q.reverse(), now);
                            int fit = 0;
                            long total = 0;
                            for (Stream.Entry e : entries) {
                                total += 12 + e.data().length;
                                if (total > ANSWER_BUDGET) {
                                    break;
                                }
                                fit++;
                            }
                            entries = entries.subList(0, fit);
                        }
                    }
                    byte[] epoch = HubFrames.epochBytes(stream.epoch);
                    ByteBuffer body = ByteBuffer.allocate((int) (8 + 1 + 1 + epoch.length + 8 + 4 + bytes(entries)));
                    body.putLong(id).put((byte) (recovered ? 1 : 0));
                    HubFrames.putEpoch(body, epoch);
                    body.putLong(stream.top()).putInt(entries.size());
                    for (Stream.Entry e : entries) {
                        body.putLong(e.offset()).putInt(e.data().length).put(e.data());
                    }
                    answerOrLeave(HubFrames.frame(HubFrames.ANSWER, name, body.flip()));
                    return;
                }
            }
        }

        /**
         * Queues an answer this worker waits for; if its queue is full, closes its connection: an
         * answer dropped would leave its asker waiting for nothing, and a reconnect fails its
         * questions, which are asked again.
         */
        void answerOrLeave(ByteBuffer frame) {
            if (!gone && !out.offer(frame)) {
                dropped.increment();
                LOG.log(Level.WARNING, "bus hub: a worker's queue is full (" + queueCapacity + " frames) for an answer it"
                        + " waits for; closing its connection (it reconnects, its questions fail and are asked again)");
                leave();
            }
        }

        /** Queues a frame; false if this worker is gone or its queue is full (counted). */
        boolean offerNow(ByteBuffer frame) {
            if (gone) {
                return false;
            }
            if (out.offer(frame)) {
                forwarded.increment();
                return true;
            }
            dropped.increment();
            return false;
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
            for (Gather g : gathers.values()) {
                if (g.asker == this) {
                    gathers.remove(g.askId);
                } else {
                    g.left(this);
                }
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
