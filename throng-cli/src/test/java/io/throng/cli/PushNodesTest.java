package io.throng.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.bus.BrokerProcess;
import io.throng.core.config.ClientConfig;
import io.throng.websocket.WebSocketClient;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.WebSocketRequest;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two {@code throng push} processes on one broker (a real redis-server or nats-server, started by
 * the test), as a deployment runs them: a subscriber on node A gets what is posted to node B; with
 * the broker killed, posting reports the failure (503); with the broker back on its port, delivery
 * resumes without restarting the nodes or the subscriber, and nothing arrives twice.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PushNodesTest {

    private static ThrongProcess node(BrokerProcess broker) throws Exception {
        return ThrongProcess.start("push", "--port", "0", "--model", "multi-reactor", "--loops", "1",
                "--bus", broker.url(), "--bus-backoff-min", "50ms", "--bus-backoff-max", "500ms",
                "--bus-timeout", "1s", "--bus-heartbeat", "500ms", "--status-interval", "0");
    }

    @ParameterizedTest
    @EnumSource(BrokerProcess.Kind.class)
    void aSubscriberOnOneNodeGetsWhatIsPostedToTheOtherAcrossABrokerRestart(BrokerProcess.Kind kind) throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(kind);
             ThrongProcess a = node(broker);
             ThrongProcess b = node(broker);
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults())) {
            int portA = a.pushPort(60);
            int portB = b.pushPort(60);
            assertThat(a.output()).contains("bus " + broker.url() + ": up");
            PushPreforkTest.Received sub = new PushPreforkTest.Received();
            client.connect(WebSocketRequest.to(new InetSocketAddress("127.0.0.1", portA), "/sub/alerts"), sub)
                    .get(10, TimeUnit.SECONDS);

            // Until the subscription has reached the broker, a message may pass A by: post until one arrives.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sub.messages.isEmpty()) {
                assertThat(System.nanoTime()).as("a first message arrived").isLessThan(deadline);
                assertThat(PushPreforkTest.postOnNewConnection(portB, "alerts", "hello")[0]).isEqualTo("HTTP/1.1 202 Accepted");
                Thread.sleep(50);
            }
            Thread.sleep(200);
            sub.messages.clear();
            for (int k = 0; k < 10; k++) {
                PushPreforkTest.postOnNewConnection(portB, "alerts", "before-" + k);
            }
            for (int k = 0; k < 10; k++) {
                assertThat(sub.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("before-" + k);
            }

            broker.kill();
            String[] r;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int accepted = 0;
            do {
                r = PushPreforkTest.postOnNewConnection(portB, "alerts", "outage-" + accepted++);
                Thread.sleep(20);
                // a publish that went to the dying link is refused too ("failed before ..."): go on to "is down"
            } while (!(r[0].contains(" 503 ") && r[1].contains(" is down")) && System.nanoTime() < deadline);
            assertThat(r[0]).as(r[1]).isEqualTo("HTTP/1.1 503 Service Unavailable");
            assertThat(r[1]).contains("\"accepted\":false").contains("bus " + broker.url() + " is down");
            b.await("bus " + broker.url() + ": down", 10);

            broker.startAgain();
            b.await("bus " + broker.url() + ": up again after", 20);
            a.await("bus " + broker.url() + ": up again after", 20);
            // B refuses (503) until it has heard A rejoin, which A announces once its subscriptions
            // are in place at the broker: so the first publish B accepts reaches A's subscriber.
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            do {
                r = PushPreforkTest.postOnNewConnection(portB, "alerts", "after");
                Thread.sleep(20);
            } while (r[0].contains(" 503 ") && System.nanoTime() < deadline);
            assertThat(r[0]).as(r[1]).isEqualTo("HTTP/1.1 202 Accepted");
            assertThat(sub.messages.poll(10, TimeUnit.SECONDS)).as("the first publish accepted after the restart").isEqualTo("after");
            Set<String> seen = new HashSet<>(Set.of("after"));
            for (int j = 0; j < 20; j++) {
                assertThat(PushPreforkTest.postOnNewConnection(portB, "alerts", "final-" + j)[0]).isEqualTo("HTTP/1.1 202 Accepted");
            }
            List<String> finals = new ArrayList<>();
            while (finals.size() < 20) {
                String m = sub.messages.poll(10, TimeUnit.SECONDS);
                assertThat(m).as("final messages arrive").isNotNull();
                assertThat(seen.add(m)).as("delivered twice: " + m).isTrue();
                if (m.startsWith("final-")) {
                    finals.add(m);
                } else {
                    assertThat(m).as("only late ones of this publisher before them, none of the outage").matches("after-\\d+");
                }
            }
            assertThat(finals).isEqualTo(IntStream.range(0, 20).mapToObj(j -> "final-" + j).toList());
            Thread.sleep(300);
            assertThat(sub.messages).as("nothing more, nothing twice").isEmpty();
            assertThat(a.stop(30)).isTrue();
            assertThat(b.stop(30)).isTrue();
        }
    }
}
