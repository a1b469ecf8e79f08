package io.throng.cli.prefork;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The cluster's status line: the workers' latest counters added up, rates since the last line; for
 * push workers also each worker's subscribers and the bus's counters.
 */
final class ClusterStatus {
    private long lastNanos = System.nanoTime();
    private long lastAccepted;
    private long lastReads;
    private long lastMessages;
    private long lastIn;
    private long lastOut;
    private long lastBusRelayed;
    private long lastBusReceived;
    private long lastCentrifugoConnects;

    String line(List<JsonNode> reports, int live, int restarts) {
        long connections = 0;
        long accepted = 0;
        long reads = 0;
        long messages = 0;
        long in = 0;
        long out = 0;
        long rejected = 0;
        long acceptErrors = 0;
        long rss = 0;
        long heap = 0;
        long lentBuffers = 0;
        long lentBytes = 0;
        long poolBytes = 0;
        StringBuilder subscribers = new StringBuilder();
        long busRelayed = 0;
        long busReceived = 0;
        long busDropped = 0;
        long busRefused = 0;
        long busReconnects = 0;
        int busUp = 0;
        boolean push = false;
        boolean centrifugo = false;
        long cfSessions = 0;
        long cfPending = 0;
        long cfConnects = 0;
        long cfRefused = 0;
        for (JsonNode r : reports) {
            if (r == null) {
                subscribers.append(subscribers.isEmpty() ? "" : "+").append('-');
                continue;
            }
            JsonNode p = r.get("push");
            if (p != null) {
                push = true;
                subscribers.append(subscribers.isEmpty() ? "" : "+").append(p.get("subscribers").asLong());
                JsonNode b = r.get("bus");
                busRelayed += b.get("relayed").asLong();
                busReceived += b.get("received").asLong();
                busDropped += b.get("dropped").asLong();
                busRefused += b.get("refused").asLong();
                busReconnects += b.get("reconnects").asLong();
                busUp += "up".equals(b.get("state").asText()) ? 1 : 0;
                JsonNode c = r.get("centrifugo");
                if (c != null) {
                    centrifugo = true;
                    cfSessions += c.path("sessions").asLong();
                    cfPending += c.path("pending").asLong();
                    cfConnects += c.path("connects").asLong();
                    cfRefused += c.path("refused_upgrades").asLong();
                }
            }
            JsonNode s = r.get("stats");
            connections += s.get("connections").asLong();
            accepted += s.get("accepted").asLong();
            reads += s.get("reads").asLong();
            in += s.get("bytesRead").asLong();
            out += s.get("bytesWritten").asLong();
            rejected += s.get("rejected").asLong();
            acceptErrors += s.get("acceptErrors").asLong();
            messages += r.get("messages").asLong();
            rss += Math.max(0, r.get("rss").asLong());
            heap += Math.max(0, r.path("heap").asLong());
            lentBuffers += s.get("lentBuffers").asLong();
            lentBytes += s.get("lentBytes").asLong();
            poolBytes += s.get("poolBytes").asLong();
        }
        long now = System.nanoTime();
        double seconds = Math.max(1e-9, (now - lastNanos) / 1e9);
        String line = String.format("cluster %d/%d workers | conns %s | accepted/s %s | reads/s %s%s | in %s/s out %s/s%s%s | buffers %d (%s) pool %s | rss %s heap %s",
                live, reports.size(), count(connections), count(rate(accepted, lastAccepted, seconds)),
                count(rate(reads, lastReads, seconds)),
                messages > 0 ? " | msgs/s " + count(rate(messages, lastMessages, seconds)) : "",
                bytes(rate(in, lastIn, seconds)), bytes(rate(out, lastOut, seconds)),
                rejected + acceptErrors > 0 ? " | rejected " + rejected + " accept errors " + acceptErrors : "",
                restarts > 0 ? " | restarts " + restarts : "", lentBuffers, bytes(lentBytes), bytes(poolBytes), bytes(rss),
                bytes(heap));
        if (push) {
            // per worker, so that one sees how the kernel spread the subscribers
            line += String.format(" | subscribers %s | bus up %d/%d relayed/s %s received/s %s dropped %d refused %d reconnects %d",
                    subscribers, busUp, reports.size(), count(rate(busRelayed, lastBusRelayed, seconds)),
                    count(rate(busReceived, lastBusReceived, seconds)), busDropped, busRefused, busReconnects);
            lastBusRelayed = busRelayed;
            lastBusReceived = busReceived;
        }
        if (centrifugo) {
            // a restarted worker's connects count from zero again: rate() never goes negative
            line += String.format(" | centrifugo sessions %s pending %d connects/s %s refused upgrades %d", count(cfSessions),
                    cfPending, count(rate(cfConnects, lastCentrifugoConnects, seconds)), cfRefused);
            lastCentrifugoConnects = cfConnects;
        }
        lastNanos = now;
        lastAccepted = accepted;
        lastReads = reads;
        lastMessages = messages;
        lastIn = in;
        lastOut = out;
        return line;
    }

    /** A worker that restarted counts from zero again: never report a negative rate. */
    private static double rate(long now, long before, double seconds) {
        return Math.max(0, now - before) / seconds;
    }

    private static String count(double n) {
        return n < 10_000 ? String.format("%.0f", n) : n < 10_000_000 ? String.format("%.1fk", n / 1000)
                : String.format("%.2fM", n / 1e6);
    }

    private static String bytes(double n) {
        return n < 1024 ? String.format("%.0f B", n) : n < 1 << 20 ? String.format("%.1f KiB", n / 1024)
                : n < 1L << 30 ? String.format("%.1f MiB", n / (1 << 20)) : String.format("%.2f GiB", n / (1L << 30));
    }
}
