package io.throng.bus;

import io.throng.websocket.bus.Broker;
import io.throng.websocket.bus.BusConfig;
import io.throng.websocket.bus.RelayBus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * subscription loop runs while the node has no channel, and so that a ping proves it alive.
 */
public final class RedisBroker implements Broker {
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
            subscriber = new Jedis(address, client);
            RedisSession s = new RedisSession(publisher, subscriber, inbound);
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

        RedisSession(Jedis publisher, Jedis subscriber, Inbound inbound) {
            this.publisher = publisher;
            this.subscriber = subscriber;
            this.inbound = inbound;
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
                inbound.message(new String(channel, StandardCharsets.ISO_8859_1), ByteBuffer.wrap(message));
            } finally {
                delivering = false;
                readNanos = System.nanoTime();
            }
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
                subscribe(bytes(channels));
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
                unsubscribe(bytes(channels));
            } catch (JedisException e) {
                throw new IOException(message(e), e);
            }
        }

        private static byte[][] bytes(List<String> channels) {
            byte[][] b = new byte[channels.size()][];
            for (int i = 0; i < b.length; i++) {
                b[i] = channels.get(i).getBytes(StandardCharsets.ISO_8859_1);
            }
            return b;
        }

        @Override
        public void publish(List<Message> batch) throws IOException {
            try {
                Pipeline p = publisher.pipelined();
                for (Message m : batch) {
                    p.publish(m.channel().getBytes(StandardCharsets.ISO_8859_1), m.payload());
                }
                p.sync();
            } catch (JedisException e) {
                throw new IOException(message(e), e);
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
