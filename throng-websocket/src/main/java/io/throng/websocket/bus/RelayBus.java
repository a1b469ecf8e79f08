package io.throng.websocket.bus;

import io.throng.websocket.history.StreamLimits;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A bus that relays through a broker ({@link Broker}: the prefork hub, Redis, NATS), with the
 * semantics every one of them gets the same way:
 *
 * <ul>
 *   <li><b>Publishing</b> copies the payload into a bounded relay queue ({@link BusConfig#relayQueue()})
 *       and returns at once: {@link PublishOutcome.Accepted}, with a {@link Receipt} the link settles
 *       when the broker acknowledges the message or the link drops it (the push service's publishers
 *       wait for it before they answer). While the link is not up, or when the queue is full, the
 *       publish is {@link PublishOutcome.Refused refused} (the push service answers 503), so a
 *       publisher learns of an outage instead of losing messages silently.</li>
 *   <li><b>Other nodes</b> on a shared broker (Redis, NATS) are tracked on a control channel
 *       ({@link Peers}): a link that comes (back) up refuses publishes until every node known
 *       before has rejoined, so that a publish does not miss the subscribers of a node whose link
 *       is slower to return after a broker restart.</li>
 *   <li><b>Delivery</b> to this node's subscribers happens when the broker hands a message back,
 *       for the publishing node too, so every node, this one included, sees one stream per channel
 *       in the broker's order. A publisher's messages keep their order: one queue, one link, one
 *       connection to the broker.</li>
 *   <li><b>At most once</b>: a message is handed to the broker once and never retried; what a
 *       link accepted and had not relayed when it failed (the batch in flight, the queue) is
 *       counted as dropped, never sent by a later link. Each node holds one subscription per
 *       channel, and a session's deliveries stop before the next session subscribes, so no
 *       subscriber gets a message twice.</li>
 *   <li><b>Subscriptions</b> follow the node's subscribers: a channel is subscribed upstream while
 *       it has a local subscriber. Calls to {@link #subscribe} and {@link #unsubscribe} only mark the
 *       channel; the link thread re-reads {@link LocalSubscribers#hasSubscribers} and sends what
 *       changed, so calls racing each other cannot leave a wrong subscription behind.</li>
 *   <li><b>Reconnection</b>: after a failure the link waits {@link BusConfig#backoffMin()}, doubling
 *       to {@link BusConfig#backoffMax()} (with jitter, so that many nodes do not return at once),
 *       reconnects, subscribes every channel that has a local subscriber then, and is up again.</li>
 * </ul>
 *
 * <p>Threads: one link thread (platform, daemon) connects, subscribes and publishes; the session's
 * reader delivers. Publishers never block: they only offer to the queue and wake the link.
 */
public final class RelayBus implements Bus, SharedHistory, Gathering {
    private static final System.Logger LOG = System.getLogger("io.throng.websocket.bus");
    /** Publishes sent to the broker in one write (Redis: one pipeline, NATS: one flush). */
    static final int BATCH = 512;

    /** This process, as publish answers name it: host/pid. */
    public static final String NODE = hostName() + "/" + ProcessHandle.current().pid();
    /** This bus on a shared broker's control channel: the node and a random part (a pid repeats across hosts' containers). */
    private final String peerId = NODE + "/" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);

    private static final byte[] EMPTY = new byte[0];

    private final Broker broker;
    private final LocalSubscribers local;
    private final BusConfig config;
    private final ArrayBlockingQueue<Broker.Message> queue;
    private final Set<String> changed = ConcurrentHashMap.newKeySet();
    private final PublishOutcome.Accepted accepted;
    /**
     * By when the link settles a receipt at the latest: a batch waits for the broker's
     * acknowledgement up to the timeout, a hung broker is noticed within heartbeat + timeout, and
     * a link coming up spends up to a timeout subscribing; a second of slack on top.
     */
    private final long settleWithin;
    private final LongAdder relayed = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final AtomicLong reconnects = new AtomicLong();
    /** Which publishes the broker stores (brokers that {@link Broker#keepsHistory() keep history}); null: none. */
    private volatile StorePolicy storePolicy;
    /** Queries and gathers sent or queued and not answered yet, by number; failed when their session ends. */
    private final ConcurrentHashMap<Long, Waiting> queries = new ConcurrentHashMap<>();
    /** How this process answers other processes' questions ({@link Gathering}); null: with nothing. */
    private volatile Responder responder;
    private final AtomicLong queryIds = new AtomicLong();
    /** The other nodes on a shared broker; null for one that is not ({@link Broker#sharedByNodes()}). */
    private final Peers peers;
    /** Gathering across the nodes of a shared broker that does not gather itself; null otherwise. */
    private final NodeGathering nodeGathering;
    /** A peer said hello: the link answers with a here (set by the reader, cleared by the link). */
    private volatile boolean answerHello;
    private volatile Thread link;
    private volatile BusStats.State state = BusStats.State.CONNECTING;
    private volatile String problem = "connecting";
    private volatile Throwable failure;
    private volatile int channels;
    private volatile boolean closed;

    private RelayBus(Broker broker, LocalSubscribers local, BusConfig config) {
        this.broker = Objects.requireNonNull(broker, "broker");
        this.local = Objects.requireNonNull(local, "local");
        this.config = Objects.requireNonNull(config, "config");
        this.queue = new ArrayBlockingQueue<>(config.relayQueue());
        this.accepted = new PublishOutcome.Accepted(broker.name(), NODE);
        this.peers = broker.sharedByNodes() ? new Peers(peerId, Peers.goneAfter(config)) : null;
        this.nodeGathering = peers != null && !broker.gathers() ? new NodeGathering(peers::count, this::sendControl) : null;
        this.settleWithin = 3 * config.timeout().toNanos() + config.heartbeat().toNanos() + 1_000_000_000L;
    }

    /** Starts the link (it connects in the background: publishes are refused until it is up). */
    public static RelayBus start(Broker broker, LocalSubscribers local, BusConfig config) {
        RelayBus bus = new RelayBus(broker, local, config);
        bus.link = Thread.ofPlatform().daemon().name("throng-bus " + broker.name()).start(bus::run);
        return bus;
    }

    @Override
    public PublishOutcome publish(String channel, ByteBuffer payload) {
        if (state != BusStats.State.UP) {
            refused.increment();
            String why = problem;
            return new PublishOutcome.Refused("bus " + broker.name() + " is " + state.id()
                    + (why == null ? "" : " (" + why + ")") + "; retry later");
        }
        String waiting = peers == null ? null : peers.waitingFor(System.nanoTime());
        if (waiting != null) {
            refused.increment();
            return new PublishOutcome.Refused("bus " + broker.name() + " is up, but " + waiting
                    + ": its subscribers would miss this; retry later");
        }
        StorePolicy policy = storePolicy;
        StreamLimits store = policy == null ? null : policy.limits(channel, payload);
        byte[] copy = new byte[payload.remaining()];
        payload.duplicate().get(copy);
        Receipt receipt = new Receipt(System.nanoTime() + settleWithin);
        if (!queue.offer(new Broker.Message(channel, copy, receipt, store, 0, null))) {
            dropped.increment();
            return new PublishOutcome.Refused("the relay queue to " + broker.name() + " is full ("
                    + config.relayQueue() + " messages); retry later");
        }
        LockSupport.unpark(link);
        return new PublishOutcome.Accepted(accepted.bus(), accepted.node(), receipt);
    }

    @Override
    public SharedHistory sharedHistory() {
        return broker.keepsHistory() ? this : null;
    }

    @Override
    public void storeWhen(StorePolicy policy) {
        if (!broker.keepsHistory()) {
            throw new IllegalStateException(broker.name() + " keeps no history");
        }
        storePolicy = policy;
    }

    /**
     * Queued behind the publishes before it, sent by the link after the subscription changes it
     * has seen: a subscribing query of a channel whose subscriber is counted already
     * ({@link LocalSubscribers#hasSubscribers}) cannot be overtaken by an unsubscribe of it.
     */
    @Override
    public String query(String channel, HistoryQuery query, Consumer<HistoryAnswer> then) {
        if (!broker.keepsHistory()) {
            return broker.name() + " keeps no history";
        }
        return request(channel, query, new Waiting(then, null));
    }

    @Override
    public Gathering gathering() {
        return broker.gathers() || nodeGathering != null ? this : null;
    }

    @Override
    public void answerWith(Responder responder) {
        this.responder = responder;
    }

    @Override
    public String gather(String channel, Scope scope, byte[] question, Consumer<Gathered> then) {
        if (nodeGathering != null) {
            // every node is asked, whatever the scope: one without subscribers of the channel has nothing to say
            if (state != BusStats.State.UP) {
                return "bus " + broker.name() + " is " + state.id() + (problem == null ? "" : " (" + problem + ")");
            }
            String refused = nodeGathering.gather(channel, question.clone(), then);
            return refused == null ? null : refused + " (" + broker.name() + ", " + config.relayQueue() + " messages)";
        }
        if (!broker.gathers()) {
            return broker.name() + " cannot gather";
        }
        return request(channel, new Broker.Ask(scope, question.clone()), new Waiting(null, then));
    }

    /** Queues a message of gathering's for the link (a question or a reply); false if the queue is full. */
    private boolean sendControl(String channel, byte[] payload) {
        if (!queue.offer(new Broker.Message(channel, payload))) {
            return false;
        }
        LockSupport.unpark(link);
        return true;
    }

    /** A query or a gather waiting for its answer: one of the two callbacks. */
    private record Waiting(Consumer<HistoryAnswer> answer, Consumer<Gathered> gathered) {
    }

    private String request(String channel, Broker.Request request, Waiting waiting) {
        if (state != BusStats.State.UP) {
            return "bus " + broker.name() + " is " + state.id() + (problem == null ? "" : " (" + problem + ")");
        }
        long id = queryIds.incrementAndGet();
        queries.put(id, waiting);
        if (!queue.offer(new Broker.Message(channel, EMPTY, null, null, id, request))) {
            queries.remove(id);
            return "the relay queue to " + broker.name() + " is full (" + config.relayQueue() + " messages)";
        }
        LockSupport.unpark(link);
        return null;
    }

    /** Answers every query still waiting with a failure: its session is over, its answer will not come. */
    private void failQueries(String why) {
        for (Long id : queries.keySet()) {
            Waiting w = queries.remove(id);
            if (w != null) {
                answered(w, HistoryAnswer.failed(why), Gathered.failed(why));
            }
        }
    }

    private void answered(Waiting w, HistoryAnswer answer, Gathered gathered) {
        try {
            if (w.answer() != null) {
                w.answer().accept(answer);
            } else {
                w.gathered().accept(gathered);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "bus " + broker.name() + ": handling an answer failed", e);
        }
    }

    @Override
    public void subscribe(String channel) {
        changed.add(channel);
        LockSupport.unpark(link);
    }

    @Override
    public void unsubscribe(String channel) {
        changed.add(channel);
        LockSupport.unpark(link);
    }

    @Override
    public String channelProblem(String channel) {
        return broker.channelProblem(channel);
    }

    @Override
    public String name() {
        return broker.name();
    }

    @Override
    public BusStats stats() {
        BusStats.State s = state;
        String why = s != BusStats.State.UP ? problem : peers == null ? null : peers.waitingFor(System.nanoTime());
        return new BusStats(broker.name(), s, why, channels, peers == null ? 0 : peers.count(), queue.size(), relayed.sum(),
                received.sum(), dropped.sum(), refused.sum(), reconnects.get());
    }

    /** Waits until the link is up; false if it is not within {@code timeout}. */
    public boolean awaitUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (state != BusStats.State.UP) {
            if (closed || System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        Thread t = link;
        LockSupport.unpark(t);
        try {
            t.join(config.timeout().toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dropped.add(drainQueue("the bus closed before it was sent"));
        failQueries("the bus closed");
        state = BusStats.State.CLOSED;
    }

    // ================================================================ the link thread

    private void run() {
        long backoff = config.backoffMin().toNanos();
        boolean everUp = false;
        long downSince = System.nanoTime();
        int failures = 0;
        while (!closed) {
            SessionInbound inbound = new SessionInbound();
            Broker.Session session = null;
            try {
                failure = null;
                if (peers != null) {
                    peers.linkUp(System.nanoTime()); // what is heard from here on is heard on the new link
                }
                session = broker.connect(inbound);
                // A publisher that saw the link up just before it failed may have queued since the
                // drain above: that message belongs to the failed session, and is dropped too.
                dropped.add(drainQueue("the link to " + broker.name() + " failed before it was sent"));
                failQueries("the link to " + broker.name() + " failed before it was sent");
                changed.clear(); // before the snapshot: a change after it is marked again
                Set<String> upstream = new HashSet<>(local.channels());
                List<String> all = new ArrayList<>(upstream);
                if (peers != null) {
                    all.addFirst(Peers.CHANNEL);
                }
                if (nodeGathering != null) {
                    all.addAll(0, nodeGathering.channels());
                }
                for (int i = 0; i < all.size(); i += BATCH) {
                    session.subscribe(all.subList(i, Math.min(all.size(), i + BATCH)));
                }
                channels = upstream.size();
                if (peers != null) {
                    // after the subscriptions are in place: whoever hears it may count on them
                    session.publish(List.of(control(Peers.Kind.HELLO)));
                }
                // Up before the log says so: whoever reads "up" (an operator, a test) may publish at once.
                problem = null;
                state = BusStats.State.UP;
                if (everUp) {
                    reconnects.incrementAndGet();
                    long downFor = System.nanoTime() - downSince;
                    LOG.log(Level.INFO, String.format("bus %s: up again after %.1f s, %d channel(s) subscribed again",
                            broker.name(), downFor / 1e9, upstream.size()));
                    BusReconnectEvent.record(broker.name(), downFor, failures, upstream.size());
                } else if (failures > 0) {
                    LOG.log(Level.INFO, "bus " + broker.name() + ": up, " + upstream.size() + " channel(s) subscribed");
                }
                everUp = true;
                failures = 0;
                backoff = config.backoffMin().toNanos();
                serve(session, upstream);
            } catch (Throwable e) {
                if (!closed) {
                    String why = describe(e);
                    if (state == BusStats.State.UP) {
                        downSince = System.nanoTime();
                        LOG.log(Level.WARNING, "bus " + broker.name() + ": down (" + why + "); publishes are refused"
                                + " until it is back; reconnecting");
                    } else if (failures == 0) {
                        LOG.log(Level.WARNING, "bus " + broker.name() + ": cannot connect (" + why + "); retrying, from "
                                + config.backoffMin().toMillis() + " ms up to every " + config.backoffMax().toMillis() + " ms");
                    }
                    problem = why;
                    state = BusStats.State.DOWN;
                    failures++;
                }
            } finally {
                if (session != null) {
                    session.close();
                }
                inbound.close(); // waits for a delivery in progress; later ones are discarded
                // What this session accepted and did not relay is lost with it: not sent later, stale.
                dropped.add(drainQueue("the link to " + broker.name() + " failed before it was sent"));
                failQueries("the link to " + broker.name() + " failed before the answer came");
                if (nodeGathering != null) {
                    nodeGathering.failAll("the link to " + broker.name() + " failed before the replies came");
                }
            }
            if (closed) {
                break;
            }
            // Equal jitter: half the back-off fixed, half random.
            long wait = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
            long until = System.nanoTime() + wait;
            while (!closed && System.nanoTime() < until) {
                LockSupport.parkNanos(this, until - System.nanoTime());
            }
            backoff = Math.min(config.backoffMax().toNanos(), backoff * 2);
        }
        state = BusStats.State.CLOSED;
    }

    /** Relays until the session fails (an exception) or the bus closes. */
    private void serve(Broker.Session session, Set<String> upstream) throws Throwable {
        List<Broker.Message> batch = new ArrayList<>(BATCH);
        long heartbeat = config.heartbeat().toNanos();
        long lastWork = System.nanoTime();
        long lastAnnounced = lastWork;
        while (!closed) {
            Throwable f = failure;
            if (f != null) {
                throw f;
            }
            if (peers != null && (answerHello || System.nanoTime() - lastAnnounced >= heartbeat)) {
                // not counted as work: the heartbeat below still checks an otherwise idle link
                answerHello = false;
                session.publish(List.of(control(Peers.Kind.HERE)));
                lastAnnounced = System.nanoTime();
            }
            boolean worked = syncSubscriptions(session, upstream);
            queue.drainTo(batch, BATCH);
            if (!batch.isEmpty()) {
                try {
                    session.publish(batch);
                    for (Broker.Message m : batch) {
                        if (m.receipt() != null && m.receipt().state() == Receipt.State.DROPPED) {
                            dropped.increment(); // the broker refused this one alone (the session settled it)
                        } else if (m.request() == null && !NodeGathering.isControl(m.channel())) {
                            relayed.increment(); // a publish; history queries and gathering's messages are not counted
                        }
                        if (m.receipt() != null) {
                            m.receipt().relayed();
                        }
                    }
                } catch (Throwable e) {
                    dropped.add(batch.size());
                    String why = "the link to " + broker.name() + " failed before the broker confirmed it (" + describe(e)
                            + "); it may have reached some subscribers";
                    for (Broker.Message m : batch) {
                        if (m.receipt() != null) {
                            m.receipt().dropped(why);
                        }
                    }
                    throw e;
                } finally {
                    batch.clear();
                }
                worked = true;
            }
            long now = System.nanoTime();
            if (worked) {
                lastWork = now;
            } else if (now - lastWork >= heartbeat) {
                session.heartbeat();
                lastWork = System.nanoTime();
            } else {
                long next = heartbeat - (now - lastWork);
                if (peers != null) {
                    next = Math.min(next, heartbeat - (now - lastAnnounced));
                }
                LockSupport.parkNanos(this, Math.max(0, next));
            }
        }
        if (peers != null) {
            try {
                session.publish(List.of(control(Peers.Kind.BYE))); // the others stop waiting for this node
            } catch (IOException | RuntimeException e) {
                // closing anyway: the peers forget this node when it has been silent long enough
            }
        }
    }

    private Broker.Message control(Peers.Kind kind) {
        return new Broker.Message(Peers.CHANNEL, peers.announcement(kind));
    }

    /** Sends the subscription changes marked since the last look; true if there were marks. */
    private boolean syncSubscriptions(Broker.Session session, Set<String> upstream) throws IOException {
        if (changed.isEmpty()) {
            return false;
        }
        List<String> add = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        for (Iterator<String> it = changed.iterator(); it.hasNext(); ) {
            String channel = it.next();
            it.remove(); // before the look: a change after it marks the channel again
            if (local.hasSubscribers(channel)) {
                if (upstream.add(channel)) {
                    add.add(channel);
                }
            } else if (upstream.remove(channel)) {
                remove.add(channel);
            }
        }
        for (int i = 0; i < add.size(); i += BATCH) {
            session.subscribe(add.subList(i, Math.min(add.size(), i + BATCH)));
        }
        for (int i = 0; i < remove.size(); i += BATCH) {
            session.unsubscribe(remove.subList(i, Math.min(remove.size(), i + BATCH)));
        }
        channels = upstream.size();
        return true;
    }

    /** Drops what the queue holds, settling each receipt with {@code why}; returns how many. */
    private int drainQueue(String why) {
        List<Broker.Message> rest = new ArrayList<>();
        queue.drainTo(rest);
        for (Broker.Message m : rest) {
            if (m.receipt() != null) {
                m.receipt().dropped(why);
            }
        }
        return rest.size();
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t.getMessage().isBlank())) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private static String hostName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: fall through
        }
        String env = System.getenv("HOSTNAME");
        return env == null || env.isBlank() ? "localhost" : env;
    }

    /**
     * One session's door into the node: deliveries pass one at a time, and once the session is
     * over none pass any more, so two sessions never deliver at once (no duplicates after a
     * reconnection, no reordering across it).
     */
    private final class SessionInbound implements Broker.Inbound {
        private boolean open = true; // guarded by this

        @Override
        public synchronized void message(String channel, ByteBuffer payload) {
            if (!open) {
                return;
            }
            if (peers != null && channel.equals(Peers.CHANNEL)) {
                if (peers.heard(payload, System.nanoTime()) == Peers.Kind.HELLO) {
                    answerHello = true;
                    LockSupport.unpark(link);
                }
                return;
            }
            if (nodeGathering != null && NodeGathering.isControl(channel)) {
                try {
                    if (channel.equals(NodeGathering.ASK_CHANNEL)) {
                        nodeGathering.heardAsk(payload, responder);
                    } else if (nodeGathering.mine(channel)) {
                        nodeGathering.heardTell(payload);
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "bus " + broker.name() + ": a gathering message on " + channel + " failed", e);
                }
                return;
            }
            received.increment();
            try {
                local.deliver(channel, payload);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "bus " + broker.name() + ": delivering a message of " + channel + " failed", e);
            }
        }

        @Override
        public synchronized void messageAt(String channel, ByteBuffer payload, long offset, String epoch) {
            if (!open) {
                return;
            }
            received.increment();
            try {
                local.deliverAt(channel, payload, offset, epoch);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "bus " + broker.name() + ": delivering a message of " + channel + " failed", e);
            }
        }

        @Override
        public synchronized void answer(long queryId, HistoryAnswer answer) {
            if (!open) {
                return; // the session is over: failQueries answers it
            }
            Waiting w = queries.remove(queryId);
            if (w != null && w.answer() != null) {
                answered(w, answer, null);
            }
        }

        @Override
        public synchronized void gathered(long gatherId, Gathered gathered) {
            if (!open) {
                return; // the session is over: failQueries answers it
            }
            Waiting w = queries.remove(gatherId);
            if (w != null && w.gathered() != null) {
                answered(w, null, gathered);
            }
        }

        @Override
        public synchronized void ask(String channel, long askId, byte[] question) {
            if (!open) {
                return;
            }
            Responder r = responder;
            byte[] reply = EMPTY;
            try {
                reply = r == null ? EMPTY : r.answer(channel, question);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "bus " + broker.name() + ": answering a question about " + channel + " failed", e);
            }
            // the link writes it, after what it has queued (the asker waits for it; a full queue leaves it to the hub's timeout)
            if (queue.offer(new Broker.Message(channel, EMPTY, null, null, askId, new Broker.Tell(reply)))) {
                LockSupport.unpark(link);
            }
        }

        @Override
        public synchronized void failed(Throwable cause) {
            if (open && failure == null) {
                failure = cause;
                LockSupport.unpark(link);
            }
        }

        synchronized void close() {
            open = false;
        }
    }
}
