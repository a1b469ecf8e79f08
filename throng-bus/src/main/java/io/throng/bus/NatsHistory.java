package io.throng.bus;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.MessageGetRequest;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.Republish;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.throng.websocket.bus.Broker;
import io.throng.websocket.bus.HistoryAnswer;
import io.throng.websocket.bus.HistoryQuery;
import io.throng.websocket.history.Stream;
import io.throng.websocket.history.StreamLimits;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One NATS session's side of the channel history kept in JetStream for every node
 * ({@link NatsBroker#keepsHistory()}): stored publishes numbered per channel, the queries of
 * recovering and positioned subscribes and of the history command, and the order between what a
 * query answers and what comes live.
 *
 * <p><b>Where it is kept.</b> One stream per distinct history size and meta TTL
 * ({@code THRONG_HISTORY_<size>_<metaTtlMillis>}, made at its first use, file storage), a channel
 * being the subject {@code throng.h.<key>.<channel>} in it. NATS 2.9 limits a stream, not a
 * subject, so a stream per set of limits is what lets namespaces keep different sizes:
 * MaxMsgsPerSubject is the history size, and MaxAge the meta TTL (not the TTL: the newest message
 * of a channel is its position, epoch and top offset, which must outlive the TTL until the channel
 * has been idle for the meta TTL, as in {@link Stream}); publications older than the TTL are
 * left out when read, by their JetStream timestamp.
 *
 * <p><b>Offsets.</b> JetStream numbers a stream, not a subject, and Centrifugo's offsets count one
 * channel's publications from 1 with no gap. Each stored message carries its offset and epoch in
 * headers ({@value #OFFSET}, {@value #EPOCH}), and is published with
 * {@code Nats-Expected-Last-Subject-Sequence} set to the stream sequence of the channel's last
 * message: the server refuses it if another node stored one meanwhile, and the publisher then
 * reads the new last and tries again, so two nodes never give one offset twice nor skip one. The
 * first message of a channel makes its epoch; a subscribe or a history read of a channel with no
 * message yet stores an offset-0 marker for the same purpose (the epoch it answers is the one the
 * next publications carry). The marker is never delivered. A channel idle for the meta TTL has no
 * message left, and starts again from a new epoch.
 *
 * <p><b>Live delivery.</b> The stream republishes each message once stored (RePublish, NATS 2.9)
 * to {@code throng.l.<key>.<channel>}, with its headers; nodes subscribe there. A rejected publish
 * is never seen live (a core subscription of the stored subject would see it). Republished
 * messages of a stream go out in its order.
 *
 * <p><b>Order of an answer and live messages</b> (the contract of {@code SharedHistory}). A
 * subscribing query reads the channel's last message with a direct get whose reply comes to this
 * connection's own inbox, on the same dispatcher as the live messages. nats-server sends a stored
 * message's republish before it answers a read that sees it (both go through the stream's own
 * send queue: what NatsHistoryTest's concurrent recoveries rely on and check; NATS does not
 * document it), so a live message that arrives before the reply has an offset at or below its
 * top, and one after it above. From the reply on, the channel's live
 * messages are held here, in order (bounded: {@value #HELD_MAX} messages or {@value #HELD_BYTES_MAX}
 * bytes, beyond which the channel's waiting queries fail and what was held is delivered), while the
 * recovered publications are read; the answers of one channel are given in the order of their
 * replies, each after the held messages at or below its top and before those above it.
 *
 * <p>Threads: the link thread stores and sends queries; jnats's dispatcher thread delivers live
 * messages and replies; reads run on virtual threads (at most {@value #READERS} at once). The
 * holding state is guarded by this object's monitor, under which every delivery to the
 * {@link Broker.Inbound} happens.
 */
final class NatsHistory {
    private static final System.Logger LOG = System.getLogger("io.throng.bus");

    /** Where the stored messages are: {@code throng.h.<key>.<channel>}. */
    static final String STORED = "throng.h.";
    /** Where the stream republishes them, which the nodes subscribe: {@code throng.l.<key>.<channel>}. */
    static final String LIVE = "throng.l.";
    static final String OFFSET = "Throng-Offset";
    static final String EPOCH = "Throng-Epoch";
    private static final String EXPECTED_LAST = "Nats-Expected-Last-Subject-Sequence";
    /** JetStream's error for a publish whose expected last subject sequence is not the last. */
    private static final int WRONG_LAST_SEQUENCE = 10071;
    /** As the prefork hub's answers (HubServer.ANSWER_BUDGET): a recovery larger than this is not recovered. */
    static final int ANSWER_BUDGET = 16 << 20;
    /**
     * Tries to store one publication when other nodes keep storing to the same channel first: each
     * conflict means another node's publication went in, so 64 lost races in a row takes 64 other
     * publications of one channel within one publish's round trips; the message is then dropped
     * (its publisher told so) rather than the link held.
     */
    private static final int STORE_TRIES = 64;
    /** Live messages held for one channel while its queries are read (10,000: seconds of a busy channel). */
    static final int HELD_MAX = 10_000;
    static final int HELD_BYTES_MAX = 16 << 20;
    /** Subscribing queries waiting per session (RelayBus bounds its own queue, this what left it): beyond, they fail and the SDKs retry with back-off. */
    private static final int PENDING_MAX = 4096;
    /** Recovery and history reads at once (16: each is a search and a round trip per publication read). */
    static final int READERS = 16;
    /**
     * Up to this many publications are read with one direct get each; more from an ordered
     * consumer, whose making and removal cost a few round trips but which then streams them
     * (1,000 direct gets took about 0.9 s here).
     */
    static final int DIRECT_READS = 16;

    private final String name;
    private final Connection connection;
    private final JetStream js;
    private final JetStreamManagement jsm;
    private final Broker.Inbound inbound;
    private final Duration timeout;
    /** This session's reply subjects: {@code _throng.q.<random>.<query id>}. */
    final String inbox = "_throng.q." + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".";
    /** Streams made or checked on this session, by key. */
    private final Set<String> streams = ConcurrentHashMap.newKeySet();
    /** The last message known of each stored subject: a hint for the next publish (a conflict corrects it). */
    private final ConcurrentHashMap<String, Last> lasts = new ConcurrentHashMap<>();
    private final ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore reading = new Semaphore(READERS);
    private final Thread sweeper;

    // guarded by this
    /** Subscribing queries sent and not replied to yet, by query id. */
    private final Map<Long, Query> sent = new HashMap<>();
    /** Channels whose live messages are held, with their replied queries in reply order. */
    private final Map<String, Held> held = new HashMap<>();
    /** Subscribing queries sent and not answered yet (in {@link #sent} or held). */
    private int waiting;
    private boolean closed;

    /** A channel's last stored message: its stream sequence, offset and epoch; seq 0 for none. */
    private record Last(long seq, long offset, String epoch) {
        static final Last NONE = new Last(0, 0, "");
    }

    /** A subscribing query: what was asked; once replied to, its position, then its answer. */
    private static final class Query {
        final long id;
        final String channel;
        final String stream;
        final String subject;
        final HistoryQuery q;
        final long deadline;
        /** Its read found the channel empty once (expired since this session last saw it) and was asked again. */
        boolean askedAgain;
        long top;
        HistoryAnswer answer;

        Query(long id, String channel, String stream, String subject, HistoryQuery q, long deadline) {
            this.id = id;
            this.channel = channel;
            this.stream = stream;
            this.subject = subject;
            this.q = q;
            this.deadline = deadline;
        }
    }

    /** A live message held: delivered once the queries before it are answered. */
    private record Live(ByteBuffer payload, long offset, String epoch) {
    }

    private static final class Held {
        final ArrayDeque<Query> queries = new ArrayDeque<>();
        final ArrayDeque<Live> messages = new ArrayDeque<>();
        long bytes;
    }

    NatsHistory(String name, Connection connection, Broker.Inbound inbound, Duration timeout) throws IOException {
        this.name = name;
        this.connection = connection;
        this.inbound = inbound;
        this.timeout = timeout;
        JetStreamOptions options = JetStreamOptions.builder().requestTimeout(timeout).build();
        this.js = connection.jetStream(options);
        this.jsm = connection.jetStreamManagement(options);
        this.sweeper = Thread.ofVirtual().name("throng-bus-nats-history-sweeper").start(this::sweep);
    }

    // ================================================================ keys and subjects

    /** The stream key of a channel's limits: one stream per history size and meta TTL. */
    static String key(StreamLimits limits) {
        return limits.size() + "_" + limits.metaTtl().toMillis();
    }

    static String streamName(String key) {
        return "THRONG_HISTORY_" + key;
    }

    static String stored(String key, String channel) {
        return STORED + key + "." + channel;
    }

    /** The channel of a live subject {@code throng.l.<key>.<channel>}, or null if it is not one. */
    static String channelOfLive(String subject) {
        if (!subject.startsWith(LIVE)) {
            return null;
        }
        int dot = subject.indexOf('.', LIVE.length());
        return dot < 0 || dot == subject.length() - 1 ? null : subject.substring(dot + 1);
    }

    /** The subscription that brings a channel's stored messages, whatever its limits. */
    static String liveSubscription(String channel) {
        return LIVE + "*." + channel;
    }

    private void ensureStream(String key, StreamLimits limits) throws IOException, JetStreamApiException {
        if (streams.contains(key)) {
            return;
        }
        StreamConfiguration config = StreamConfiguration.builder()
                .name(streamName(key))
                .subjects(STORED + key + ".>")
                .storageType(StorageType.File)
                .maxMessagesPerSubject(limits.size())
                .maxAge(limits.metaTtl())
                .discardPolicy(DiscardPolicy.Old)
                .allowDirect(true)
                .republish(Republish.builder().source(STORED + key + ".>").destination(LIVE + key + ".>").build())
                .build();
        try {
            jsm.addStream(config);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != 10058) { // "stream name already in use with a different configuration"
                throw e;
            }
            jsm.updateStream(config);
        }
        streams.add(key);
    }

    // ================================================================ the link thread: stores

    /**
     * Stores a publication of {@code m.channel()} with the channel's next offset (see the class
     * comment). Returns null, or why it was not stored (its publisher is told); throws if the
     * connection is broken.
     */
    String store(Broker.Message m) throws IOException {
        String key = key(m.store());
        String subject = stored(key, m.channel());
        try {
            ensureStream(key, m.store());
            for (int i = 0; i < STORE_TRIES; i++) {
                Last last = lasts.get(subject);
                if (last == null) {
                    last = readLast(streamName(key), subject);
                }
                if (append(subject, last, m.payload())) {
                    return null;
                }
            }
            return "other nodes kept storing to channel " + m.channel() + " first (" + STORE_TRIES + " tries)";
        } catch (JetStreamApiException e) {
            return "JetStream refused to store it: " + e.getMessage();
        } catch (IllegalArgumentException e) {
            return "NATS cannot carry it: " + e.getMessage(); // larger than the server's max_payload with the headers
        } catch (IOException e) {
            throwIfBroken(e);
            return "JetStream did not store it: " + e.getMessage();
        }
    }

    /**
     * Rethrows {@code e} if the connection is gone (the session is over); otherwise JetStream alone
     * failed (a timeout, no responders), and only the one publish or query fails, not the bus.
     */
    private void throwIfBroken(IOException e) throws IOException {
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            throw e;
        }
    }

    /** Appends after {@code last}; false if another message came first (the cache then forgets the subject). */
    private boolean append(String subject, Last last, byte[] data) throws IOException, JetStreamApiException {
        long offset = last.seq() == 0 ? (data == null ? 0 : 1) : last.offset() + 1;
        String epoch = last.seq() == 0 ? newEpoch() : last.epoch();
        Headers h = new Headers().put(OFFSET, Long.toString(offset)).put(EPOCH, epoch)
                .put(EXPECTED_LAST, Long.toString(last.seq()));
        try {
            PublishAck ack = js.publish(NatsMessage.builder().subject(subject).headers(h)
                    .data(data == null ? new byte[0] : data).build());
            lasts.merge(subject, new Last(ack.getSeqno(), offset, epoch), NatsHistory::newer);
            return true;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                lasts.remove(subject);
                return false;
            }
            throw e;
        }
    }

    private static Last newer(Last a, Last b) {
        return b.seq() > a.seq() ? b : a;
    }

    /** The subject's last message, read now (and cached); {@link Last#NONE} if it has none. */
    private Last readLast(String stream, String subject) throws IOException, JetStreamApiException {
        try {
            MessageInfo mi = jsm.getLastMessage(stream, subject);
            Last last = lastOf(mi.getHeaders(), mi.getSeq());
            lasts.merge(subject, last, NatsHistory::newer);
            return last;
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() == 404) {
                return Last.NONE;
            }
            throw e;
        }
    }

    private static Last lastOf(Headers h, long seq) {
        long offset = parseOffset(h);
        String epoch = h == null ? null : h.getFirst(EPOCH);
        return offset < 0 || epoch == null ? Last.NONE : new Last(seq, offset, epoch);
    }

    private static long parseOffset(Headers h) {
        String o = h == null ? null : h.getFirst(OFFSET);
        if (o == null) {
            return -1;
        }
        try {
            return Long.parseLong(o);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The subject's position, made (an offset-0 marker with a new epoch) if it has none; read from
     * the stream if {@code fresh}, else perhaps this session's last knowledge of it (enough to know
     * that it has one).
     */
    private Last position(String stream, String subject, boolean fresh) throws IOException, JetStreamApiException {
        for (int i = 0; i < STORE_TRIES; i++) {
            Last last = fresh && i == 0 ? null : lasts.get(subject);
            if (last == null) {
                last = readLast(stream, subject);
            }
            if (last.seq() != 0 || append(subject, last, null)) {
                return last.seq() != 0 ? last : lasts.getOrDefault(subject, Last.NONE);
            }
        }
        throw new IOException("other nodes kept storing to " + subject + " first");
    }

    static String newEpoch() {
        char[] c = new char[8];
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < c.length; i++) {
            int k = r.nextInt(52);
            c[i] = (char) (k < 26 ? 'a' + k : 'A' + k - 26);
        }
        return new String(c);
    }

    // ================================================================ the link thread: queries

    /** Asks {@code q} about {@code channel}; the answer goes to the inbound later (or at once if it cannot be asked). */
    void query(String channel, long id, HistoryQuery q) throws IOException {
        String key = key(q.limits());
        String stream = streamName(key);
        String subject = stored(key, channel);
        try {
            ensureStream(key, q.limits());
            if (!q.subscribes()) {
                read(() -> readAnswer(stream, subject, q), a -> answerNow(id, a));
                return;
            }
            position(stream, subject, false); // the channel has an epoch before its position is read below
        } catch (JetStreamApiException e) {
            answerNow(id, HistoryAnswer.failed("JetStream: " + e.getMessage()));
            return;
        } catch (IOException e) {
            throwIfBroken(e);
            answerNow(id, HistoryAnswer.failed("JetStream: " + e.getMessage()));
            return;
        }
        synchronized (this) {
            if (waiting >= PENDING_MAX) {
                answerNow(id, HistoryAnswer.failed(PENDING_MAX + " history queries are waiting on " + name));
                return;
            }
            sent.put(id, new Query(id, channel, stream, subject, q, System.nanoTime() + answerWithin()));
            waiting++;
        }
        askPosition(stream, subject, id);
    }

    /** A direct get of the channel's last message, its reply on the dispatcher of the live messages (class comment). */
    private void askPosition(String stream, String subject, long id) {
        connection.publish(NatsMessage.builder().subject("$JS.API.DIRECT.GET." + stream).replyTo(inbox + id)
                .data(MessageGetRequest.lastBySubjectBytes(subject)).build());
    }

    /**
     * How long a query may take before it is answered as failed: a recovery is a search (about 30
     * direct gets) and one direct get per missed publication, each within the timeout.
     */
    private long answerWithin() {
        return Math.max(Duration.ofSeconds(10).toNanos(), 8 * timeout.toNanos());
    }

    private void answerNow(long id, HistoryAnswer a) {
        synchronized (this) {
            if (!closed) {
                inbound.answer(id, a);
            }
        }
    }

    @FunctionalInterface
    private interface Read {
        HistoryAnswer run() throws IOException, JetStreamApiException;
    }

    /** Runs {@code read} on a reader thread and hands its answer (a failed one if it threw) to {@code then}. */
    private void read(Read read, java.util.function.Consumer<HistoryAnswer> then) {
        try {
            readers.execute(() -> run(read, then));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            then.accept(HistoryAnswer.failed("the session closed"));
        }
    }

    private void run(Read read, java.util.function.Consumer<HistoryAnswer> then) {
        HistoryAnswer a;
        try {
            reading.acquire();
            try {
                a = read.run();
            } finally {
                reading.release();
            }
        } catch (InterruptedException e) {
            a = HistoryAnswer.failed("the session closed");
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            a = HistoryAnswer.failed("reading the history from " + name + " failed: " + e.getMessage());
        }
        then.accept(a);
    }

    // ================================================================ the dispatcher thread

    /** A message of this session's inbox or of a live subject; false if it is neither (a plain channel's). */
    boolean handles(Message m) {
        String subject = m.getSubject();
        if (subject.startsWith(inbox)) {
            replied(m, subject.substring(inbox.length()));
            return true;
        }
        String channel = channelOfLive(subject);
        if (channel == null || !m.hasHeaders()) {
            return false;
        }
        Headers h = m.getHeaders();
        long offset = parseOffset(h);
        String epoch = h.getFirst(EPOCH);
        if (offset < 0 || epoch == null) {
            return true; // not one of ours on a reserved subject: dropped
        }
        String original = h.getFirst("Nats-Subject");
        String seq = h.getFirst("Nats-Sequence");
        if (original != null && seq != null) {
            try {
                lasts.merge(original, new Last(Long.parseLong(seq), offset, epoch), NatsHistory::newer);
            } catch (NumberFormatException ignored) {
                // no hint
            }
        }
        if (offset == 0) {
            return true; // a channel's epoch marker: no publication
        }
        byte[] data = m.getData() == null ? new byte[0] : m.getData();
        synchronized (this) {
            if (closed) {
                return true;
            }
            Held hold = held.get(channel);
            if (hold == null) {
                inbound.messageAt(channel, ByteBuffer.wrap(data), offset, epoch);
                return true;
            }
            hold.messages.addLast(new Live(ByteBuffer.wrap(data), offset, epoch));
            hold.bytes += data.length;
            if (hold.messages.size() > HELD_MAX || hold.bytes > HELD_BYTES_MAX) {
                LOG.log(Level.WARNING, "bus " + name + ": channel " + channel + " got " + hold.messages.size()
                        + " publications while its recoveries were read; they fail (the clients retry)");
                for (Query q : hold.queries) {
                    if (q.answer == null) {
                        q.answer = HistoryAnswer.failed("the channel's publications came faster than its history was read");
                    }
                }
                drain(channel, hold);
            }
        }
        return true;
    }

    /** The reply to a subscribing query's read of its channel's last message: its position, from here on in order. */
    private void replied(Message m, String idText) {
        long id;
        try {
            id = Long.parseLong(idText);
        } catch (NumberFormatException e) {
            return;
        }
        Query query;
        synchronized (this) {
            query = sent.remove(id);
            if (query == null || closed) {
                return; // answered as failed already (its time passed)
            }
            if (m.isStatusMessage() && m.getStatus().getCode() == 404 && !query.askedAgain) {
                // the channel expired (meta TTL) since this session knew it: make its new epoch, ask again
                lasts.remove(query.subject);
                query.askedAgain = true;
                sent.put(id, query);
                read(() -> {
                    position(query.stream, query.subject, true);
                    askPosition(query.stream, query.subject, id);
                    return null;
                }, a -> {
                    if (a != null) {
                        synchronized (this) {
                            if (sent.remove(id) != null) {
                                waiting--;
                                if (!closed) {
                                    inbound.answer(id, a);
                                }
                            }
                        }
                    }
                });
                return;
            }
            if (m.isStatusMessage() || !m.hasHeaders()) {
                lasts.remove(query.subject);
                String why = m.isStatusMessage() ? m.getStatus().getCode() + " " + m.getStatus().getMessage() : "no headers";
                waiting--;
                inbound.answer(id, HistoryAnswer.failed("reading the position of " + query.channel + " failed (" + why + ")"));
                return;
            }
            Last last = lastOf(m.getHeaders(), parseSeq(m.getHeaders()));
            if (last.seq() == 0) {
                waiting--;
                inbound.answer(id, HistoryAnswer.failed("the position of " + query.channel + " is not one this bus stored"));
                return;
            }
            query.top = last.offset();
            Held hold = held.computeIfAbsent(query.channel, c -> new Held());
            hold.queries.addLast(query);
            HistoryQuery q = query.q;
            boolean recovers = q.mode() == HistoryQuery.Mode.RECOVER;
            if (!recovers || !q.epoch().equals(last.epoch()) || q.offset() < 0 || q.offset() >= last.offset()
                    || last.offset() - q.offset() > q.limit()) {
                boolean recovered = recovers && q.epoch().equals(last.epoch()) && q.offset() == last.offset();
                query.answer = new HistoryAnswer(null, last.epoch(), last.offset(), recovered, List.of());
                drain(query.channel, hold);
                return;
            }
        }
        Last last = lastOf(m.getHeaders(), parseSeq(m.getHeaders()));
        read(() -> recover(query.stream, query.subject, query.q, last), a -> {
            synchronized (this) {
                if (query.answer == null) {
                    query.answer = a;
                }
                Held hold = held.get(query.channel);
                if (hold != null && !closed) {
                    drain(query.channel, hold);
                }
            }
        });
    }

    private static long parseSeq(Headers h) {
        try {
            String s = h.getFirst("Nats-Sequence");
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Gives the channel's answered queries in reply order, each after the held messages at or
     * below its top; once none waits, the rest of the held messages, and the channel is live again.
     */
    private void drain(String channel, Held hold) {
        assert Thread.holdsLock(this);
        while (!hold.queries.isEmpty() && hold.queries.peekFirst().answer != null) {
            Query q = hold.queries.removeFirst();
            while (!hold.messages.isEmpty() && hold.messages.peekFirst().offset() <= q.top) {
                deliver(channel, hold, hold.messages.removeFirst());
            }
            waiting--;
            inbound.answer(q.id, q.answer);
        }
        if (hold.queries.isEmpty()) {
            while (!hold.messages.isEmpty()) {
                deliver(channel, hold, hold.messages.removeFirst());
            }
            held.remove(channel);
        }
    }

    private void deliver(String channel, Held hold, Live live) {
        hold.bytes -= live.payload().remaining();
        inbound.messageAt(channel, live.payload(), live.offset(), live.epoch());
    }

    // ================================================================ reader threads

    /**
     * What a client at {@code q.offset()} of {@code q.epoch()} missed, up to the message at
     * {@code last}: every offset after its own, none older than the TTL, within the answer budget;
     * otherwise not recovered (the position is {@code last}'s either way).
     */
    private HistoryAnswer recover(String stream, String subject, HistoryQuery q, Last last) throws IOException, JetStreamApiException {
        HistoryAnswer failed = new HistoryAnswer(null, last.epoch(), last.offset(), false, List.of());
        long oldest = System.currentTimeMillis() - q.limits().ttl().toMillis();
        List<Stream.Entry> missed = entries(stream, subject, last, q.offset() + 1, (int) (last.offset() - q.offset()), 0);
        long want = q.offset() + 1;
        long bytes = 0;
        for (Stream.Entry e : missed) {
            bytes += 12 + e.data().length;
            if (e.offset() != want || e.storedAtMillis() < oldest || bytes > ANSWER_BUDGET) {
                return failed; // trimmed (the first one missed is gone), too old, or too large for one answer
            }
            want++;
        }
        return want == last.offset() + 1 ? new HistoryAnswer(null, last.epoch(), last.offset(), true, missed) : failed;
    }

    /** The history command: as {@link Stream#read}, from what the stream keeps of the channel within the TTL. */
    private HistoryAnswer readAnswer(String stream, String subject, HistoryQuery q) throws IOException, JetStreamApiException {
        Last last = position(stream, subject, true);
        long oldest = System.currentTimeMillis() - q.limits().ttl().toMillis();
        long since = q.offset();
        int limit = q.limit() < 0 ? q.limits().size() : Math.min(q.limit(), q.limits().size());
        List<Stream.Entry> kept;
        if (!q.reverse()) {
            kept = entries(stream, subject, last, since >= 0 ? since + 1 : 1, limit, oldest);
        } else {
            long newest = since >= 0 ? Math.min(since - 1, last.offset()) : last.offset();
            kept = new ArrayList<>(entries(stream, subject, last, Math.max(1, newest - limit + 1), limit, oldest));
            kept.removeIf(e -> e.offset() > newest);
            Collections.reverse(kept);
        }
        List<Stream.Entry> out = new ArrayList<>();
        long bytes = 0;
        for (Stream.Entry e : kept) {
            if (out.size() >= limit) {
                break;
            }
            if (e.storedAtMillis() < oldest) {
                continue; // older than the TTL: no longer history (kept for the position's sake)
            }
            bytes += 12 + e.data().length;
            if (bytes > ANSWER_BUDGET) {
                break;
            }
            out.add(e);
        }
        return new HistoryAnswer(null, last.epoch(), last.offset(), false, out);
    }

    /**
     * Up to {@code max} of the subject's publications of {@code last}'s epoch from offset
     * {@code from} (or the oldest kept after it) up to {@code last}, oldest first, leaving out (and
     * not counting) those stored before {@code oldestMillis}: a search for the first (about log2 of
     * the stream's length in direct gets), then the rest one direct get each if there are at most
     * {@value #DIRECT_READS}, else from an ordered consumer (one request, then a stream).
     */
    private List<Stream.Entry> entries(String stream, String subject, Last last, long from, int max, long oldestMillis)
            throws IOException, JetStreamApiException {
        List<Stream.Entry> out = new ArrayList<>(Math.min(max, 1024));
        MessageInfo first = seek(stream, subject, last, Math.max(1, from));
        if (first == null) {
            return out;
        }
        add(out, last, first.getHeaders(), first.getTime(), first.getData(), oldestMillis);
        long seq = first.getSeq();
        if (seq >= last.seq() || out.size() >= max) {
            return out;
        }
        if (max <= DIRECT_READS) {
            for (MessageInfo mi = next(stream, seq + 1, subject); mi != null && mi.getSeq() <= last.seq() && out.size() < max;
                 mi = mi.getSeq() >= last.seq() ? null : next(stream, mi.getSeq() + 1, subject)) {
                add(out, last, mi.getHeaders(), mi.getTime(), mi.getData(), oldestMillis);
            }
            return out;
        }
        ConsumerConfiguration cc = ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.ByStartSequence)
                .startSequence(seq + 1).build();
        JetStreamSubscription sub = js.subscribe(subject, PushSubscribeOptions.builder().stream(stream).ordered(true)
                .configuration(cc).build());
        try {
            while (seq < last.seq() && out.size() < max) {
                Message m = sub.nextMessage(timeout);
                if (m == null) {
                    throw new IOException("the stream sent no message within " + timeout.toMillis() + " ms");
                }
                seq = m.metaData().streamSequence();
                if (seq <= last.seq()) {
                    add(out, last, m.getHeaders(), m.metaData().timestamp(), m.getData(), oldestMillis);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            sub.unsubscribe();
        }
        return out;
    }

    /** Adds a stored message to {@code out} if it is a publication of {@code last}'s epoch stored at or after {@code oldestMillis}. */
    private static void add(List<Stream.Entry> out, Last last, Headers h, java.time.ZonedDateTime time, byte[] data, long oldestMillis) {
        long offset = parseOffset(h);
        long stored = time.toInstant().toEpochMilli();
        if (offset > 0 && last.epoch().equals(h.getFirst(EPOCH)) && stored >= oldestMillis) {
            out.add(new Stream.Entry(offset, stored, data == null ? new byte[0] : data));
        }
    }

    /**
     * The subject's first message at or after offset {@code from} in {@code last}'s epoch (offsets
     * grow with the stream sequence within a subject): the oldest kept if it is there already,
     * else a binary search on the stream sequence.
     */
    private MessageInfo seek(String stream, String subject, Last last, long from) throws IOException, JetStreamApiException {
        MessageInfo first = next(stream, 1, subject);
        if (first == null || before(first, last, from) == 0) {
            return first;
        }
        long lo = first.getSeq() + 1;
        long hi = last.seq();
        MessageInfo found = null;
        while (lo <= hi) {
            long mid = lo + (hi - lo) / 2;
            MessageInfo mi = next(stream, mid, subject);
            if (mi == null || mi.getSeq() > last.seq()) {
                hi = mid - 1;
            } else if (before(mi, last, from) > 0) {
                lo = mi.getSeq() + 1;
            } else {
                found = mi;
                hi = mid - 1;
            }
        }
        return found;
    }

    /** 1 if {@code mi} comes before offset {@code from} of {@code last}'s epoch (an older epoch, a smaller offset), else 0. */
    private static int before(MessageInfo mi, Last last, long from) {
        Headers h = mi.getHeaders();
        return !last.epoch().equals(h == null ? null : h.getFirst(EPOCH)) || parseOffset(h) < from ? 1 : 0;
    }

    /** The subject's first message at or after stream sequence {@code seq}, or null. */
    private MessageInfo next(String stream, long seq, String subject) throws IOException, JetStreamApiException {
        try {
            return jsm.getNextMessage(stream, seq, subject);
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    // ================================================================ the sweeper

    /** Answers as failed the queries past their time (a reply lost, a read stuck), every 200 ms. */
    private void sweep() {
        while (true) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            synchronized (this) {
                if (closed) {
                    return;
                }
                for (Iterator<Query> it = sent.values().iterator(); it.hasNext(); ) {
                    Query q = it.next();
                    if (now - q.deadline > 0) {
                        it.remove();
                        waiting--;
                        inbound.answer(q.id, HistoryAnswer.failed("no reply from " + name + " in time"));
                    }
                }
                for (Map.Entry<String, Held> e : List.copyOf(held.entrySet())) {
                    boolean late = false;
                    for (Query q : e.getValue().queries) {
                        if (q.answer == null && now - q.deadline > 0) {
                            q.answer = HistoryAnswer.failed("reading the history from " + name + " took too long");
                            late = true;
                        }
                    }
                    if (late) {
                        drain(e.getKey(), e.getValue());
                    }
                }
            }
        }
    }

    /** The session is over: nothing more is delivered (RelayBus fails the queries still waiting). */
    void close() {
        synchronized (this) {
            closed = true;
            sent.clear();
            held.clear();
        }
        sweeper.interrupt();
        readers.shutdownNow();
    }
}
