package io.throng.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.throng.rpc.server.RpcProtocol;
import io.throng.rpc.server.RpcServer;
import io.throng.rpc.server.RpcServerStats;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * An RPC server's meters under {@code throng.rpc.}: its request counters ({@link RpcServerStats})
 * read from one snapshot per scrape like {@link ServerMeters}, and its per-method call meters
 * ({@code throng.rpc.calls}, {@code throng.rpc.call.duration}), which the server records itself
 * as calls end (see {@link RpcServer#bindCallMeters}). For a TCP server bind {@link ServerMeters}
 * too: those are its connections and bytes, these its requests.
 *
 * <pre>{@code
 * metrics.bind(new RpcMeters(server, Tags.of("server", "127.0.0.1:8000")));
 * }</pre>
 *
 * Binding twice throws: a server's calls are counted in one registry.
 */
public final class RpcMeters implements SnapshotMeters {
    private final Snapshots<RpcServerStats> stats;
    private final BiConsumer<MeterRegistry, Tags> callMeters;
    private final Tags tags;

    /** {@code server}'s meters, each tagged with {@code tags} (e.g. {@code server=ip:port}). */
    public RpcMeters(RpcServer server, Iterable<Tag> tags) {
        this(server::stats, server::bindCallMeters, tags);
    }

    /** The meters of a protocol serving on an engine started by the caller. */
    public RpcMeters(RpcProtocol protocol, Iterable<Tag> tags) {
        this(protocol::stats, protocol::bindCallMeters, tags);
    }

    private RpcMeters(Supplier<RpcServerStats> stats, BiConsumer<MeterRegistry, Tags> callMeters, Iterable<Tag> tags) {
        this.stats = new Snapshots<>(stats);
        this.callMeters = callMeters;
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    public static RpcMeters of(RpcServer server) {
        return new RpcMeters(server, Tags.empty());
    }

    @Override
    public void refresh() {
        stats.refresh();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        callMeters.accept(registry, tags);
        MeterSet<RpcServerStats> m = new MeterSet<>(registry, stats::get, tags);
        m.gauge("throng.rpc.in.flight",
                "Unary requests and streams being handled now (max-concurrent-requests bounds them)",
                RpcServerStats::inFlight);
        m.tagged("kind", "unary").counter("throng.rpc.requests",
                "Unary requests received, by whether a reply is expected", RpcMeters::unary);
        m.tagged("kind", "oneway").counter("throng.rpc.requests",
                "Unary requests received, by whether a reply is expected", RpcServerStats::oneWay);
        m.counter("throng.rpc.replies", "Replies handed to the connection", RpcServerStats::replied);
        m.counter("throng.rpc.errors", "Requests answered with a non-zero ret or func_ret (one-way ones included)",
                RpcServerStats::errors);
        m.counter("throng.rpc.overloaded", "Requests and streams refused with ret 22 at max-concurrent-requests",
                RpcServerStats::overloaded);
        m.counter("throng.rpc.timeouts",
                "Requests answered with ret 21 (service timeout) or 24 (caller's timeout) as their handler overran",
                RpcServerStats::timedOut);
        m.counter("throng.rpc.no.route", "Requests and streams for an unknown service or func (ret 11, 12)",
                RpcServerStats::noRoute);
        m.counter("throng.rpc.malformed", "Connections closed (datagrams dropped over UDP) for a malformed frame",
                RpcServerStats::malformed);
        m.counter("throng.rpc.streams", "Streams opened", RpcServerStats::streams);
    }

    /** Requests that expect a reply, from one snapshot (two reads could straddle a refresh). */
    private static double unary(RpcServerStats s) {
        return s.requests() - s.oneWay();
    }
}
