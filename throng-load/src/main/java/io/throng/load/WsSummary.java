package io.throng.load;

import java.util.List;

/** The human summary of a ws-hold or ws-broadcast result. */
final class WsSummary {
    /** Above this many rounds the table shows the first and last {@value #ENDS} only. */
    private static final int FULL_TABLE = 40;
    private static final int ENDS = 10;

    private WsSummary() {
    }

    static String of(LoadResult r) {
        LoadOptions o = r.options();
        WsReport ws = r.ws();
        StringBuilder s = new StringBuilder();
        s.append(String.format("throng load %s against %s, %d process%s%s%n", o.mode(), o.url(), r.processes(),
                r.processes() == 1 ? "" : "es", o.ws().centrifugo() == null ? ""
                        : ", Centrifugo protocol" + (o.ws().centrifugo().secretFile() == null && o.ws().centrifugo().secretEnv() == null
                        ? " (no tokens)" : " (HS256 tokens)")));
        int channels = ws == null ? o.ws().channels() : ws.channels();
        s.append(String.format("  %,d subscribers on %,d channel%s at %s/s, ping every %.1fs%s%n", o.conns(), channels,
                channels == 1 ? "" : "s", o.rate() > 0 ? String.format("%,.0f", o.rate()) : "max", o.pingInterval(),
                o.mode() == LoadMode.WS_HOLD ? String.format(", held %.1fs", r.windowSeconds()) : ""));
        s.append(String.format("  established %,d of %,d in %.2fs; open at the end %,d; lost %,d%n", r.established(),
                r.connectAttempts(), r.connectSeconds(), r.openAtEnd(), r.disconnects()));
        if (!r.connectFailures().isEmpty()) {
            s.append("  connect and handshake failures: ").append(r.connectFailures()).append('\n');
        }
        if (ws != null && !ws.closes().isEmpty()) {
            s.append("  closed by the server or the network: ").append(ws.closes()).append('\n');
        }
        if (ws != null) {
            s.append(String.format("  pings sent %,d, answered %,d, failed %,d", ws.pingsSent(), ws.pongs(), r.pingFailures()));
            if (r.lateEchoes() > 0) {
                s.append(String.format(" (%,d of them answered late)", r.lateEchoes()));
            }
            s.append(String.format("; subscribers with no ping answered %,d", r.silent()));
            s.append(String.format("; mismatches %d%n", r.mismatches()));
            if (o.ws().centrifugo() != null) {
                s.append(String.format("  the server's Centrifugo pings answered %,d%n", ws.serverPings()));
            }
        }
        if (o.mode() == LoadMode.WS_HOLD) {
            s.append(Load.latencyLine("ping round trip", r.latency()));
            return s.toString();
        }
        WsReport.BroadcastReport b = ws == null ? null : ws.broadcast();
        if (b == null) {
            return s.toString();
        }
        WsOptions w = o.ws();
        s.append(String.format("  %,d broadcasts (+%,d warm-up) of %,d B, one every %.2fs, published with %s%n", b.messages(),
                b.warmupMessages(), b.messageBytes(), w.intervalSeconds(),
                "binary".equals(b.publishedWith()) ? "the binary publish protocol" : "HTTP POST /pub/<channel>"));
        if (b.publishError() != null) {
            s.append("  publishing stopped early: ").append(b.publishError()).append('\n');
        }
        s.append(String.format("  delivered %,d of %,d expected; missed %,d; duplicates %,d%n", b.delivered(), b.expected(),
                b.missed(), b.duplicates()));
        s.append(String.format("  %9s %11s %11s %10s %10s %10s %10s%n", "broadcast", "server-subs", "delivered", "p50",
                "p99", "max", "to last"));
        List<WsReport.Round> rounds = b.rounds();
        for (int i = 0; i < rounds.size(); i++) {
            if (rounds.size() > FULL_TABLE && i == ENDS) {
                s.append(String.format("  %9s (%,d more)%n", "...", rounds.size() - 2 * ENDS));
                i = rounds.size() - ENDS;
            }
            WsReport.Round x = rounds.get(i);
            s.append(String.format("  %9s %11s %,11d %10s %10s %10s %10s%n", (x.index() + 1) + (x.warmup() ? "w" : ""),
                    x.serverSubscribers() < 0 ? "?" : String.format("%,d", x.serverSubscribers()), x.delivered(),
                    Progress.micros(x.p50Micros()), Progress.micros(x.p99Micros()), Progress.micros(x.maxMicros()),
                    Progress.micros(x.timeToLastMicros())));
        }
        WsReport.Spread last = b.timeToLastMicros();
        s.append(String.format("  time to the last subscriber over %d broadcasts (w: warm-up, left out): min %s  median %s  max %s%n",
                last.count(), Progress.micros(last.min()), Progress.micros(last.median()), Progress.micros(last.max())));
        s.append(Load.latencyLine("delivery latency", r.latency()));
        return s.toString();
    }
}
