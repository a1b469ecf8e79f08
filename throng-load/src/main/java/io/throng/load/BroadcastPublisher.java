package io.throng.load;

import com.fasterxml.jackson.databind.JsonNode;
import io.throng.websocket.push.PushPublisher;
import io.throng.websocket.bus.PublishOutcome;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes the broadcasts of a ws-broadcast run to the push server, one round every interval: a
 * round is one message to each channel, back to back, each stamped with {@link WallClock#micros()}
 * just before it is written (see {@link BroadcastPayload}).
 *
 * <p>The binary publish protocol is the default because it keeps the stamp next to the moment the
 * server can read the message: the connection is open before the first round, a publish is one
 * write of a few dozen bytes, and the results are read after the round's last message is out.
 * HTTP puts the client library's request handling and the server's HTTP parsing after the stamp,
 * which the latencies then include; it is there to measure that path too.
 */
final class BroadcastPublisher {
    /**
     * One round as the publisher saw it.
     *
     * @param round             its index
     * @param startMicros       the stamp of its first message (epoch microseconds)
     * @param serverSubscribers subscribers the server counted, summed over the channels
     * @param serverDelivered   subscribers whose connection took the message, by the server's count
     * @param callMicros        from the first write to the last result read
     */
    record PublishedRound(int round, long startMicros, long serverSubscribers, long serverDelivered, long callMicros) {
    }

    /** Every round published, and why publishing stopped early (null if it did not). */
    record Publication(List<PublishedRound> rounds, String error) {
    }

    /** One way to the server: binary protocol or HTTP. */
    private sealed interface Sender extends AutoCloseable permits Binary, Http {
        /**
         * Publishes round {@code round} to every channel, noting in {@code stamps[c]} the stamp of
         * channel c's message; returns {subscribers, delivered} as the server counted them, summed.
         */
        long[] publish(int round, String[] channels, long[] stamps) throws IOException, InterruptedException;

        @Override
        void close() throws IOException;
    }

    private BroadcastPublisher() {
    }

    /**
     * Publishes every round of {@code o} on schedule, calling {@code tick} while it waits (progress).
     * Returns when the last round's results are in, or at the first error.
     */
    static Publication run(LoadOptions o, Runnable tick) throws InterruptedException {
        WsOptions ws = o.ws();
        String[] channels = new String[ws.channels()];
        for (int c = 0; c < channels.length; c++) {
            channels[c] = ws.channelName(c);
        }
        List<PublishedRound> done = new ArrayList<>(ws.rounds());
        long intervalNanos = (long) (ws.intervalSeconds() * 1e9);
        try (Sender sender = open(o)) {
            long t0 = System.nanoTime();
            for (int r = 0; r < ws.rounds(); r++) {
                long due = t0 + r * intervalNanos;
                for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(Math.min(wait, 50_000_000L));
                    tick.run();
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
                long[] stamps = new long[channels.length];
                long began = System.nanoTime();
                long[] counts = sender.publish(r, channels, stamps);
                done.add(new PublishedRound(r, stamps[0], counts[0], counts[1], (System.nanoTime() - began) / 1000));
                tick.run();
            }
            return new Publication(done, null);
        } catch (IOException e) {
            return new Publication(done, "round " + done.size() + ": " + e.getMessage());
        }
    }

    private static Sender open(LoadOptions o) throws IOException {
        return switch (o.ws().publishVia()) {
            case BINARY -> new Binary(PushPublisher.connect(new InetSocketAddress(o.host(), o.port())), o.ws().messageBytes(),
                    o.ws().centrifugo() != null);
            case HTTP -> new Http(o.host(), o.port(), o.ws().messageBytes(), o.connectTimeoutSeconds(), o.ws().centrifugo() != null);
        };
    }

    /**
     * Round {@code round}'s message to channel {@code channel}: as it is for raw subscribers, as a
     * JSON string for Centrifugo's (whose server would otherwise quote the text itself: it is
     * published as the JSON an application would publish).
     */
    static byte[] payload(boolean json, int round, int channel, long stamp, int size) {
        return json ? BroadcastPayload.encodeJson(round, channel, stamp, size) : BroadcastPayload.encode(round, channel, stamp, size);
    }

    /** The push server's binary publish protocol: all of a round's publishes written, then their results read. */
    private record Binary(PushPublisher publisher, int size, boolean json) implements Sender {
        @Override
        public long[] publish(int round, String[] channels, long[] stamps) throws IOException {
            for (int c = 0; c < channels.length; c++) {
                stamps[c] = WallClock.micros();
                publisher.send(channels[c], payload(json, round, c, stamps[c], size));
            }
            long subscribers = 0;
            long delivered = 0;
            for (int c = 0; c < channels.length; c++) {
                // in one process the answer counts the fan-out; through a bus (prefork, Redis,
                // NATS) it only says the message was taken: the subscribers' own counts tell
                switch (publisher.readResult()) {
                    case PublishOutcome.Delivered d -> {
                        subscribers += d.result().subscribers();
                        delivered += d.result().delivered();
                    }
                    case PublishOutcome.Accepted a -> { }
                    case PublishOutcome.Refused refused ->
                            throw new IOException("publish to " + channels[c] + " refused: " + refused.reason());
                }
            }
            return new long[] {subscribers, delivered};
        }

        @Override
        public void close() throws IOException {
            publisher.close();
        }
    }

    /** {@code POST /pub/<channel>}, one request after the other, on a kept-alive HTTP/1.1 connection. */
    private record Http(HttpClient client, String base, int size, Duration timeout, boolean json) implements Sender {
        Http(String host, int port, int size, double timeoutSeconds, boolean json) {
            this(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofMillis((long) (timeoutSeconds * 1000))).build(),
                    "http://" + host + ":" + port + "/pub/", size, Duration.ofMillis((long) (timeoutSeconds * 1000)), json);
        }

        @Override
        public long[] publish(int round, String[] channels, long[] stamps) throws IOException, InterruptedException {
            long subscribers = 0;
            long delivered = 0;
            for (int c = 0; c < channels.length; c++) {
                stamps[c] = WallClock.micros();
                HttpRequest request = HttpRequest.newBuilder(URI.create(base + channels[c])).timeout(timeout)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(payload(json, round, c, stamps[c], size)))
                        .build();
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IOException("POST /pub/" + channels[c] + " answered " + response.statusCode() + ": "
                            + response.body().strip());
                }
                JsonNode counts = Json.mapper().readTree(response.body());
                subscribers += counts.path("subscribers").asLong();
                delivered += counts.path("delivered").asLong();
            }
            return new long[] {subscribers, delivered};
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
