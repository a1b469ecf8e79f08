package io.throng.bus;

import io.throng.websocket.bus.Broker;
import io.throng.websocket.bus.BusConfig;
import io.throng.websocket.bus.HistoryAnswer;
import io.throng.websocket.bus.HistoryQuery;
import io.throng.websocket.bus.RelayBus;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Redis pub/sub as the push service's bus, through Jedis. A session is two connections: one in
 * subscribed mode, read by a thread of its own (Redis allows nothing but (un)subscribe and ping on
 * it), and one for PUBLISH, pipelined: a batch of publishes is one write and one read of the
 * replies, and a reply means Redis has passed the message to every subscribed connection.
 *
 * <p>Channels are Redis channels as they are, payloads the message bytes as they are: any Redis
 * client reaches the subscribers with {@code PUBLISH channel message}. The subscriber connection
 * always holds one channel of its own ({@code throng:node:<host/pid>:<random>}) so that Jedis's
 * subscription loop runs while the node has no channel, so that a ping proves it alive, and for
 * the answers to its history queries.
 *
 * <p>History ({@link #keepsHistory()}): Redis keeps every channel's history for all nodes
 * ({@link RedisHistory}: its keys and scripts). A publish to be stored runs the store script,
 * pipelined with the batch's plain PUBLISHes and in their order; it numbers the publication and
 * publishes it, with its offset and epoch, on {@code throng:stored:<channel>}, which the node
 * subscribes together with the channel itself. A history query runs the query script, which
 * publishes its answer on the node's own channel. A script that Redis refuses (out of memory, a
 * key of another type) settles that publish's receipt as dropped, or that query's answer as
 * failed; the session goes on.
 */
public final class RedisBroker implements Broker {
    private static final System.Logger LOG = System.getLogger("io.throng.bus");
    private final BusConfig config;
    private final HostAndPort address;
    private final String name;

    public RedisBroker(BusConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        if (config.kind() != BusConfig.Kind.REDIS) {
            throw new IllegalArgumentException("not a Redis bus: " + config.url());
        }
        this.address = new HostAndPort(config.host(), config.port());
        this.name = config.url();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean sharedByNodes() {
        return true;
    }

    /** Yes: the history lives in Redis, the same for every node ({@link RedisHistory}). */
    @Override
    public boolean keepsHistory() {
        return true;
    }

    /**
     * The bus's own names ({@code throng:stored:<channel>} carries a channel's stored
     * publications, {@code throng:node:...} a node's answers): a channel named so would take
     * another's messages for its own.
     */
    @Override
    public String channelProblem(String channel) {
        return channel.startsWith("throng:") ? "channel names starting with throng: are the Redis bus's own" : null;
    }

    @Override
    public Session connect(Inbound inbound) throws IOException {
        int timeout = (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis());
        JedisClientConfig client = DefaultJedisClientConfig.builder().connectionTimeoutMillis(timeout)
                .socketTimeoutMillis(timeout).clientName("throng-push").build();
        Jedis publisher = null;
        Jedis subscriber = null;
        try {
            publisher = new Jedis(address, client);
            publisher.ping();
            // loaded by every session: a Redis that restarted (or had SCRIPT FLUSH) has them again
            byte[] store = publisher.scriptLoad(RedisHistory.bytes(RedisHistory.STORE));
            byte[] query = publisher.scriptLoad(RedisHistory.bytes(RedisHistory.QUERY));
            subscriber = new Jedis(address, client);
            RedisSession s = new RedisSession(publisher, subscriber, inbound, store, query);
            s.start(config.timeout().toMillis());
            return s;
        } catch (JedisException e) {
            close(publisher);
            close(subscriber);
            throw new IOException(message(e), e);
        } catch (IOException | RuntimeException e) {
            close(publisher);
            close(subscriber);
            throw e;
        }
    }

    private static void close(Jedis j) {
        if (j != null) {
            try {
                j.close();
            } catch (RuntimeException ignored) {
                // broken already
            }
        }
    }

    /** Jedis wraps the socket's error; the innermost message says what happened ("Connection refused"). */
    static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    private final class RedisSession extends BinaryJedisPubSub implements Session {
        private final Jedis publisher;
        private final Jedis subscriber;
        private final Inbound inbound;
        /** The history scripts' SHA1s, as this session loaded them. */
        private final byte[] storeScript;
        private final byte[] queryScript;
        private final byte[] own = ("throng:node:" + RelayBus.NODE + ":" + Long.toHexString(ThreadLocalRandom.current().nextLong()))
                .getBytes(StandardCharsets.UTF_8);
        /** Done when Redis confirms the node's own channel: the subscriber connection is live. */
        private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
        private volatile boolean closing;
        private volatile Thread reader;
        private volatile long pingSentNanos;
        private volatile long pongNanos;
        /** PINGs sent on the subscriber connection (link thread) and PONGs read back (reader): replies come in order. */
        private long pings;
        private final java.util.concurrent.atomic.AtomicLong pongs = new java.util.concurrent.atomic.AtomicLong();
        /** When the reader last read anything (a message, a PONG). */
        private volatile long readNanos = System.nanoTime();
        /** The reader is handing a message to the node (a fan-out to 10,000 subscribers takes a while). */
        private volatile boolean delivering;

        RedisSession(Jedis publisher, Jedis subscriber, Inbound inbound, byte[] storeScript, byte[] queryScript) {
            this.publisher = publisher;
            this.subscriber = subscriber;
            this.inbound = inbound;
            this.storeScript = storeScript;
            this.queryScript = queryScript;
        }

        void start(long timeoutMillis) throws IOException {
            reader = Thread.ofPlatform().daemon().name("throng-bus-redis-reader").start(() -> {
                try {
                    subscriber.subscribe(this, own);
                    if (!closing) {
                        inbound.failed(new IOException("the Redis subscription ended"));
                    }
                } catch (RuntimeException e) {
                    IOException failure = new IOException(message(e), e);
                    subscribed.completeExceptionally(failure);
                    if (!closing) {
                        inbound.failed(failure);
                    }
                }
            });
            try {
                subscribed.get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                close();
                throw new IOException("Redis did not confirm the subscription within " + timeoutMillis + " ms");
            } catch (ExecutionException e) {
                close();
                throw (IOException) e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IOException("interrupted while subscribing", e);
            }
        }

        // ------------------------------------------------ the reader thread (Jedis calls these)

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            if (java.util.Arrays.equals(channel, own)) {
                subscribed.complete(null);
            }
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            readNanos = System.nanoTime();
            delivering = true;
            try {
                String name = new String(channel, StandardCharsets.ISO_8859_1);
                if (Arrays.equals(channel, own)) {
                    answered(message);
                } else if (name.startsWith(RedisHistory.STORED_PREFIX)) {
                    RedisHistory.Stored s = RedisHistory.stored(message);
                    if (s == null) {
                        LOG.log(Level.WARNING, () -> "bus " + name() + ": a message on " + name
                                + " that the store script did not publish; dropped");
                    } else {
                        inbound.messageAt(name.substring(RedisHistory.STORED_PREFIX.length()), s.payload(), s.offset(), s.epoch());
                    }
                } else {
                    inbound.message(name, ByteBuffer.wrap(message));
                }
            } finally {
                delivering = false;
                readNanos = System.nanoTime();
            }
        }

        /** A query's answer, published by the query script on this node's own channel. */
        private void answered(byte[] message) {
            RedisHistory.Answer a;
            try {
                a = RedisHistory.answer(message);
            } catch (IllegalArgumentException e) {
                // only the query script publishes here (the channel's name has a random part): a bug, not a peer
                inbound.failed(new IOException("an answer on " + new String(own, StandardCharsets.ISO_8859_1)
                        + " that cannot be read (" + e.getMessage() + ")"));
                return;
            }
            inbound.answer(a.queryId(), a.answer());
        }

        @Override
        public void onPong(byte[] pattern) {
            long now = System.nanoTime();
            pongNanos = now;
            readNanos = now;
            synchronized (pongs) {
                pongs.incrementAndGet();
                pongs.notifyAll();
            }
        }

        // ------------------------------------------------ the link thread

        /**
         * SUBSCRIBE, then a PING on the same connection and its PONG: Redis answers a connection's
         * commands in order, so the PONG means every channel is subscribed (Jedis itself does not
         * wait for the confirmations), and a PUBLISH from anyone after it reaches this node.
         */
        @Override
        public void subscribe(List<String> channels) throws IOException {
            try {
                subscribe(withStored(channels));
                long mine = ping(System.nanoTime());
                long timeout = config.timeout().toNanos();
                long progress = System.nanoTime(); // the reader's last sign of life: its PONG queues behind messages
                synchronized (pongs) {
                    while (pongs.get() < mine) {
                        long now = System.nanoTime();
                        if (delivering || readNanos - progress > 0) {
                            progress = now; // busy fanning out what came before the PONG: alive
                        }
                        long left = progress + timeout - now;
                        if (left <= 0 || closing || !reader.isAlive()) {
                            throw new IOException("Redis did not confirm " + channels.size() + " subscription(s) within "
                                    + config.timeout().toMillis() + " ms");
                        }
                        pongs.wait(Math.max(1, Math.min(100, left / 1_000_000)));
                    }
                }
            } catch (JedisException e) {
                throw new IOException(message(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while subscribing", e);
            }
        }

        /** Sends a PING on the subscriber connection; returns how many PONGs mean it was answered. */
        private long ping(long now) {
            pingSentNanos = now;
            ping();
            return ++pings;
        }

        @Override
        public void unsubscribe(List<String> channels) throws IOException {
            try {
                unsubscribe(withStored(channels));
            } catch (JedisException e) {
                throw new IOException(message(e), e);
            }
        }

        /** Each channel and the one that carries its stored publications (a node may have either kind). */
        private static byte[][] withStored(List<String> channels) {
            byte[][] b = new byte[2 * channels.size()][];
            for (int i = 0; i < channels.size(); i++) {
                b[2 * i] = RedisHistory.bytes(channels.get(i));
                b[2 * i + 1] = RedisHistory.storedChannel(channels.get(i));
            }
            return b;
        }

        /**
         * One pipeline: plain publishes as PUBLISH, stored ones and history queries as their
         * scripts, in the batch's order (Redis runs a connection's commands in order). A script
         * Redis refused settles its message alone; a forgotten script (SCRIPT FLUSH) ends the
         * session, whose successor loads the scripts again.
         */
        @Override
        public void publish(List<Message> batch) throws IOException {
            List<Response<Object>> scripts = new ArrayList<>();
            List<Message> scripted = new ArrayList<>();
            try {
                Pipeline p = publisher.pipelined();
                for (Message m : batch) {
                    switch (m.request()) {
                        case null -> {
                            if (m.store() == null) {
                                p.publish(RedisHistory.bytes(m.channel()), m.payload());
                            } else {
                                scripts.add(p.evalsha(storeScript, keys(m.channel()),
                                        RedisHistory.storeArgs(m.channel(), m.store(), m.payload())));
                                scripted.add(m);
                            }
                        }
                        case HistoryQuery q -> {
                            scripts.add(p.evalsha(queryScript, keys(m.channel()), RedisHistory.queryArgs(q, own, m.requestId())));
                            scripted.add(m);
                        }
                        case Ask a -> throw new IllegalStateException("a gather on " + name() + ", which does not gather");
                        case Tell t -> throw new IllegalStateException("a gather's reply on " + name() + ", which does not gather");
                    }
                }
                p.sync();
            } catch (JedisException e) {
                throw new IOException(message(e), e);
            }
            for (int i = 0; i < scripts.size(); i++) {
                try {
                    scripts.get(i).get();
                } catch (JedisDataException e) {
                    refused(scripted.get(i), e);
                }
            }
        }

        private static List<byte[]> keys(String channel) {
            return List.of(RedisHistory.metaKey(channel), RedisHistory.streamKey(channel));
        }

        /** Redis refused a script: that message fails alone, unless Redis forgot the scripts. */
        private void refused(Message m, JedisDataException e) throws IOException {
            String why = e.getMessage();
            if (why != null && why.startsWith("NOSCRIPT")) {
                throw new IOException("Redis forgot the history scripts (SCRIPT FLUSH?); the next session loads them again", e);
            }
            if (m.request() != null) {
                inbound.answer(m.requestId(), HistoryAnswer.failed("Redis refused the history query of " + m.channel() + ": " + why));
            } else {
                LOG.log(Level.WARNING, () -> "bus " + name() + ": Redis refused to store a publish to " + m.channel() + ": " + why);
                if (m.receipt() != null) {
                    m.receipt().dropped("Redis refused to store it (" + why + ")");
                }
            }
        }

        /**
         * PING on both connections. The subscriber connection's PONG comes back through the reader,
         * which may be busy fanning a message out (seconds, for a big channel on a loaded machine):
         * the connection counts as dead only if the reader has read nothing since the PING and is
         * not delivering, a timeout after it.
         */
        @Override
        public void heartbeat() throws IOException {
            long now = System.nanoTime();
            long sent = pingSentNanos;
            boolean outstanding = sent != 0 && pongNanos - sent < 0;
            if (outstanding && !delivering && readNanos - sent < 0 && now - sent > config.timeout().toNanos()) {
                throw new IOException("no PONG on the subscriber connection within " + config.timeout().toMillis() + " ms");
            }
            try {
                publisher.ping();
                if (!outstanding) {
                    ping(System.nanoTime());
                }
            } catch (JedisException e) {
                throw new IOException(message(e), e);
            }
        }

        @Override
        public void close() {
            closing = true;
            RedisBroker.close(publisher);
            RedisBroker.close(subscriber);
            Thread r = reader;
            if (r != null && r != Thread.currentThread()) {
                try {
                    r.join(config.timeout().toMillis() + 1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
