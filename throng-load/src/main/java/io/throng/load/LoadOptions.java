package io.throng.load;

import io.throng.core.config.TransportKind;
import java.util.Objects;

/**
 * One load run, as data: the CLI, the benchmark and the child processes of a multi-process run all
 * build (or read, as JSON) this record.
 *
 * @param mode            what the connections do
 * @param host            the server's address
 * @param port            the server's port
 * @param conns           connections (pingpong, hold)
 * @param pipeline        pings in flight per connection (pingpong; 1 = the seed's closed loop)
 * @param concurrency     connections in progress at once (connrate)
 * @param linger0         connrate: close with SO_LINGER 0 (RST, no TIME_WAIT)
 * @param rate            new connections per second while opening them; 0 for as fast as possible
 * @param pingInterval    seconds between a hold connection's pings
 * @param quietRamp       hold modes: connections start pinging only when the hold starts (every
 *                        process has opened its share), not as each opens; the ramp then costs
 *                        only its connects, and each connection's first ping is at a random point
 *                        of the hold's first interval
 * @param warmupSeconds   load before the measured window (pingpong, connrate)
 * @param durationSeconds the measured window (pingpong, connrate) or the hold time (hold)
 * @param srcIps          source addresses 127.0.0.2 .. 127.0.0.(1+K), so N can pass one address's ports
 * @param procs           client processes; each holds conns/procs connections
 * @param loops           event loops per process (0: one per core)
 * @param connectTimeoutSeconds a connection (WebSocket: its upgrade too) not established within this counts as a failure
 * @param ws              the WebSocket modes' settings (path, channels, broadcasts); ignored by the others
 * @param transport       the client engine's transport (auto: as the engine resolves it)
 * @param tls             TLS on the connections, or off
 * @param churn           hold: connections closed and opened again each second during the hold (the
 *                        oldest first, each once its ping is answered), so that a long hold also
 *                        exercises accept and close; 0 for none
 */
public record LoadOptions(LoadMode mode, String host, int port, int conns, int pipeline, int concurrency,
                          boolean linger0, double rate, double pingInterval, boolean quietRamp, double warmupSeconds,
                          double durationSeconds, int srcIps, int procs, int loops, double connectTimeoutSeconds,
                          WsOptions ws, TransportKind transport, LoadTls tls, double churn) {

    public LoadOptions {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(ws, "ws");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(tls, "tls");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be within 1..65535, got " + port);
        }
        if (conns < 1) {
            throw new IllegalArgumentException("conns must be >= 1, got " + conns);
        }
        if (pipeline < 1 || pipeline > 4096) {
            throw new IllegalArgumentException("pipeline must be within 1..4096, got " + pipeline);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
        }
        if (rate < 0 || pingInterval <= 0 || warmupSeconds < 0 || durationSeconds <= 0 || connectTimeoutSeconds <= 0) {
            throw new IllegalArgumentException("rate, warm-up >= 0; ping interval, duration, connect timeout > 0");
        }
        if (srcIps < 1 || srcIps > 250) {
            throw new IllegalArgumentException("src-ips must be within 1..250, got " + srcIps);
        }
        if (procs < 1 || procs > 256) {
            throw new IllegalArgumentException("procs must be within 1..256, got " + procs);
        }
        if (loops < 0) {
            throw new IllegalArgumentException("loops must be >= 0 (0: one per core), got " + loops);
        }
        if (churn < 0 || churn > 0 && mode != LoadMode.HOLD) {
            throw new IllegalArgumentException("churn is >= 0, and only for hold, got " + churn);
        }
        if (mode == LoadMode.WS_BROADCAST || mode.webSocket() && ws.centrifugo() != null) {
            ws.requirePushChannels();
        }
    }

    public static LoadOptions defaults(LoadMode mode) {
        return new LoadOptions(mode, "127.0.0.1", mode.webSocket() ? 8973 : 8972, 100, 1, 64, false, 0, 1.0, false, 2,
                10, 4, 1, 0, 10, WsOptions.defaults(), TransportKind.AUTO, LoadTls.OFF, 0);
    }

    public LoadOptions withTarget(String h, int p) {
        return new LoadOptions(mode, h, p, conns, pipeline, concurrency, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withConns(int n) {
        return new LoadOptions(mode, host, port, n, pipeline, concurrency, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withPipeline(int d) {
        return new LoadOptions(mode, host, port, conns, d, concurrency, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withConcurrency(int c) {
        return new LoadOptions(mode, host, port, conns, pipeline, c, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withLinger0(boolean v) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, v, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withRate(double r) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, r, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withPingInterval(double s) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, rate, s, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withQuietRamp(boolean q) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, rate, pingInterval, q,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withTiming(double warmup, double duration) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, rate, pingInterval, quietRamp,
                warmup, duration, srcIps, procs, loops, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withSrcIps(int k) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, k, procs, loops, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withProcs(int p) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, p, loops, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withLoops(int l) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, l, connectTimeoutSeconds, ws, transport, tls, churn);
    }

    public LoadOptions withConnectTimeout(double s) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, s, ws, transport, tls, churn);
    }

    public LoadOptions withTransport(TransportKind t) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, ws, t, tls, churn);
    }

    public LoadOptions withChurn(double perSecond) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, ws, transport, tls, perSecond);
    }

    public LoadOptions withWs(WsOptions w) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, w, transport, tls, churn);
    }

    /**
     * Hold modes: how long, after the hold, the run waits for the pings still outstanding (one
     * interval, at most 30 s); any still unanswered then count as failed.
     */
    public double drainSeconds() {
        return Math.min(pingInterval, 30);
    }

    public LoadOptions withTls(LoadTls v) {
        return new LoadOptions(mode, host, port, conns, pipeline, concurrency, linger0, rate, pingInterval, quietRamp,
                warmupSeconds, durationSeconds, srcIps, procs, loops, connectTimeoutSeconds, ws, transport, v, churn);
    }

    /** Target and path from a {@code ws://host:port/path} or {@code wss://} URL (wss turns TLS on). */
    public LoadOptions withUrl(String url) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + url);
        }
        boolean secure = "wss".equalsIgnoreCase(uri.getScheme());
        if (!secure && !"ws".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("expected a ws://host:port/path or wss:// URL, got " + url);
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        LoadOptions o = withTarget(uri.getHost(), uri.getPort() < 0 ? (secure ? 443 : 80) : uri.getPort()).withWs(ws.withPath(path));
        return secure && !tls.enabled() ? o.withTls(new LoadTls(true, false, null, true)) : o;
    }

    /** The subscribers' URL as given (with several channels, each subscriber's path gets its channel index), for reports. */
    public String url() {
        return (tls.enabled() ? "wss://" : "ws://") + host + ":" + port + ws.path();
    }

    /** This process's share when the run is split over {@link #procs} processes. */
    LoadOptions shareOf(int index) {
        int share = conns / procs + (index < conns % procs ? 1 : 0);
        int concurrencyShare = Math.max(1, concurrency / procs + (index < concurrency % procs ? 1 : 0));
        return new LoadOptions(mode, host, port, Math.max(1, share), pipeline, concurrencyShare, linger0,
                rate / procs, pingInterval, quietRamp, warmupSeconds, durationSeconds, srcIps, 1, loops,
                connectTimeoutSeconds, ws.withPublisher(false), transport, tls, churn / procs); // the parent publishes, so that one clock stamps every broadcast
    }
}
