package io.throng.rpc.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.core.config.Model;
import io.throng.core.config.TransportKind;
import io.throng.rpc.TestServices;
import io.throng.rpc.client.MultiplexedClient;
import io.throng.rpc.client.PooledClient;
import io.throng.rpc.client.RpcClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class RpcConfigTest {
    /** Whether this engine build can run tnet's epoll here; the expectations differ only in that. */
    static final boolean EPOLL = java.util.Arrays.stream(TransportKind.values()).anyMatch(k -> k.id().equals("epoll"))
            && System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux");

    static final String YAML = """
            global:
              namespace: Development
            server:
              transport: tnet
              model: worker-pool
              service:
                - name: trpc.throng.test.Probe
                  ip: 127.0.0.1
                  port: 0
                  network: tcp
                  protocol: trpc
                  timeout: 1500
                  max_routines: 500
                - name: trpc.throng.test.Second
                  ip: 127.0.0.1
                  port: 0
                  transport: nio
                  model: single-reactor
                  idletime: 2s
            client:
              transport: tnet
              timeout: 800
              service:
                - name: trpc.throng.test.Probe
                  target: ip://127.0.0.1:%d
                  conn_type: multiplexed
                  multiplexed:
                    max_vir_conns_per_conn: 25
                    enable_metrics: true
                - name: pooled-one
                  callee: trpc.throng.test.Probe
                  target: ip://127.0.0.1:%d
                  conn_type: pooled
                  timeout: 3s
                  pool:
                    max_active: 8
                    idle_timeout: 5000
            """;

    @Test
    void readsTrpcGoShapeWithFallbackAndThrongKeys() {
        RpcConfig c = RpcConfig.parse(YAML.formatted(1234, 1234));
        ServiceSettings s = c.services().getFirst();
        assertThat(s.name()).isEqualTo("trpc.throng.test.Probe");
        assertThat(s.transport().requested()).isEqualTo("tnet");
        if (EPOLL) {
            assertThat(s.transport().kind().id()).isEqualTo("epoll");
            assertThat(s.transport().fellBack()).isFalse();
        } else {
            assertThat(s.transport().kind()).isEqualTo(TransportKind.NIO);
            assertThat(s.transport().fallbackReason()).contains("epoll").contains("nio");
        }
        assertThat(s.model()).isEqualTo(Model.WORKER_POOL);
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(s.options().maxConcurrentRequests()).isEqualTo(500);
        ServiceSettings second = c.services().get(1);
        assertThat(second.transport().fellBack()).isFalse();
        assertThat(second.model()).isEqualTo(Model.SINGLE_REACTOR);
        assertThat(second.idleTimeout()).isEqualTo(Duration.ofSeconds(2));

        BackendSettings mux = c.backend("trpc.throng.test.Probe");
        assertThat(mux.connType()).isEqualTo(BackendSettings.ConnType.MULTIPLEXED);
        assertThat(mux.multiplexed().maxVirConnsPerConn()).isEqualTo(25);
        assertThat(mux.multiplexed().enableMetrics()).isTrue();
        assertThat(mux.timeout()).isEqualTo(Duration.ofMillis(800));
        BackendSettings pooled = c.backend("pooled-one");
        assertThat(pooled.callee()).isEqualTo("trpc.throng.test.Probe");
        assertThat(pooled.pool().maxActive()).isEqualTo(8);
        assertThat(pooled.pool().idleTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(pooled.timeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void serversAndClientsStartFromTheFileAndTalk() throws Exception {
        List<String> logged = new ArrayList<>();
        Logger jul = Logger.getLogger("io.throng.rpc.config");
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(capture);
        RpcConfig boot = RpcConfig.parse(YAML.formatted(1, 1));
        try (RpcServerGroup group = RpcServerGroup.start(boot.services(), Map.of(
                "trpc.throng.test.Probe", List.of(TestServices.probe()),
                "trpc.throng.test.Second", List.of(TestServices.probe())))) {
            int port = group.servers().getFirst().port();
            RpcConfig c = RpcConfig.parse(YAML.formatted(port, port));
            try (RpcClient mux = c.backend("trpc.throng.test.Probe").start();
                 RpcClient pooled = c.backend("pooled-one").start()) {
                assertThat(mux).isInstanceOf(MultiplexedClient.class);
                assertThat(pooled).isInstanceOf(PooledClient.class);
                for (RpcClient client : List.of(mux, pooled)) {
                    byte[] body = "hi".getBytes(StandardCharsets.UTF_8);
                    assertThat(client.call(TestServices.func("Echo"), body).body()).isEqualTo(body);
                }
            }
        } finally {
            jul.removeHandler(capture);
        }
        if (EPOLL) {
            assertThat(logged).noneMatch(l -> l.contains("transport tnet"));
        } else {
            assertThat(logged).anySatisfy(l -> assertThat(l)
                    .startsWith("service trpc.throng.test.Probe: transport tnet needs the engine's epoll transport"));
            assertThat(logged).anySatisfy(l -> assertThat(l).startsWith("client service trpc.throng.test.Probe: transport tnet"));
        }
    }

    /**
     * tRPC-Go's TLS keys: the server's tls_cert/tls_key/ca_cert (mutual TLS: the client must show a
     * certificate the CA signed), the client's ca_cert/tls_server_name/tls_cert/tls_key; both client
     * kinds call through it, and a client without a certificate is refused.
     */
    @Test
    void tlsFromTheTrpcGoKeysWithClientCertificates() throws Exception {
        io.throng.testca.TestCa ca = io.throng.testca.TestCa.get();
        String server = """
                server:
                  service:
                    - name: trpc.throng.test.Probe
                      ip: 127.0.0.1
                      port: 0
                      network: tcp
                      tls_cert: %s
                      tls_key: %s
                      ca_cert: %s
                """.formatted(ca.cert, ca.key, ca.ca);
        RpcConfig boot = RpcConfig.parse(server);
        assertThat(boot.services().getFirst().tls().clientAuth()).isEqualTo(io.throng.core.tls.TlsConfig.ClientAuth.REQUIRED);
        try (RpcServerGroup group = RpcServerGroup.start(boot.services(),
                Map.of("trpc.throng.test.Probe", List.of(TestServices.probe())))) {
            int port = group.servers().getFirst().port();
            String client = """
                    client:
                      service:
                        - name: trpc.throng.test.Probe
                          target: ip://127.0.0.1:%d
                          conn_type: %s
                          ca_cert: %s
                          tls_server_name: localhost
                          tls_cert: %s
                          tls_key: %s
                          timeout: 10000
                        - name: no-certificate
                          callee: trpc.throng.test.Probe
                          target: ip://127.0.0.1:%d
                          ca_cert: %s
                          timeout: 2000
                    """;
            // 10 s for the first call: the default 1 s was once too short for a cold TLS handshake
            // with client certificates on the loaded 2-core CI machine
            for (String kind : List.of("multiplexed", "pooled")) {
                // the client shows the other certificate the test CA signed
                RpcConfig c = RpcConfig.parse(client.formatted(port, kind, ca.ca, ca.otherCert, ca.otherKey, port, ca.ca));
                try (RpcClient rpc = c.backend("trpc.throng.test.Probe").start()) {
                    byte[] body = ("over TLS, " + kind).getBytes(StandardCharsets.UTF_8);
                    assertThat(rpc.call(TestServices.func("Echo"), body).body()).isEqualTo(body);
                }
                try (RpcClient anonymous = c.backend("no-certificate").start()) {
                    assertThatThrownBy(() -> anonymous.call(TestServices.func("Echo"), new byte[] {1}))
                            .as("a client without a certificate").isInstanceOf(Exception.class);
                }
            }
        }
        assertThatThrownBy(() -> RpcConfig.parse("server:\n  service:\n    - name: a\n      tls_cert: a.pem\n"))
                .hasMessageContaining("server.service[0].tls_key is required with tls_cert");
        assertThatThrownBy(() -> RpcConfig.parse("server:\n  service:\n    - name: a\n      network: udp\n      tls_cert: a\n      tls_key: b\n"))
                .hasMessageContaining("TLS runs over tcp only");
        assertThat(RpcConfig.parse("client:\n  service:\n    - name: a\n      target: ip://h:1\n      ca_cert: none\n")
                .backend("a").tls().insecure()).isTrue();
    }

    @Test
    void mistakesAreReportedWithTheirPath() {
        assertThatThrownBy(() -> RpcConfig.parse("server:\n  service:\n    - name: a\n      prot: 1\n"))
                .hasMessageContaining("unknown key server.service[0].prot");
        assertThatThrownBy(() -> RpcConfig.parse("client:\n  service:\n    - name: a\n      target: ip://h:1\n      multiplexed:\n        max_vir_conns_per_con: 3\n"))
                .hasMessageContaining("unknown key client.service[0].multiplexed.max_vir_conns_per_con");
        assertThatThrownBy(() -> RpcConfig.parse("client:\n  service:\n    - name: a\n      target: ip://h:1\n      conn_type: shared\n"))
                .hasMessageContaining("client.service[0].conn_type must be multiplexed or pooled");
        assertThatThrownBy(() -> RpcConfig.parse("client:\n  service:\n    - name: a\n      target: ip://h:1\n      network: udp\n"))
                .hasMessageContaining("network udp cannot be used");
        assertThatThrownBy(() -> RpcConfig.parse("server:\n  service:\n    - name: a\n      transport: quantum\n"))
                .hasMessageContaining("unknown transport 'quantum'");
        assertThatThrownBy(() -> RpcConfig.parse("server:\n  service:\n    - name: a\n      timeout: soon\n"))
                .hasMessageContaining("server.service[0].timeout must be milliseconds");
    }

    @Test
    void transportSeam() {
        assertThat(TransportChoice.resolve("gonet", "tcp").kind()).isEqualTo(TransportKind.NIO);
        assertThat(TransportChoice.resolve(null, null).fellBack()).isFalse();
        assertThat(TransportChoice.resolve("", "tcp").kind()).isEqualTo(io.throng.core.config.ServerConfig.defaults().transport());
        TransportChoice udp = TransportChoice.resolve("tnet", "udp");
        assertThat(udp.kind()).isEqualTo(TransportKind.NIO);
        assertThat(udp.fallbackReason()).isEqualTo("transport tnet does not support network udp; switching to the portable nio transport");
        // epoll: whatever TransportKind offers decides; with no epoll kind, nio with a reason
        boolean engineHasEpoll = java.util.Arrays.stream(TransportKind.values()).anyMatch(k -> k.id().equals("epoll"));
        TransportChoice tnet = TransportChoice.resolve("tnet", "tcp");
        if (engineHasEpoll && System.getProperty("os.name").toLowerCase().contains("linux")) {
            assertThat(tnet.kind().id()).isEqualTo("epoll");
            assertThat(tnet.fellBack()).isFalse();
        } else {
            assertThat(tnet.kind()).isEqualTo(TransportKind.NIO);
            assertThat(tnet.fallbackReason()).isNotBlank();
        }
    }
}
