package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.core.config.ClientConfig;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Topic fan-out on a plain WebSocket server (not the push service) under every model. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TopicsTest {

    /** Every model on every transport. */
    static List<WsVariant> variants() {
        return WsVariant.ALL;
    }

    /** Subscribes every connection to the topic its first text message names. */
    static WebSocketHandler subscribing(TopicRegistry topics) {
        return new WebSocketHandler() {
            @Override
            public void onText(WebSocket ws, ByteBuffer utf8) {
                topics.subscribe(WebSocketHandler.text(utf8), ws);
                ws.sendText("ok");
            }
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void everySubscriberGetsEachMessageOnceAndAStalledOneNeverBlocksThePublisher(WsVariant v) throws Exception {
        ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
        TopicRegistry topics = new TopicRegistry(new TopicListener() {
            @Override
            public void firstSubscriber(String topic) {
                events.add("first " + topic);
            }

            @Override
            public void lastSubscriberLeft(String topic) {
                events.add("last " + topic);
            }
        });
        WebSocketConfig config = WebSocketConfig.defaults().withSlowSubscribers(new SlowSubscriberPolicy(256 * 1024,
                SlowSubscriberPolicy.Action.DROP));
        WebSocketProtocol protocol = WebSocketProtocol.server(subscribing(topics)).config(config).topics(topics).build();
        io.throng.core.config.ServerConfig sc = v.config().withSocket(v.config().socket().withSendBufferSize(16 * 1024));
        try (WebSocketServer server = WebSocketServer.start(sc, protocol);
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(2), WebSocketConfig.defaults());
             RawPeer stalled = RawPeer.open(server.address(), "/")) {
            stalled.socket.setReceiveBufferSize(4096);
            stalled.send(stalled.text("ticker"));
            assertThat(stalled.readMessage().text()).isEqualTo("ok");
            List<Inbox> inboxes = new ArrayList<>();
            List<WebSocket> sockets = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Inbox inbox = new Inbox();
                WebSocket ws = client.connect(WebSocketRequest.to(server.address(), "/"), inbox).get(10, TimeUnit.SECONDS);
                ws.sendText("ticker");
                assertThat(inbox.nextText()).isEqualTo("ok");
                inboxes.add(inbox);
                sockets.add(ws);
            }
            assertThat(topics.subscribers("ticker")).isEqualTo(51);
            assertThat(events).containsExactly("first ticker");
            byte[] big = new byte[8 * 1024];
            java.util.Arrays.fill(big, (byte) 'q');
            int dropped = 0;
            for (int m = 0; m < 400 && dropped == 0; m++) { // until the stalled subscriber's queue passes 256 KiB
                PublishResult r = topics.publish("ticker", PreparedMessage.binary(big));
                assertThat(r.subscribers()).isEqualTo(51);
                dropped += r.dropped();
                for (Inbox inbox : inboxes) {
                    assertThat(inbox.next().bytes()).hasSize(big.length);
                }
            }
            assertThat(dropped).as("messages the stalled subscriber missed").isPositive();
            for (Inbox inbox : inboxes) {
                assertThat(inbox.messages).as("no duplicate").isEmpty();
            }
            for (WebSocket ws : sockets) {
                ws.close();
            }
            stalled.close();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (topics.subscriptionCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(topics.subscriptionCount()).isZero();
            assertThat(events).containsExactly("first ticker", "last ticker");
        }
    }

    @Test
    void aBigTopicIsWalkedInParallelAndStillReachesEachSubscriberOnce() throws Exception {
        TopicRegistry topics = new TopicRegistry();
        WebSocketProtocol protocol = WebSocketProtocol.server(subscribing(topics)).topics(topics).build();
        try (WebSocketServer server = WebSocketServer.start(WsVariant.MULTI.config(), protocol);
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(2), WebSocketConfig.defaults())) {
            int n = TopicRegistry.PARALLEL_THRESHOLD + 300;
            AtomicInteger received = new AtomicInteger();
            AtomicInteger acks = new AtomicInteger();
            for (int i = 0; i < n; i++) {
                client.connect(WebSocketRequest.to(server.address(), "/").withLocalAddress(
                        new java.net.InetSocketAddress("127.0.0." + (2 + i % 4), 0)), new WebSocketHandler() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        ws.sendText("wide");
                    }

                    @Override
                    public void onText(WebSocket ws, ByteBuffer utf8) {
                        if (WebSocketHandler.text(utf8).equals("ok")) {
                            acks.incrementAndGet();
                        } else {
                            received.incrementAndGet();
                        }
                    }
                }).get(10, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (acks.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            PublishResult r = topics.publish("wide", PreparedMessage.text("to everyone"));
            assertThat(r.subscribers()).isEqualTo(n);
            assertThat(r.delivered()).isEqualTo(n);
            while (received.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(100);
            assertThat(received.get()).isEqualTo(n);
        }
    }

    @Test
    void aConnectionCannotJoinARegistryItsServerDoesNotKnow() throws Exception {
        TopicRegistry stranger = new TopicRegistry();
        java.util.concurrent.CompletableFuture<Throwable> refused = new java.util.concurrent.CompletableFuture<>();
        WebSocketHandler h = new WebSocketHandler() {
            @Override
            public void onOpen(WebSocket ws) {
                try {
                    stranger.subscribe("x", ws);
                    refused.complete(null);
                } catch (IllegalArgumentException e) {
                    refused.complete(e);
                }
            }
        };
        try (WebSocketServer server = WebSocketServer.start(WsVariant.SINGLE.config(), WebSocketConfig.defaults(), h);
             RawPeer p = RawPeer.open(server.address(), "/")) {
            assertThat(refused.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("built without this registry");
        }
        assertThatThrownBy(() -> stranger.subscribe("x", null)).isInstanceOf(IllegalArgumentException.class);
    }
}
