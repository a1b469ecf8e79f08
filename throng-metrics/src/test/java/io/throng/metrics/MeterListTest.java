package io.throng.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.throng.core.config.ServerConfig;
import io.throng.core.handler.EchoHandler;
import io.throng.core.net.Server;
import io.throng.rpc.server.RpcReply;
import io.throng.rpc.server.RpcServer;
import io.throng.rpc.server.RpcServerOptions;
import io.throng.rpc.server.RpcService;
import io.throng.websocket.WebSocketStats;
import io.throng.websocket.bus.BusStats;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every meter each binder registers, pinned: name, tags, kind, base unit and description, as
 * listed in meters/*.txt next to this class. Dashboards and alerts are written against these, so a
 * change to one shows here first; when it is meant, change the list (and docs/operations.md).
 */
class MeterListTest {

    @Test
    void serverMeters() throws Exception {
        try (Server server = Server.start(ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1),
                new EchoHandler())) {
            assertThat(list(new ServerMeters(server::stats, Tags.of("server", "s")))).isEqualTo(pinned("server"));
        }
    }

    @Test
    void pushMeters() throws Exception {
        WebSocketStats stats = new WebSocketStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(list(new PushMeters(() -> stats, Tags.of("server", "s")))).isEqualTo(pinned("push"));
    }

    @Test
    void busMeters() throws Exception {
        BusStats stats = new BusStats("redis://127.0.0.1:6379", BusStats.State.UP, null, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(list(new BusMeters(() -> stats, Tags.of("bus", "redis://127.0.0.1:6379")))).isEqualTo(pinned("bus"));
    }

    @Test
    void centrifugoMeters() throws Exception {
        io.throng.websocket.centrifugo.CentrifugoStats stats = new io.throng.websocket.centrifugo.CentrifugoStats(0, 0, 0, 0, 0,
                0, 0, 0, 0);
        assertThat(list(new CentrifugoMeters(() -> stats, Tags.of("server", "s")))).isEqualTo(pinned("centrifugo"));
    }

    @Test
    void rpcMeters() throws Exception {
        RpcService service = RpcService.builder("trpc.throng.test.Meters").unary("Echo", r -> RpcReply.of(r.body())).build();
        try (RpcServer server = RpcServer.start(RpcServerOptions.defaults()
                .withEngine(ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1)), service)) {
            assertThat(list(new RpcMeters(server, Tags.of("server", "s")))).isEqualTo(pinned("rpc"));
        }
    }

    /** The meters {@code binder} registers, one line each, sorted. */
    static List<String> list(MeterBinder binder) {
        MeterRegistry registry = new SimpleMeterRegistry();
        binder.bindTo(registry);
        return registry.getMeters().stream().map(MeterListTest::line).sorted().toList();
    }

    private static String line(Meter m) {
        Meter.Id id = m.getId();
        String kind = m instanceof TimeGauge ? "time-gauge" : m instanceof Gauge ? "gauge"
                : m instanceof FunctionCounter ? "function-counter" : m instanceof Counter ? "counter"
                : m instanceof Timer ? "timer" : id.getType().name().toLowerCase(Locale.ROOT);
        String tags = id.getTags().stream().map(t -> t.getKey() + "=" + t.getValue()).collect(Collectors.joining(","));
        return id.getName() + "{" + tags + "} " + kind + (id.getBaseUnit() == null ? "" : " " + id.getBaseUnit())
                + ": " + id.getDescription();
    }

    private static List<String> pinned(String binder) throws IOException {
        try (InputStream in = MeterListTest.class.getResourceAsStream("meters/" + binder + ".txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }
}
