package io.throng.cli.push;

import io.throng.load.Json;
import io.throng.websocket.WebSocketStats;
import io.throng.websocket.bus.BusStats;
import io.throng.websocket.bus.RelayBus;
import io.throng.websocket.push.PushServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One status line per interval: subscribers, channels, publish and delivery rates, drops, the bus,
 * memory. A prefork worker reports the raw counters as one JSON line instead, for its supervisor.
 */
final class PushStatus {
    private final PushServer push;
    private WebSocketStats previous;
    private BusStats previousBus;
    private long previousConnects;
    private long previousNanos = System.nanoTime();

    PushStatus(PushServer push) {
        this.push = push;
        this.previous = push.stats();
        this.previousBus = push.bus().stats();
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
        BusStats b = push.bus().stats();
        if (push.bus() instanceof RelayBus) {
            line += String.format(" | bus %s nodes %d relayed/s %s received/s %s dropped %d refused %d reconnects %d", b.state().id(),
                    b.nodes(), count((b.relayed() - previousBus.relayed()) / seconds), count((b.received() - previousBus.received()) / seconds),
                    b.dropped(), b.refused(), b.reconnects());
        }
        if (push.centrifugo() != null) {
            io.throng.websocket.centrifugo.CentrifugoStats c = push.centrifugo().stats();
            line += String.format(" | centrifugo sessions %d pending %d connects/s %s refused upgrades %d", c.sessions(),
                    c.pendingConnects(), count(Math.max(0, c.connects() - previousConnects) / seconds), c.refusedUpgrades());
            previousConnects = c.connects();
        }
        previous = s;
        previousBus = b;
        previousNanos = now;
        return line;
    }

    /** The counters as one JSON line, for a prefork supervisor to add up (see ClusterStatus). */
    String json() {
        WebSocketStats s = push.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", ProcessHandle.current().pid());
        m.put("stats", push.webSocketServer().engineStats());
        m.put("messages", s.messagesOut());
        m.put("rss", rss());
        m.put("heap", Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
        m.put("heap_committed", Runtime.getRuntime().totalMemory());
        m.put("heap_max", Runtime.getRuntime().maxMemory());
        m.put("threads", java.lang.management.ManagementFactory.getThreadMXBean().getThreadCount());
        m.put("ws", s); // every counter, for the supervisor's admin port to add up
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("subscribers", s.open());
        p.put("channels", s.topics());
        p.put("published", s.publishes());
        p.put("delivered", s.deliveries());
        p.put("dropped", s.dropped());
        m.put("push", p);
        BusStats b = push.bus().stats();
        Map<String, Object> bus = new LinkedHashMap<>();
        bus.put("state", b.state().id());
        bus.put("relayed", b.relayed());
        bus.put("received", b.received());
        bus.put("dropped", b.dropped());
        bus.put("refused", b.refused());
        bus.put("reconnects", b.reconnects());
        m.put("bus", bus);
        if (push.centrifugo() != null) {
            io.throng.websocket.centrifugo.CentrifugoStats c = push.centrifugo().stats();
            Map<String, Object> cf = new LinkedHashMap<>();
            cf.put("sessions", c.sessions());
            cf.put("pending", c.pendingConnects());
            cf.put("connects", c.connects());
            cf.put("refused_upgrades", c.refusedUpgrades());
            m.put("centrifugo", cf);
        }
        return "{\"status\":" + Json.write(m) + "}";
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
