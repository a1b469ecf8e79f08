package io.throng.websocket.probe;

import io.throng.core.config.ClientConfig;
import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketClient;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.WebSocketHandler;
import io.throng.websocket.WebSocketRequest;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.push.PushPublisher;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How long one published message takes to reach every subscriber of a {@code throng push} server:
 * holds N WebSocket subscribers of one channel (from this process, spread over source addresses
 * 127.0.0.2 and up), publishes one message of the given size with the binary publish protocol, and
 * records when each subscriber's callback sees it. Reports the publish call's own time, and the
 * delivery times from just before the publish: p50, p99, max (the time to the last subscriber).
 *
 * <p>Run it from a process of its own (the server's descriptors and ours would not fit one
 * process's limit at 10,000 and more): {@code scripts/ws-broadcast.sh}.
 *
 * <pre>java -cp throng-cli/target/throng.jar io.throng.websocket.probe.BroadcastProbe PORT SUBSCRIBERS [SIZE] [ROUNDS]</pre>
 */
public final class BroadcastProbe implements AutoCloseable {
    /**
     * One round: what the publish answered, how long the call took, and when each subscriber
     * received (nanos after the publish began).
     */
    public record Round(PublishOutcome outcome, long publishNanos, long[] deliveryNanos, int missing) {
        public long percentile(double p) {
            long[] sorted = deliveryNanos.clone();
            Arrays.sort(sorted);
            int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted.length == 0 ? -1 : sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }

        public String describe() {
            String answer = switch (outcome) {
                case PublishOutcome.Delivered d -> "fanned out by the server";
                case PublishOutcome.Accepted a -> "relayed by " + a.bus();
                case PublishOutcome.Refused r -> "REFUSED: " + r.reason();
            };
            return String.format(Locale.ROOT, "delivered %d of %d (%s) | publish call %.1f ms | p50 %.1f ms | p99 %.1f ms"
                            + " | max (last) %.1f ms%s",
                    deliveryNanos.length, deliveryNanos.length + missing, answer, publishNanos / 1e6, percentile(50) / 1e6,
                    percentile(99) / 1e6, percentile(100) / 1e6, missing > 0 ? " | MISSING " + missing : "");
        }
    }

    private final InetSocketAddress server;
    private final String channel;
    private final WebSocketClient client;
    private final List<WebSocket> subscribers = new ArrayList<>();
    private final long[] receivedAt;
    private volatile CountDownLatch pending = new CountDownLatch(0);

    private BroadcastProbe(InetSocketAddress server, String channel, int count, WebSocketClient client) {
        this.server = server;
        this.channel = channel;
        this.client = client;
        this.receivedAt = new long[count];
    }

    /**
     * Opens {@code count} subscribers of {@code channel} at {@code server}, at most 512 handshakes
     * at a time, and returns once every one is subscribed.
     */
    public static BroadcastProbe connect(InetSocketAddress server, String channel, int count, Duration timeout)
            throws IOException, InterruptedException {
        // Subscribers only listen: no idle timeout on our side, and the server's pings are answered by the client.
        WebSocketConfig config = WebSocketConfig.defaults().withIdleTimeout(Duration.ZERO);
        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(loops)
                .withConnectTimeout(timeout), config);
        BroadcastProbe probe = new BroadcastProbe(server, channel, count, client);
        try {
            probe.open(count, timeout);
        } catch (IOException | InterruptedException | RuntimeException e) {
            probe.close();
            throw e;
        }
        return probe;
    }

    private void open(int count, Duration timeout) throws IOException, InterruptedException {
        Semaphore inFlight = new Semaphore(512);
        AtomicInteger failures = new AtomicInteger();
        List<CompletableFuture<WebSocket>> futures = new ArrayList<>(count);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < count; i++) {
            if (!inFlight.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IOException("connecting " + count + " subscribers took over " + timeout);
            }
            int index = i;
            WebSocketRequest request = WebSocketRequest.to(server, "/sub/" + channel)
                    .withLocalAddress(new InetSocketAddress("127.0.0." + (2 + i % 50), 0));
            futures.add(client.connect(request, new WebSocketHandler() {
                @Override
                public void onText(WebSocket ws, ByteBuffer utf8) {
                    received(index);
                }

                @Override
                public void onBinary(WebSocket ws, ByteBuffer data) {
                    received(index);
                }
            }).whenComplete((ws, e) -> {
                inFlight.release();
                if (e != null) {
                    failures.incrementAndGet();
                }
            }));
        }
        for (CompletableFuture<WebSocket> f : futures) {
            try {
                subscribers.add(f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException(failures.get() + " of " + count + " subscribers failed to connect; first: " + e, e);
            }
        }
    }

    private void received(int index) {
        receivedAt[index] = System.nanoTime();
        pending.countDown();
    }

    /** Publishes one message of {@code size} bytes and waits (up to {@code timeout}) for every subscriber. */
    public Round publishOnce(PushPublisher publisher, int size, Duration timeout) throws IOException, InterruptedException {
        Arrays.fill(receivedAt, 0);
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'n');
        CountDownLatch latch = new CountDownLatch(receivedAt.length);
        pending = latch;
        long start = System.nanoTime();
        PublishOutcome outcome = publisher.publish(channel, payload);
        long publishNanos = System.nanoTime() - start;
        if (!(outcome instanceof PublishOutcome.Refused)) {
            latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        long[] times = Arrays.stream(receivedAt).filter(t -> t != 0).map(t -> t - start).toArray();
        return new Round(outcome, publishNanos, times, receivedAt.length - times.length);
    }

    public int subscribers() {
        return subscribers.size();
    }

    @Override
    public void close() {
        client.close(Duration.ofSeconds(10));
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: BroadcastProbe PORT SUBSCRIBERS [SIZE=64] [ROUNDS=5] [CHANNEL=probe]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        String channel = args.length > 4 ? args[4] : "probe";
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        long t0 = System.nanoTime();
        try (BroadcastProbe probe = connect(server, channel, count, Duration.ofSeconds(120));
             PushPublisher publisher = PushPublisher.connect(server)) {
            System.out.printf(Locale.ROOT, "subscribed %d to '%s' in %.1f s%n", probe.subscribers(), channel, (System.nanoTime() - t0) / 1e9);
            for (int r = 0; r < rounds; r++) {
                Round round = probe.publishOnce(publisher, size, Duration.ofSeconds(30));
                System.out.printf(Locale.ROOT, "round %d (%d B): %s%n", r + 1, size, round.describe());
                Thread.sleep(200);
            }
        }
    }
}
