package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The conformance suite ({@link AutobahnCases}) against the echo server under every model, over
 * real loopback sockets. The heavy cases (messages of 4-16 MiB, 4 MiB in 64-byte fragments,
 * thousands of round trips) run under the multi-reactor model only, to keep CI short. After each
 * model's cases, every pooled buffer must be back: none leaked by any case, failed ones included.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class ConformanceTest {
    private static final String HEAVY_MODEL = "multi-reactor/epoll";
    private final Map<String, WebSocketServer> servers = new ConcurrentHashMap<>();

    private WebSocketServer server(WsVariant v) {
        return servers.computeIfAbsent(v.name(), name -> {
            try {
                return WebSocketServer.start(v.config(), EchoWebSocketHandler.conformanceConfig(), new EchoWebSocketHandler());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @TestFactory
    Stream<DynamicNode> everyCaseUnderEveryModel() {
        List<AutobahnCases.Case> cases = AutobahnCases.all();
        return WsVariant.ALL.stream().map(v -> {
            List<DynamicNode> tests = new ArrayList<>();
            for (AutobahnCases.Case c : cases) {
                if (c.heavy() && !v.name().equals(HEAVY_MODEL)) {
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(c.toString(), () -> c.body().run(server(v).address())));
            }
            tests.add(DynamicTest.dynamicTest("no buffer leaked, no handler error", () -> {
                WebSocketServer s = server(v);
                awaitNoConnections(s);
                assertThat(s.protocol().bufferPool().stats().lentBuffers()).as("assembly buffers lent").isZero();
                assertThat(s.stats().handlerErrors()).isZero();
                assertThat(s.stats().open()).isZero();
                assertThat(s.stats().handshakesInFlight()).isZero();
            }));
            return DynamicContainer.dynamicContainer(v.name(), tests);
        });
    }

    static void awaitNoConnections(WebSocketServer s) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (s.engineStats().connections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(s.engineStats().connections()).as("connections left").isZero();
    }

    @AfterAll
    void stopServers() {
        servers.values().forEach(WebSocketServer::close);
    }
}
