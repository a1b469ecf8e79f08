package io.throng.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/** A self-contained HTML report: tables from the Markdown's numbers and inline SVG bar charts. */
final class Html {
    private static final int WIDTH = 820;
    private static final int LABEL = 250;
    private static final int ROW = 22;

    private Html() {
    }

    /** One bar: a value, an optional range (min..max) and a second stacked value. */
    record Bar(String label, double value, double low, double high, double stacked, boolean ours) {
    }

    static String render(Results.Report r) {
        StringBuilder s = new StringBuilder();
        Results.Machine m = r.machine();
        s.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>throng bench</title><style>")
                .append("body{font:14px/1.45 system-ui,sans-serif;max-width:900px;margin:2em auto;color:#222}")
                .append("h1,h2{font-weight:600}svg text{font:12px system-ui,sans-serif}")
                .append(".ours{fill:#2f6fbf}.peer{fill:#9a9a9a}.stack{fill:#f0a030}.range{stroke:#222;stroke-width:1}")
                .append("table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}")
                .append("td:first-child,th:first-child{text-align:left}.note{color:#555}</style></head><body>");
        s.append("<h1>throng bench</h1>");
        s.append(String.format(Locale.ROOT, "<p class=note><code>%s</code>, started %s, took %.1f minutes.<br>"
                        + "%d cores (%s), %.1f GiB, Linux %s, JDK %s; load and servers share the cores. "
                        + "Medians of %d round(s); whiskers span min to max. Blue: throng; grey: peers.</p>",
                esc(r.command()), esc(r.started()), r.durationSeconds() / 60, m.cores(), esc(m.cpu()),
                m.memoryBytes() / (1024.0 * 1024 * 1024), esc(m.kernel()), esc(m.jdk()), r.options().repeat()));
        for (int n : r.options().connections()) {
            List<Results.Summary> rows = r.summary().stream().filter(x -> x.connections() == n)
                    .sorted(Comparator.comparingDouble(Results.Summary::requestsPerSecond).reversed()).toList();
            if (rows.isEmpty()) {
                continue;
            }
            s.append(String.format(Locale.ROOT, "<h2>%,d connections</h2>", n));
            List<Bar> tput = new ArrayList<>();
            List<Bar> p99 = new ArrayList<>();
            for (Results.Summary x : rows) {
                boolean ours = x.target().startsWith("throng/");
                tput.add(new Bar(x.label(), x.requestsPerSecond(), x.minRequestsPerSecond(), x.maxRequestsPerSecond(), 0, ours));
                p99.add(new Bar(x.label(), x.p99Micros() / 1000, -1, -1, 0, ours));
            }
            s.append(chart("Requests per second", tput, v -> String.format(Locale.ROOT, "%,.0f", v)));
            s.append(chart("p99 round trip (ms)", p99, v -> String.format(Locale.ROOT, "%.2f ms", v)));
        }
        int largest = r.options().connections().stream().mapToInt(Integer::intValue).max().orElse(0);
        List<Bar> memory = new ArrayList<>();
        r.summary().stream().filter(x -> x.connections() == largest)
                .sorted(Comparator.comparingDouble(x -> x.rssPerConnection() + x.heapPerConnection()))
                .forEach(x -> memory.add(new Bar(x.label(), Math.max(0, x.heapPerConnection()), -1, -1,
                        Math.max(0, x.rssPerConnection()), x.target().startsWith("throng/"))));
        if (!memory.isEmpty()) {
            s.append(String.format(Locale.ROOT, "<h2>Memory per connection at %,d connections</h2>"
                    + "<p class=note>Bar: live heap growth per connection (after a full GC); orange: RSS growth per "
                    + "connection (which includes heap pages the JVM touched).</p>", largest));
            s.append(chart("Bytes per connection", memory, v -> String.format(Locale.ROOT, "%,.0f B", v)));
        }
        if (!r.rateSummary().isEmpty()) {
            List<Bar> rate = new ArrayList<>();
            for (Results.RateSummary x : r.rateSummary()) {
                rate.add(new Bar(x.label(), x.connectionsPerSecond(), -1, -1, 0, x.target().startsWith("throng/")));
            }
            s.append("<h2>Connection rate</h2>");
            s.append(chart("Short connections per second", rate, v -> String.format(Locale.ROOT, "%,.0f", v)));
        }
        s.append("<h2>Tables</h2><pre>").append(esc(Reports.markdown(r))).append("</pre>");
        s.append("</body></html>\n");
        return s.toString();
    }

    static String chart(String title, List<Bar> bars, DoubleFunction<String> fmt) {
        double max = 0;
        for (Bar b : bars) {
            max = Math.max(max, Math.max(b.value() + b.stacked(), b.high()));
        }
        if (max <= 0) {
            max = 1;
        }
        int plot = WIDTH - LABEL - 110;
        int height = 26 + bars.size() * ROW;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">", WIDTH, height, esc(title)));
        s.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"14\" font-weight=\"600\">%s</text>", esc(title)));
        int y = 24;
        for (Bar b : bars) {
            double w = b.value() / max * plot;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", LABEL - 6, y + 14, esc(b.label())));
            s.append(String.format(Locale.ROOT, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>",
                    b.ours() ? "ours" : "peer", LABEL, y + 3, w, ROW - 6));
            double end = w;
            if (b.stacked() > 0) {
                double w2 = b.stacked() / max * plot;
                s.append(String.format(Locale.ROOT, "<rect class=\"stack\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>",
                        LABEL + w, y + 3, w2, ROW - 6));
                end += w2;
            }
            if (b.high() > 0) {
                double x1 = LABEL + b.low() / max * plot;
                double x2 = LABEL + b.high() / max * plot;
                s.append(String.format(Locale.ROOT, "<line class=\"range\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
                        x1, y + ROW / 2, x2, y + ROW / 2));
                end = Math.max(end, b.high() / max * plot);
            }
            String text = b.stacked() > 0 ? fmt.apply(b.value()) + " + " + fmt.apply(b.stacked()) : fmt.apply(b.value());
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>", LABEL + end + 6, y + 14, esc(text)));
            y += ROW;
        }
        s.append("</svg>");
        return s.toString();
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
