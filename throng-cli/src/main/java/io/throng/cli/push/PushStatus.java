package io.throng.cli.push;

import io.throng.websocket.WebSocketStats;
import io.throng.websocket.push.PushServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One status line per interval: subscribers, channels, publish and delivery rates, drops, memory. */
final class PushStatus {
    private final PushServer push;
    private WebSocketStats previous;
    private long previousNanos = System.nanoTime();

    PushStatus(PushServer push) {
        this.push = push;
        this.previous = push.stats();
    }

    String next() {
        WebSocketStats s = push.stats();
        long now = System.nanoTime();
        double seconds = Math.max(1e-9, (now - previousNanos) / 1e9);
        String line = String.format("conns %d | subscribers %d | channels %d | published/s %s | delivered/s %s | dropped %d"
                        + " | slow closes %d | handshakes %d | rss %s heap %s",
                push.webSocketServer().engineStats().connections(), s.open(), s.topics(),
                count((s.publishes() - previous.publishes()) / seconds), count((s.deliveries() - previous.deliveries()) / seconds),
                s.dropped(), s.slowCloses(), s.handshakesInFlight(), bytes(rss()),
                bytes(Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()));
        previous = s;
        previousNanos = now;
        return line;
    }

    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static String count(double n) {
        return n < 10_000 ? String.format("%.0f", n) : n < 10_000_000 ? String.format("%.1fk", n / 1000)
                : String.format("%.2fM", n / 1e6);
    }

    private static String bytes(double n) {
        if (n < 0) {
            return "?";
        }
        return n < 1 << 20 ? String.format("%.1f KiB", n / 1024) : n < 1 << 30 ? String.format("%.1f MiB", n / (1 << 20))
                : String.format("%.2f GiB", n / (1 << 30));
    }
}
