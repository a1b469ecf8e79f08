import io.throng.core.config.ClientConfig;
import io.throng.websocket.*;
import io.throng.websocket.push.PushPublisher;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

/**
 * How long a publish to a large channel holds up the other connections of the event loop that read
 * it: N subscribers of "big", a prober connection that pings every 5 ms, and a publisher that
 * publishes R times to "big", one after the other; prints the pings' round trips during that.
 * Args: port N R. Run by scripts/publish-stall.sh.
 */
public class PublishStall {
    public static void main(String[] a) throws Exception {
        int port = Integer.parseInt(a[0]), n = Integer.parseInt(a[1]), rounds = Integer.parseInt(a[2]);
        InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
        AtomicLong got = new AtomicLong();
        try (WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(2), WebSocketConfig.defaults())) {
            List<CompletableFuture<WebSocket>> fs = new ArrayList<>();
            WebSocketHandler sub = new WebSocketHandler() {
                public void onText(WebSocket ws, ByteBuffer utf8) { got.incrementAndGet(); }
            };
            for (int i = 0; i < n; i++) {
                fs.add(client.connect(WebSocketRequest.to(addr, "/sub/big"), sub));
                if (i % 500 == 499) { for (var f : fs) f.get(30, TimeUnit.SECONDS); fs.clear(); }
            }
            for (var f : fs) f.get(30, TimeUnit.SECONDS);
            ConcurrentLinkedQueue<Long> rtts = new ConcurrentLinkedQueue<>();
            WebSocket prober = client.connect(WebSocketRequest.to(addr, "/sub/small"), new WebSocketHandler() {
                public void onPong(WebSocket ws, ByteBuffer p) { rtts.add(System.nanoTime() - p.getLong(p.position())); }
            }).get(10, TimeUnit.SECONDS);
            Thread.sleep(1000);
            AtomicBoolean stop = new AtomicBoolean();
            Thread pinger = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    prober.ping(ByteBuffer.allocate(8).putLong(0, System.nanoTime()));
                    try { Thread.sleep(5); } catch (InterruptedException e) { return; }
                }
            });
            Thread.sleep(500);
            rtts.clear();
            long t0 = System.nanoTime();
            try (PushPublisher p = PushPublisher.connect(addr)) {
                for (int r = 0; r < rounds; r++) {
                    p.publish("big", ("round " + r).getBytes());
                }
            }
            long took = System.nanoTime() - t0;
            while (got.get() < (long) n * rounds && System.nanoTime() - t0 < 60e9) Thread.sleep(10);
            stop.set(true); pinger.join();
            long[] v = rtts.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("%d subscribers, %d publishes in %.0f ms, delivered %d; pings %d: p50 %.2f ms p99 %.2f ms max %.2f ms%n",
                n, rounds, took / 1e6, got.get(), v.length, v[v.length / 2] / 1e6, v[(int) (v.length * 0.99)] / 1e6, v[v.length - 1] / 1e6);
        }
    }
}
