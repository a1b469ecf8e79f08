package io.throng.websocket.probe;

import io.throng.core.config.ClientConfig;
import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketClient;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.WebSocketHandler;
import io.throng.websocket.WebSocketRequest;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.push.PushPublisher;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A broadcast measured across processes, for more subscribers than one process can hold (one
 * process has at most ~19,900 descriptors here): several {@code subscribe} processes hold the
 * subscribers, one {@code publish} process publishes, and {@code report} adds up what the
 * subscriber processes recorded. The publisher puts its {@link System#nanoTime()} in each message;
 * on Linux that clock (CLOCK_MONOTONIC) is the same for every process of the machine, so each
 * subscriber's delivery time is its arrival time minus that stamp.
 *
 * <pre>
 * ClusterBroadcastProbe subscribe PORT COUNT ROUNDS FIRST_ADDRESS OUT_FILE [CHANNEL]
 *     holds COUNT subscribers (source addresses 127.0.0.FIRST_ADDRESS and the 19 after it), prints
 *     "subscribed COUNT", waits for ROUNDS messages, writes "round delivery-nanos" lines to OUT_FILE,
 *     then closes its subscribers once OUT_FILE.close exists (at most 120 s later): closing 100,000
 *     connections costs more CPU than a broadcast, and the caller measures the broadcasts' CPU first
 * ClusterBroadcastProbe publish PORT ROUNDS SIZE GAP_MS [CHANNEL]
 *     publishes ROUNDS messages of SIZE bytes (at least 48) GAP_MS apart with the binary protocol
 * ClusterBroadcastProbe report EXPECTED OUT_FILE...
 *     per round: received of EXPECTED, p50, p99 and max (the last subscriber) over every file
 * ClusterBroadcastProbe latency PORT COUNT [CHANNEL]
 *     one subscriber, COUNT messages published one at a time, each after the previous arrived:
 *     the time from publish to arrival, p50, p99, max (what a bus hop costs, without fan-out)
 * </pre>
 * scripts/ws-broadcast-cluster.sh runs the three against {@code throng push --model prefork}.
 */
public final class ClusterBroadcastProbe {
    private static final int ADDRESSES = 20;

    private ClusterBroadcastProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            usage();
        }
        switch (args[0]) {
            case "subscribe" -> {
                if (args.length < 6) {
                    usage();
                }
                subscribe(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                        Integer.parseInt(args[4]), Path.of(args[5]), args.length > 6 ? args[6] : "probe");
            }
            case "publish" -> {
                if (args.length < 5) {
                    usage();
                }
                publish(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                        Long.parseLong(args[4]), args.length > 5 ? args[5] : "probe");
            }
            case "report" -> {
                if (args.length < 3) {
                    usage();
                }
                List<Path> files = new ArrayList<>();
                for (int i = 2; i < args.length; i++) {
                    files.add(Path.of(args[i]));
                }
                report(Integer.parseInt(args[1]), files);
            }
            case "latency" -> {
                if (args.length < 3) {
                    usage();
                }
                latency(Integer.parseInt(args[1]), Integer.parseInt(args[2]), args.length > 3 ? args[3] : "latency");
            }
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: ClusterBroadcastProbe subscribe PORT COUNT ROUNDS FIRST_ADDRESS OUT_FILE [CHANNEL]\n"
                + "       ClusterBroadcastProbe publish PORT ROUNDS SIZE GAP_MS [CHANNEL]\n"
                + "       ClusterBroadcastProbe report EXPECTED OUT_FILE...\n"
                + "       ClusterBroadcastProbe latency PORT COUNT [CHANNEL]");
        System.exit(2);
    }

    // ================================================================ subscribe

    private static void subscribe(int port, int count, int rounds, int firstAddress, Path out, String channel)
            throws Exception {
        if (firstAddress < 2 || firstAddress + ADDRESSES > 255) {
            throw new IllegalArgumentException("FIRST_ADDRESS must be within 2.." + (255 - ADDRESSES));
        }
        long[][] delivery = new long[rounds + 1][count];
        AtomicInteger[] received = new AtomicInteger[rounds + 1];
        for (int r = 0; r <= rounds; r++) {
            received[r] = new AtomicInteger();
        }
        WebSocketConfig config = WebSocketConfig.defaults().withIdleTimeout(Duration.ZERO);
        WebSocketClient client = WebSocketClient.start(ClientConfig.defaults()
                .withLoops(Math.max(1, Runtime.getRuntime().availableProcessors())).withConnectTimeout(Duration.ofSeconds(60)), config);
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        Semaphore inFlight = new Semaphore(256);
        List<CompletableFuture<WebSocket>> futures = new ArrayList<>(count);
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            int index = i;
            WebSocketRequest request = WebSocketRequest.to(server, "/sub/" + channel)
                    .withLocalAddress(new InetSocketAddress("127.0.0." + (firstAddress + i % ADDRESSES), 0));
            futures.add(client.connect(request, new WebSocketHandler() {
                @Override
                public void onText(WebSocket ws, ByteBuffer utf8) {
                    long now = System.nanoTime();
                    int round = (int) number(utf8, 'r');
                    long stamp = number(utf8, 't');
                    if (round >= 1 && round <= rounds) {
                        delivery[round][index] = Math.max(1, now - stamp);
                        received[round].incrementAndGet();
                    }
                }
            }).whenComplete((ws, e) -> inFlight.release()));
        }
        int failed = 0;
        for (CompletableFuture<WebSocket> f : futures) {
            try {
                f.get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                failed++;
            }
        }
        System.out.printf(Locale.ROOT, "subscribed %d (%d failed) in %.1f s%n", count - failed, failed,
                (System.nanoTime() - t0) / 1e9);
        System.out.flush();
        // Wait for every round: until each has reached every subscriber, or 30 s pass without progress.
        int expected = count - failed;
        long lastProgress = System.nanoTime();
        int lastTotal = -1;
        while (true) {
            int total = 0;
            for (int r = 1; r <= rounds; r++) {
                total += received[r].get();
            }
            if (total >= expected * rounds) {
                break;
            }
            if (total != lastTotal) {
                lastTotal = total;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(lastTotal == 0 ? 600 : 30)) {
                break;
            }
            Thread.sleep(50);
        }
        Thread.sleep(200);
        try (BufferedWriter w = Files.newBufferedWriter(out)) {
            for (int r = 1; r <= rounds; r++) {
                for (long d : delivery[r]) {
                    if (d > 0) {
                        w.write(r + " " + d + "\n");
                    }
                }
            }
        }
        for (int r = 1; r <= rounds; r++) {
            long max = Arrays.stream(delivery[r]).max().orElse(0);
            System.out.printf(Locale.ROOT, "round %d: %d of %d, max %.1f ms%n", r, received[r].get(), expected, max / 1e6);
        }
        System.out.flush();
        Path closeMarker = Path.of(out + ".close");
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(closeMarker) && System.nanoTime() - waitUntil < 0) {
            Thread.sleep(100);
        }
        client.close(Duration.ofSeconds(10));
    }

    /** The decimal number after "{@code key}=" in the message (its first 48 bytes), or -1. */
    static long number(ByteBuffer b, char key) {
        int end = Math.min(b.limit(), b.position() + 48);
        for (int i = b.position(); i + 1 < end; i++) {
            if (b.get(i) == key && b.get(i + 1) == '=') {
                long v = 0;
                int j = i + 2;
                boolean any = false;
                while (j < b.limit() && b.get(j) >= '0' && b.get(j) <= '9') {
                    v = v * 10 + (b.get(j) - '0');
                    j++;
                    any = true;
                }
                return any ? v : -1;
            }
        }
        return -1;
    }

    // ================================================================ publish

    private static void publish(int port, int rounds, int size, long gapMillis, String channel) throws Exception {
        if (size < 48) {
            throw new IllegalArgumentException("SIZE must be at least 48 bytes (the round and the time stamp), got " + size);
        }
        try (PushPublisher publisher = PushPublisher.connect(new InetSocketAddress("127.0.0.1", port))) {
            for (int r = 1; r <= rounds; r++) {
                long stamp = System.nanoTime();
                byte[] payload = new byte[size];
                Arrays.fill(payload, (byte) 'x');
                byte[] head = ("r=" + r + " t=" + stamp + " ").getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(head, 0, payload, 0, head.length);
                PublishOutcome o = publisher.publish(channel, payload);
                long call = System.nanoTime() - stamp;
                System.out.printf(Locale.ROOT, "round %d: %d-byte message, publish call %.2f ms, %s%n", r, size, call / 1e6,
                        switch (o) {
                            case PublishOutcome.Delivered d -> "fanned out by the server to " + d.result().delivered();
                            case PublishOutcome.Accepted a -> "accepted by " + a.bus() + " at " + a.node();
                            case PublishOutcome.Refused f -> "REFUSED: " + f.reason();
                        });
                System.out.flush();
                Thread.sleep(gapMillis);
            }
        }
    }

    // ================================================================ latency

    private static void latency(int port, int count, String channel) throws Exception {
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        java.util.concurrent.LinkedBlockingQueue<Long> arrivals = new java.util.concurrent.LinkedBlockingQueue<>();
        WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(1),
                WebSocketConfig.defaults().withIdleTimeout(Duration.ZERO));
        try (PushPublisher publisher = PushPublisher.connect(server)) {
            client.connect(WebSocketRequest.to(server, "/sub/" + channel), new WebSocketHandler() {
                @Override
                public void onText(WebSocket ws, ByteBuffer utf8) {
                    arrivals.add(System.nanoTime());
                }
            }).get(10, TimeUnit.SECONDS);
            byte[] payload = new byte[64];
            Arrays.fill(payload, (byte) 'l');
            // until the subscription is in place (a relaying bus subscribes a moment after the open)
            while (arrivals.poll(50, TimeUnit.MILLISECONDS) == null) {
                publisher.publish(channel, payload);
            }
            Thread.sleep(100);
            arrivals.clear();
            long[] took = new long[count];
            int warm = Math.min(count, 1000);
            for (int i = -warm; i < count; i++) {
                long start = System.nanoTime();
                publisher.send(channel, payload);
                Long at = arrivals.poll(5, TimeUnit.SECONDS);
                publisher.readResult();
                if (at == null) {
                    throw new IOException("message " + i + " did not arrive within 5 s");
                }
                if (i >= 0) {
                    took[i] = at - start;
                }
            }
            Arrays.sort(took);
            System.out.printf(Locale.ROOT, "%d messages, publish to arrival: p50 %.1f us | p99 %.1f us | max %.1f us%n",
                    count, at(took, 50) / 1e3, at(took, 99) / 1e3, took[count - 1] / 1e3);
        } finally {
            client.close(Duration.ofSeconds(5));
        }
    }

    // ================================================================ report

    private static void report(int expected, List<Path> files) throws IOException {
        List<List<Long>> byRound = new ArrayList<>();
        for (Path f : files) {
            for (String line : Files.readAllLines(f)) {
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.split(" ");
                int round = Integer.parseInt(parts[0]);
                while (byRound.size() <= round) {
                    byRound.add(new ArrayList<>());
                }
                byRound.get(round).add(Long.parseLong(parts[1]));
            }
        }
        for (int r = 1; r < byRound.size(); r++) {
            long[] d = byRound.get(r).stream().mapToLong(Long::longValue).sorted().toArray();
            if (d.length == 0) {
                System.out.printf(Locale.ROOT, "round %d: nothing received%n", r);
                continue;
            }
            System.out.printf(Locale.ROOT, "round %d: delivered %d of %d | p50 %.1f ms | p99 %.1f ms | max (last) %.1f ms%s%n",
                    r, d.length, expected, at(d, 50) / 1e6, at(d, 99) / 1e6, d[d.length - 1] / 1e6,
                    d.length < expected ? " | MISSING " + (expected - d.length) : "");
        }
    }

    private static long at(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
