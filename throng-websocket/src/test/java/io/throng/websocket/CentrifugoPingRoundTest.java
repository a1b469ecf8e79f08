package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.push.PushServer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's ping rounds when a round takes longer than the ping interval less the pong
 * timeout. Its check (a pong timeout after the round's end) then runs after the next round has
 * begun on the sweeper's one thread, and must not take that round's fresh ping for a missing pong
 * (3012), nor may a pong to either of two outstanding pings be refused as one without a ping
 * (3501). A load run of 19,000 subscribers on a busy machine, where one round of 19,000 sends
 * takes seconds, saw both.
 *
 * <p>Here the interval is 1 s and the timeout 999 ms, so any round longer than 1 ms overlaps the
 * next (1,000 clients: every send is a system call); each client answers 300 ms after a ping,
 * well inside the timeout.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CentrifugoPingRoundTest {
    private static final int CLIENTS = 1000;
    private static final long PONG_DELAY_MS = 300;

    @Test
    void clientsThatAnswerInTimeAreNeverClosedWhenTheRoundsOverlapTheirChecks() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(CentrifugoProtocolTest.SECRET).withAllowAnonymous(true)
                .withPing(Duration.ofSeconds(1), Duration.ofMillis(999));
        Map<String, LongAdder> closes = new ConcurrentHashMap<>();
        AtomicInteger connected = new AtomicInteger();
        LongAdder pings = new LongAdder();
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        try (PushServer push = CentrifugoSdkTest.start(config);
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(2),
                     WebSocketConfig.defaults().withIdleTimeout(Duration.ZERO))) {
            List<WebSocket> all = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                all.add(client.connect(WebSocketRequest.to(push.address(), PushServer.CENTRIFUGO_PATH), new WebSocketHandler() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        ws.sendText("{\"id\":1,\"connect\":{\"name\":\"test\"}}");
                    }

                    @Override
                    public void onText(WebSocket ws, ByteBuffer utf8) {
                        String m = WebSocketHandler.text(utf8);
                        if (m.equals("{}")) {
                            pings.increment();
                            later.schedule(() -> ws.sendText("{}"), PONG_DELAY_MS, TimeUnit.MILLISECONDS);
                        } else if (m.startsWith("{\"id\":1,\"connect\":")) {
                            connected.incrementAndGet();
                        }
                    }

                    @Override
                    public void onClose(WebSocket ws, int code, String reason) {
                        closes.computeIfAbsent(code + " " + reason, k -> new LongAdder()).increment();
                    }
                }).get(20, TimeUnit.SECONDS));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (connected.get() < CLIENTS && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(connected.get()).isEqualTo(CLIENTS);
            // four rounds and their checks (they come every second; the first within the first second)
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (pings.sum() < 4L * CLIENTS && closes.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(1500); // the last round's check
            Map<String, Long> closed = new TreeMap<>();
            closes.forEach((k, v) -> closed.put(k, v.sum()));
            assertThat(closed).as("clients closed by the server").isEmpty();
            assertThat(pings.sum()).as("pings received").isGreaterThanOrEqualTo(4L * CLIENTS);
            assertThat(push.centrifugo().noPongCloses()).isZero();
            assertThat(all).allMatch(WebSocket::isOpen);
        } finally {
            later.shutdownNow();
        }
    }
}
