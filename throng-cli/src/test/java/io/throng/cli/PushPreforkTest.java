package io.throng.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketClient;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.WebSocketHandler;
import io.throng.websocket.WebSocketRequest;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.push.PushPublisher;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code throng push --model prefork --procs 3} as a user runs it (a supervisor JVM and three
 * worker JVMs sharing the port, the embedded bus relayed by the supervisor): subscribers spread by
 * the kernel over all three workers each get every message published through any of them, by
 * HTTP or the binary protocol, once, and each worker's in the order it took them.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PushPreforkTest {
    static final Pattern SPREAD = Pattern.compile("\\| subscribers (\\d+)\\+(\\d+)\\+(\\d+) \\|");
    static final Pattern NODE = Pattern.compile("\"node\":\"[^\"]*/(\\d+)\"");

    /** A subscriber: what it received, in order. */
    static final class Received implements WebSocketHandler {
        final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();

        @Override
        public void onText(WebSocket ws, ByteBuffer utf8) {
            messages.add(StandardCharsets.UTF_8.decode(utf8).toString());
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /**
     * {@code POST /pub/<channel>} on a connection of its own (so that the kernel picks a worker
     * for each), {@code Connection: close}; returns the status line and body.
     */
    static String[] postOnNewConnection(int port, String channel, String body) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /pub/" + channel + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Length: " + b.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int head = response.indexOf("\r\n\r\n");
            return new String[] {response.substring(0, response.indexOf("\r\n")), head < 0 ? "" : response.substring(head + 4)};
        }
    }

    @Test
    void subscribersOnEveryWorkerGetEveryMessagePublishedThroughAnyWorker() throws Exception {
        int port = freePort();
        try (ThrongProcess push = ThrongProcess.start("push", "--model", "prefork", "--procs", "3", "--worker-model",
                "multi-reactor", "--loops", "1", "--port", Integer.toString(port), "--status-interval", "300ms",
                "--worker-jvm", "-Xmx192m");
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults())) {
            push.await("throng push on 127.0.0.1:" + port + " (prefork x3 multi-reactor, bus embedded", 90);
            String hubLine = push.await("prefork: bus hub on ", 5);
            Path hubSocket = Path.of(hubLine.substring("prefork: bus hub on ".length(), hubLine.indexOf(" (")));
            assertThat(hubSocket).exists();

            // Subscribers until the kernel has given every worker at least three (usually at once).
            List<Received> subscribers = new ArrayList<>();
            int[] spread = new int[3];
            while (subscribers.size() < 200) {
                for (int i = 0; i < 10; i++) {
                    Received r = new Received();
                    client.connect(WebSocketRequest.to(new InetSocketAddress("127.0.0.1", port), "/sub/news"), r)
                            .get(10, TimeUnit.SECONDS);
                    subscribers.add(r);
                }
                int total = subscribers.size();
                Matcher m = push.awaitMatch(SPREAD, x -> sum(x) == total, 20);
                for (int w = 0; w < 3; w++) {
                    spread[w] = Integer.parseInt(m.group(w + 1));
                }
                if (Arrays.stream(spread).allMatch(n -> n >= 3)) {
                    break;
                }
            }
            assertThat(Arrays.stream(spread).boxed().toList()).as("subscribers per worker").allMatch(n -> n >= 3);

            // Warm-up: until every subscriber has a message, every worker has subscribed at the hub.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (subscribers.stream().anyMatch(r -> r.messages.isEmpty())) {
                assertThat(System.nanoTime()).as("warm-up reached everyone").isLessThan(deadline);
                postOnNewConnection(port, "news", "warm-up");
                Thread.sleep(20);
            }
            Thread.sleep(300);
            subscribers.forEach(r -> r.messages.clear());

            // HTTP, each publish on a new connection, until every worker has taken at least three.
            Map<String, Integer> byWorker = new HashMap<>();
            List<String> sent = new ArrayList<>();
            for (int k = 0; k < 300 && (byWorker.size() < 3 || byWorker.values().stream().anyMatch(n -> n < 3)); k++) {
                String[] r = postOnNewConnection(port, "news", "http-" + k);
                assertThat(r[0]).as(r[1]).isEqualTo("HTTP/1.1 202 Accepted");
                Matcher node = NODE.matcher(r[1]);
                assertThat(node.find()).as(r[1]).isTrue();
                byWorker.merge(node.group(1), 1, Integer::sum);
                sent.add("http-" + k + "@" + node.group(1));
            }
            assertThat(byWorker).as("publishes taken per worker pid").hasSize(3);
            // The binary protocol: each publisher connection lands on some worker; ten pipelined each.
            for (int c = 0; c < 6; c++) {
                try (PushPublisher p = PushPublisher.connect(new InetSocketAddress("127.0.0.1", port))) {
                    for (int k = 0; k < 10; k++) {
                        p.send("news", ("bin" + c + "-" + k).getBytes(StandardCharsets.UTF_8));
                    }
                    for (int k = 0; k < 10; k++) {
                        PublishOutcome o = p.readResult();
                        assertThat(o).isInstanceOf(PublishOutcome.Accepted.class);
                        sent.add("bin" + c + "-" + k + "@" + ((PublishOutcome.Accepted) o).node().replaceAll(".*/", ""));
                    }
                }
            }

            Map<String, String> workerOf = new LinkedHashMap<>();
            for (String s : sent) {
                workerOf.put(s.substring(0, s.indexOf('@')), s.substring(s.indexOf('@') + 1));
            }
            for (Received r : subscribers) {
                Set<String> seen = new HashSet<>();
                Map<String, Integer> lastHttpPerWorker = new HashMap<>();
                Map<String, Integer> lastPerBinaryPublisher = new HashMap<>();
                for (int i = 0; i < workerOf.size(); i++) {
                    String m = r.messages.poll(10, TimeUnit.SECONDS);
                    assertThat(m).as("message " + (i + 1) + " of " + workerOf.size()).isNotNull();
                    assertThat(seen.add(m)).as("delivered twice: " + m).isTrue();
                    assertThat(workerOf).containsKey(m);
                    int seq = Integer.parseInt(m.substring(m.indexOf('-') + 1));
                    Integer before = m.startsWith("http-")
                            ? lastHttpPerWorker.put(workerOf.get(m), seq)
                            : lastPerBinaryPublisher.put(m.substring(0, m.indexOf('-')), seq);
                    assertThat(before == null ? -1 : before).as("order: " + m).isLessThan(seq);
                }
            }
            Thread.sleep(300);
            for (Received r : subscribers) {
                assertThat(r.messages).as("nothing more").isEmpty();
            }
            push.awaitMatch(Pattern.compile("\\| hub 3 workers 1 channels .* dropped 0"), x -> true, 10);

            assertThat(push.stop(60)).as("stopped on SIGTERM:\n" + push.output()).isTrue();
            assertThat(push.output()).contains("prefork: stopped");
            assertThat(Files.exists(hubSocket)).as("the hub's socket is removed").isFalse();
        }
    }

    private static int sum(Matcher m) {
        return Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)) + Integer.parseInt(m.group(3));
    }
}
