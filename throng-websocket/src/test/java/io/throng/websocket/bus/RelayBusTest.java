package io.throng.websocket.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.websocket.PublishResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RelayBus}'s own rules, against an in-memory broker (the STYLE's in-memory transport for
 * protocol tests): the relay queue is bounded and its overflow counted, a failed batch is counted
 * as dropped and never retried, racing subscribe/unsubscribe calls end with the right upstream
 * subscriptions, and a reconnection subscribes every live channel again. The real brokers (the
 * prefork hub, Redis, NATS) run the same class in HubBusTest and throng-bus's tests.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayBusTest {

    /** A broker in memory: records what the link does; publish can be held or made to fail. */
    static final class MemoryBroker implements Broker {
        final List<String> published = new CopyOnWriteArrayList<>();
        final Set<String> subscribed = ConcurrentHashMap.newKeySet();
        final AtomicInteger connects = new AtomicInteger();
        volatile CountDownLatch hold = new CountDownLatch(0);
        volatile boolean failNextPublish;
        volatile Inbound inbound;

        @Override
        public String name() {
            return "memory";
        }

        @Override
        public Session connect(Inbound in) {
            connects.incrementAndGet();
            inbound = in;
            subscribed.clear();
            return new Session() {
                @Override
                public void subscribe(List<String> channels) {
                    subscribed.addAll(channels);
                }

                @Override
                public void unsubscribe(List<String> channels) {
                    channels.forEach(subscribed::remove);
                }

                @Override
                public void publish(List<Message> batch) throws IOException {
                    try {
                        hold.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    if (failNextPublish) {
                        failNextPublish = false;
                        throw new IOException("broker gone");
                    }
                    for (Message m : batch) {
                        published.add(m.channel() + ":" + new String(m.payload(), StandardCharsets.UTF_8));
                        in.message(m.channel(), ByteBuffer.wrap(m.payload()));
                    }
                }

                @Override
                public void heartbeat() {
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** Local subscribers as a set of channel names; deliveries recorded. */
    static final class Channels implements LocalSubscribers {
        final Set<String> live = ConcurrentHashMap.newKeySet();
        final List<String> delivered = Collections.synchronizedList(new ArrayList<>());

        @Override
        public PublishResult deliver(String channel, ByteBuffer payload) {
            delivered.add(channel + ":" + StandardCharsets.UTF_8.decode(payload));
            return PublishResult.NO_SUBSCRIBERS;
        }

        @Override
        public boolean hasSubscribers(String channel) {
            return live.contains(channel);
        }

        @Override
        public List<String> channels() {
            return new ArrayList<>(live);
        }
    }

    private static BusConfig config(int queue) {
        return BusConfig.embedded().withRelayQueue(queue).withBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
                .withHeartbeat(Duration.ofMillis(200));
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void theRelayQueueIsBoundedAndWhatDoesNotFitIsRefusedAndCounted() throws Exception {
        MemoryBroker broker = new MemoryBroker();
        Channels local = new Channels();
        try (RelayBus bus = RelayBus.start(broker, local, config(4))) {
            assertThat(bus.awaitUp(Duration.ofSeconds(5))).isTrue();
            broker.hold = new CountDownLatch(1); // the link takes one batch and waits in publish
            assertThat(bus.publish("c", text("first"))).isInstanceOf(PublishOutcome.Accepted.class);
            await("the link holds the first batch", () -> bus.stats().queued() == 0);
            int accepted = 1;
            int refused = 0;
            PublishOutcome.Accepted queuedOne = null;
            for (int i = 0; i < 20; i++) {
                PublishOutcome o = bus.publish("c", text("m" + i));
                if (o instanceof PublishOutcome.Accepted a) {
                    queuedOne = a;
                    accepted++;
                } else {
                    assertThat(((PublishOutcome.Refused) o).reason()).contains("relay queue").contains("full (4 messages)");
                    refused++;
                }
            }
            assertThat(accepted).isEqualTo(5); // the held batch and the 4 the queue holds
            assertThat(queuedOne.receipt().state()).as("not relayed while the broker holds").isEqualTo(Receipt.State.PENDING);
            assertThat(refused).isEqualTo(16);
            assertThat(bus.stats().dropped()).isEqualTo(16);
            broker.hold.countDown();
            assertThat(queuedOne.confirmed()).isSameAs(queuedOne);
            await("everything accepted relayed", () -> bus.stats().relayed() == 5);
            assertThat(broker.published).containsExactly("c:first", "c:m0", "c:m1", "c:m2", "c:m3");
            assertThat(bus.stats().refused()).as("refused counts an unavailable bus only").isZero();
        }
    }

    @Test
    void aBatchInFlightWhenTheLinkFailsIsDroppedNotRetriedAndTheLinkComesBack() throws Exception {
        MemoryBroker broker = new MemoryBroker();
        Channels local = new Channels();
        local.live.add("c");
        try (RelayBus bus = RelayBus.start(broker, local, config(100))) {
            assertThat(bus.awaitUp(Duration.ofSeconds(5))).isTrue();
            broker.failNextPublish = true;
            PublishOutcome lost = bus.publish("c", text("lost"));
            assertThat(lost).isInstanceOf(PublishOutcome.Accepted.class);
            // a publisher that waits for the broker's word learns of the loss
            PublishOutcome settled = PublishOutcome.confirmed(lost);
            assertThat(settled).isInstanceOf(PublishOutcome.Refused.class);
            assertThat(((PublishOutcome.Refused) settled).reason())
                    .isEqualTo("the link to memory failed before the broker confirmed it (broker gone); it may have reached"
                            + " some subscribers; retry later");
            assertThat(((PublishOutcome.Accepted) lost).receipt().state()).isEqualTo(Receipt.State.DROPPED);
            await("reconnected", () -> bus.stats().reconnects() == 1 && bus.stats().state() == BusStats.State.UP);
            assertThat(bus.stats().dropped()).isEqualTo(1);
            assertThat(broker.connects.get()).isEqualTo(2);
            assertThat(broker.subscribed).as("every live channel subscribed again").containsExactly("c");
            PublishOutcome after = bus.publish("c", text("after"));
            assertThat(after).isInstanceOf(PublishOutcome.Accepted.class);
            assertThat(PublishOutcome.confirmed(after)).as("acknowledged: the same answer").isSameAs(after);
            assertThat(((PublishOutcome.Accepted) after).receipt().state()).isEqualTo(Receipt.State.RELAYED);
            await("delivered", () -> local.delivered.contains("c:after"));
            assertThat(broker.published).containsExactly("c:after");
            assertThat(local.delivered).containsExactly("c:after");
        }
    }

    /** The reconnection above, as a flight-recorder event an operator finds in a recording. */
    @Test
    void aReconnectionIsAFlightRecorderEventWithTheBrokerAndHowLongItWasDown() throws Exception {
        MemoryBroker broker = new MemoryBroker();
        Channels local = new Channels();
        local.live.add("c");
        java.nio.file.Path file = java.nio.file.Files.createTempFile("bus", ".jfr");
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
            recording.enable("io.throng.BusReconnect");
            recording.start();
            try (RelayBus bus = RelayBus.start(broker, local, config(100))) {
                assertThat(bus.awaitUp(Duration.ofSeconds(5))).isTrue();
                broker.failNextPublish = true;
                bus.publish("c", text("lost"));
                await("reconnected", () -> bus.stats().reconnects() == 1 && bus.stats().state() == BusStats.State.UP);
            }
            recording.stop();
            recording.dump(file);
        }
        List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("io.throng.BusReconnect")).toList();
        java.nio.file.Files.delete(file);
        assertThat(events).hasSize(1);
        assertThat(events.getFirst().getString("broker")).isEqualTo(broker.name());
        assertThat(events.getFirst().getInt("channels")).isEqualTo(1);
        assertThat(events.getFirst().getInt("failedAttempts")).isGreaterThanOrEqualTo(1);
        assertThat(events.getFirst().getDuration("downFor")).isPositive();
    }

    @Test
    void subscribeAndUnsubscribeCallsInAnyOrderEndWithTheChannelsThatHaveSubscribers() throws Exception {
        MemoryBroker broker = new MemoryBroker();
        Channels local = new Channels();
        try (RelayBus bus = RelayBus.start(broker, local, config(100))) {
            assertThat(bus.awaitUp(Duration.ofSeconds(5))).isTrue();
            // What two threads may report out of order: a channel got its first subscriber (a), and
            // the "last left" of an earlier subscriber arrives after it.
            local.live.add("a");
            bus.subscribe("a");
            bus.unsubscribe("a");
            // b came and went; its "first" arrives last
            bus.unsubscribe("b");
            bus.subscribe("b");
            local.live.add("c");
            bus.subscribe("c");
            await("a and c upstream", () -> broker.subscribed.equals(Set.of("a", "c")) && bus.stats().channels() == 2);
            local.live.remove("a");
            bus.unsubscribe("a");
            await("c only", () -> broker.subscribed.equals(Set.of("c")) && bus.stats().channels() == 1);
        }
    }

    @Test
    void publishesAreRefusedUntilTheFirstConnection() throws Exception {
        Broker never = new Broker() {
            @Override
            public String name() {
                return "nowhere://0";
            }

            @Override
            public Session connect(Inbound inbound) throws IOException {
                throw new IOException("Connection refused");
            }
        };
        try (RelayBus bus = RelayBus.start(never, new Channels(), config(10))) {
            await("a failed attempt", () -> bus.stats().state() == BusStats.State.DOWN);
            PublishOutcome o = bus.publish("c", text("x"));
            assertThat(o).isInstanceOf(PublishOutcome.Refused.class);
            assertThat(((PublishOutcome.Refused) o).reason()).isEqualTo("bus nowhere://0 is down (Connection refused); retry later");
            assertThat(bus.stats().refused()).isEqualTo(1);
            assertThat(bus.stats().problem()).isEqualTo("Connection refused");
            assertThat(bus.stats().toJson()).contains("\"state\":\"down\"").contains("\"problem\":\"Connection refused\"");
        }
    }
}
