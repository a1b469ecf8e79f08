package io.throng.websocket.bus;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * {@link Gathering} across the nodes of a shared broker (Redis, NATS) that has no gathering of its
 * own: a question is published on {@value #ASK_CHANNEL}, which every node's link subscribes to, and
 * each node (this one included) publishes its reply on the asker's own reply channel ({@value
 * #TELL_PREFIX}{@code <random id>}). The asker expects one reply from itself and one from each peer
 * it knows ({@link Peers#count}), and hands the replies over when all have come or {@value
 * #WAIT_MS} ms have passed, counting the others missing, as the prefork hub does. Every node is
 * asked, whatever the scope: a node without subscribers of the channel answers with nothing to say.
 *
 * <pre>
 * on the channel     the bytes
 * throng/ask         &lt;asker's reply channel&gt; \n &lt;ask id&gt; \n &lt;channel&gt; \n &lt;question&gt;
 * throng/tell/&lt;id&gt;   &lt;ask id&gt; \n &lt;reply&gt;
 * </pre>
 * '/' is outside the push channel alphabet, so no publisher reaches these channels, and a channel
 * name has no line break. A reply that would take the gathered replies past {@value #BUDGET} bytes
 * is left out and counted missing.
 *
 * <p>Threads: {@link #gather} on any; {@link #heardAsk}, {@link #heardTell} on the session's
 * reader; the timeouts on one shared timer thread; a gather's state is guarded by itself.
 */
final class NodeGathering {
    /** Where questions go: every node's link subscribes to it. */
    static final String ASK_CHANNEL = "throng/ask";
    static final String TELL_PREFIX = "throng/tell/";
    /** As the hub's limit for a worker's reply (HubServer.GATHER_WAIT_MS), below the SDKs' 5 s command timeout. */
    static final long WAIT_MS = HubServer.GATHER_WAIT_MS;
    /** The replies of one gather together, at most: the hub's answer budget. */
    static final int BUDGET = HubServer.ANSWER_BUDGET;

    private static final ScheduledExecutorService TIMER = timer();

    /** Publishes a message on the link (false: it cannot now, the queue is full). */
    @FunctionalInterface
    interface Sender {
        boolean send(String channel, byte[] payload);
    }

    private final String tellChannel = TELL_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    private final IntSupplier peers;
    private final Sender sender;
    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();

    /** @param peers how many other nodes this one knows on the broker now */
    NodeGathering(IntSupplier peers, Sender sender) {
        this.peers = peers;
        this.sender = sender;
    }

    private static ScheduledExecutorService timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("throng-bus-gather-timer").factory());
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /** The channels this node's link subscribes to for gathering, besides the push channels. */
    List<String> channels() {
        return List.of(ASK_CHANNEL, tellChannel);
    }

    /** Whether {@code channel} is one of gathering's (not a push channel: not delivered, not counted). */
    static boolean isControl(String channel) {
        return channel.equals(ASK_CHANNEL) || channel.startsWith(TELL_PREFIX);
    }

    /** Whether a message on {@code channel} is for this node's gathering: the questions, and the replies to its own. */
    boolean mine(String channel) {
        return channel.equals(ASK_CHANNEL) || channel.equals(tellChannel);
    }

    /** Asks every node; null and {@code then} called once later, or why it cannot be asked (then never called). */
    String gather(String channel, byte[] question, Consumer<Gathering.Gathered> then) {
        long id = ids.incrementAndGet();
        Pending p = new Pending(id, peers.getAsInt() + 1, then);
        pending.put(id, p);
        byte[] head = (tellChannel + "\n" + id + "\n" + channel + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] ask = new byte[head.length + question.length];
        System.arraycopy(head, 0, ask, 0, head.length);
        System.arraycopy(question, 0, ask, head.length, question.length);
        if (!sender.send(ASK_CHANNEL, ask)) {
            pending.remove(id);
            return "the relay queue is full";
        }
        p.timeout = TIMER.schedule(() -> finish(p), WAIT_MS, TimeUnit.MILLISECONDS);
        return null;
    }

    /** A question heard on {@value #ASK_CHANNEL}: answered with {@code responder} on the asker's reply channel. */
    void heardAsk(ByteBuffer payload, Gathering.Responder responder) {
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        int a = indexOf(bytes, 0);
        int b = a < 0 ? -1 : indexOf(bytes, a + 1);
        int c = b < 0 ? -1 : indexOf(bytes, b + 1);
        if (c < 0) {
            return; // not one of ours
        }
        String replyTo = new String(bytes, 0, a, StandardCharsets.UTF_8);
        String askId = new String(bytes, a + 1, b - a - 1, StandardCharsets.US_ASCII);
        String channel = new String(bytes, b + 1, c - b - 1, StandardCharsets.UTF_8);
        if (!replyTo.startsWith(TELL_PREFIX)) {
            return;
        }
        byte[] question = java.util.Arrays.copyOfRange(bytes, c + 1, bytes.length);
        byte[] reply = responder == null ? new byte[0] : responder.answer(channel, question);
        byte[] head = (askId + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tell = new byte[head.length + reply.length];
        System.arraycopy(head, 0, tell, 0, head.length);
        System.arraycopy(reply, 0, tell, head.length, reply.length);
        sender.send(replyTo, tell); // a full queue: the asker counts this node missing after its wait
    }

    /** A reply heard on this node's reply channel. */
    void heardTell(ByteBuffer payload) {
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        int a = indexOf(bytes, 0);
        if (a < 0) {
            return;
        }
        long id;
        try {
            id = Long.parseLong(new String(bytes, 0, a, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return;
        }
        Pending p = pending.get(id);
        if (p != null && p.add(java.util.Arrays.copyOfRange(bytes, a + 1, bytes.length))) {
            finish(p);
        }
    }

    /** Ends every gather under way with {@code why}: the session that carried them is over. */
    void failAll(String why) {
        for (Pending p : pending.values()) {
            if (pending.remove(p.id, p)) {
                p.cancelTimeout();
                p.then.accept(Gathering.Gathered.failed(why));
            }
        }
    }

    /** Hands {@code p}'s replies over, once: when the last came, or at its timeout. */
    private void finish(Pending p) {
        if (pending.remove(p.id, p)) {
            p.cancelTimeout();
            p.then.accept(p.gathered());
        }
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** One gather under way. */
    private static final class Pending {
        final long id;
        final int expected;
        final Consumer<Gathering.Gathered> then;
        private final List<byte[]> replies = new ArrayList<>();
        private long bytes;
        private int overBudget;
        volatile java.util.concurrent.ScheduledFuture<?> timeout;

        Pending(long id, int expected, Consumer<Gathering.Gathered> then) {
            this.id = id;
            this.expected = expected;
            this.then = then;
        }

        /** Adds a reply; true once every node expected has replied. */
        synchronized boolean add(byte[] reply) {
            if (bytes + reply.length > BUDGET) {
                overBudget++;
            } else {
                bytes += reply.length;
                replies.add(reply);
            }
            return replies.size() + overBudget >= expected;
        }

        synchronized Gathering.Gathered gathered() {
            return new Gathering.Gathered(null, replies, Math.max(0, expected - replies.size()));
        }

        void cancelTimeout() {
            java.util.concurrent.ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
        }
    }
}
