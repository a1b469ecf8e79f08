package io.throng.rpc.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.rpc.server.RpcServer;
import io.throng.rpc.server.RpcServerOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * tRPC-Java 1.1.0's client (a forked JVM) against our server: concurrent calls answered out of
 * order over its two pipelined connections (it matches on request_id, and sends stream id 0 and
 * version byte 0, which we echo), business and framework errors, unknown method and service,
 * trans_info both ways, attachments, one-way calls, and a timeout the server enforces.
 */
class TrpcJavaClientInteropTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Model.class, names = {"MULTI_REACTOR", "WORKER_POOL"})
    void theirClientAgainstOurServer(Model model) throws Exception {
        ProbeService probe = new ProbeService();
        RpcServerOptions o = RpcServerOptions.defaults().withEngine(ServerConfig.defaults().withHost("127.0.0.1")
                .withPort(0).withModel(model).withLoops(2));
        try (RpcServer server = RpcServer.start(o, probe.service())) {
            Map<String, String> r = parse(TrpcJavaPeer.runClient(server.port()));

            assertThat(r.get("echo")).isEqualTo("value=hello");

            Map<String, String> c = fields(r.get("concurrent"));
            assertThat(c).containsEntry("ok", "32").containsEntry("bad", "0");
            // call i was sent at i*5 ms and slept (32-i)*20 ms: the late senders finish first
            assertThat(Integer.parseInt(c.get("first"))).as("first completed").isGreaterThan(16);
            assertThat(Integer.parseInt(c.get("last"))).as("last completed").isLessThan(8);

            assertThat(r.get("fail")).isEqualTo("code=0 biz=42 msg=fail on purpose: x");
            assertThat(r.get("limited")).startsWith("code=23 biz=0 msg=limited on purpose");
            assertThat(r.get("nosuch")).isEqualTo("code=12 biz=0 msg=no such func: /trpc.interop.probe.Probe/NoSuch");
            assertThat(r.get("absent")).startsWith("code=11 biz=0 msg=no such service: 'trpc.interop.probe.Absent'");
            assertThat(r.get("meta")).isEqualTo("value=v1 reply=pong");
            assertThat(r.get("attach")).isEqualTo("value=body attachment=tail");
            assertThat(r.get("oneway")).isEqualTo("sent=5 errors=0");
            assertThat(fields(r.get("timeout"))).containsEntry("code", "101");

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((probe.notified.get() < 5 || server.stats().timedOut() < 1) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(probe.notified.get()).isEqualTo(5);
            assertThat(server.stats().oneWay()).isEqualTo(5);
            // their request carried timeout=300: we answered 24 and interrupted the handler
            assertThat(server.stats().timedOut()).isEqualTo(1);
            assertThat(probe.interrupted.get()).isEqualTo(1);
            // every request but the one-way ones got exactly one reply
            while (server.stats().replied() != server.stats().requests() - 5 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(server.stats().replied()).isEqualTo(server.stats().requests() - 5);
            assertThat(server.stats().malformed()).isZero();
        }
    }

    /** RESULT lines by scenario. */
    static Map<String, String> parse(List<String> lines) {
        Map<String, String> m = new HashMap<>();
        for (String l : lines) {
            if (l.startsWith("RESULT ")) {
                String rest = l.substring(7);
                int sp = rest.indexOf(' ');
                m.put(rest.substring(0, sp), rest.substring(sp + 1));
            }
        }
        return m;
    }

    /** key=value fields of a result line (values without spaces, except a trailing msg). */
    static Map<String, String> fields(String line) {
        Map<String, String> m = new HashMap<>();
        for (String f : line.split(" ")) {
            int eq = f.indexOf('=');
            if (eq > 0) {
                m.put(f.substring(0, eq), f.substring(eq + 1));
            }
        }
        return m;
    }
}
