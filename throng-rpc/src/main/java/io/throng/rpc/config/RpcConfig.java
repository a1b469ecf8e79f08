package io.throng.rpc.config;

import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.rpc.client.RpcClientOptions;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.server.RpcServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A tRPC-Go-shaped configuration file, read into records that code can also build directly:
 *
 * <pre>
 * server:
 *   transport: tnet                  # for every service; nio, gonet, epoll
 *   model: multi-reactor             # throng: the engine model (default multi-reactor)
 *   service:
 *     - name: trpc.throng.echo.Echo
 *       ip: 127.0.0.1
 *       port: 8000
 *       network: tcp
 *       transport: tnet              # this service only
 *       timeout: 1000                # ms
 *       tls_cert: server.pem         # TLS: the PEM chain and key (tRPC-Go's keys)
 *       tls_key: server.key
 *       ca_cert: clients-ca.pem      # optional: clients must present a certificate it signed
 * client:
 *   transport: tnet
 *   service:
 *     - name: trpc.throng.echo.Echo
 *       target: ip://127.0.0.1:8000
 *       conn_type: multiplexed       # or pooled
 *       multiplexed:
 *         max_vir_conns_per_conn: 25
 *         enable_metrics: true
 *       ca_cert: ca.pem              # TLS: the CAs to trust ("none": any certificate, for tests)
 *       tls_server_name: echo.internal
 * </pre>
 *
 * Unknown keys are errors naming their path; {@code global} and {@code plugins} (tRPC-Go
 * sections throng does not use) are accepted and ignored.
 *
 * @param services the server's listeners
 * @param backends the clients' backends
 */
public record RpcConfig(List<ServiceSettings> services, List<BackendSettings> backends) {

    public RpcConfig {
        services = List.copyOf(services);
        backends = List.copyOf(backends);
    }

    public static RpcConfig load(Path file) throws IOException {
        try {
            return parse(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static RpcConfig parse(String yaml) {
        try {
            return read(yaml);
        } catch (StackOverflowError e) {
            // A collection that holds itself through an alias (a: &x [*x], then *x inside a key) sends
            // SnakeYAML's hashCode, and any toString of it, round without end; nesting is otherwise
            // bounded (SnakeYAML's limit of 50), so only such a file gets here (found by RpcConfigFuzzTest).
            throw new IllegalArgumentException("the configuration holds itself through a YAML alias (&x ... *x)");
        }
    }

    private static RpcConfig read(String yaml) {
        Object parsed;
        try {
            parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        } catch (YAMLException | ClassCastException e) {
            // Bad YAML is a bad file like any other: an IllegalArgumentException, which load() names
            // the file in. SnakeYAML's own exception used to escape both, and so does its
            // ClassCastException for a !!binary tag on a sequence (2.5; found by RpcConfigFuzzTest).
            throw new IllegalArgumentException("not valid YAML: " + e.getMessage(), e);
        }
        YamlNode root = YamlNode.root(parsed);
        List<ServiceSettings> services = server(root.child("server"));
        List<BackendSettings> backends = client(root.child("client"));
        root.rejectUnknown("global", "plugins");
        return new RpcConfig(services, backends);
    }

    /** The backend called {@code name}. */
    public BackendSettings backend(String name) {
        for (BackendSettings b : backends) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new IllegalArgumentException("no client service named " + name + " in the configuration");
    }

    private static List<ServiceSettings> server(YamlNode server) {
        ServerConfig engine = ServerConfig.defaults();
        String transport = server.string("transport", "");
        Model model = Model.parse(server.string("model", engine.model().id()));
        int loops = server.integer("loops", engine.loops());
        Duration idle = server.millis("idletime", RpcServerOptions.DEFAULT_IDLE_TIMEOUT);
        int maxRoutines = server.integer("max_routines", RpcServerOptions.DEFAULT_MAX_CONCURRENT_REQUESTS);
        int maxFrame = server.integer("max_frame_size", FrameLimits.DEFAULT_MAX_FRAME_SIZE);
        List<ServiceSettings> out = new ArrayList<>();
        for (YamlNode s : server.list("service")) {
            String name = required(s, "name");
            String network = s.string("network", "tcp");
            String protocol = s.string("protocol", "trpc");
            if (!protocol.equals("trpc")) {
                throw new IllegalArgumentException(s.path("protocol") + ": only trpc is served, got " + protocol);
            }
            TransportChoice t = TransportChoice.resolve(s.string("transport", transport), network);
            out.add(new ServiceSettings(name, s.string("ip", engine.host()), s.integer("port", engine.port()), t,
                    s.millis("timeout", Duration.ZERO), s.integer("max_routines", maxRoutines),
                    s.millis("idletime", idle), Model.parse(s.string("model", model.id())),
                    s.integer("loops", loops), s.integer("max_frame_size", maxFrame), serverTls(s, network)));
            s.rejectUnknown();
        }
        server.rejectUnknown("app", "server", "bin_path", "conf_path", "data_path", "close_wait_time",
                "max_close_wait_time", "filter", "admin");
        return out;
    }

    private static List<BackendSettings> client(YamlNode client) {
        String transport = client.string("transport", "");
        Duration timeout = client.millis("timeout", io.throng.rpc.client.CallOptions.DEFAULT_TIMEOUT);
        String connType = client.string("conn_type", "pooled");
        List<BackendSettings> out = new ArrayList<>();
        for (YamlNode s : client.list("service")) {
            String name = required(s, "name");
            String network = s.string("network", "tcp");
            String protocol = s.string("protocol", "trpc");
            if (!protocol.equals("trpc")) {
                throw new IllegalArgumentException(s.path("protocol") + ": only trpc is spoken, got " + protocol);
            }
            TransportChoice t = TransportChoice.resolve(s.string("transport", transport), network);
            YamlNode mux = s.child("multiplexed");
            RpcClientOptions.Multiplexed m = RpcClientOptions.Multiplexed.DEFAULT
                    .withMaxVirConnsPerConn(mux.integer("max_vir_conns_per_conn", 0))
                    .withEnableMetrics(mux.bool("enable_metrics", false));
            mux.rejectUnknown();
            YamlNode pool = s.child("pool");
            RpcClientOptions.Pool p = RpcClientOptions.Pool.DEFAULT;
            p = p.withMaxActive(pool.integer("max_active", p.maxActive()))
                    .withIdleTimeout(pool.millis("idle_timeout", p.idleTimeout()))
                    .withMaxWaiting(pool.integer("max_waiting", p.maxWaiting()));
            pool.rejectUnknown();
            out.add(new BackendSettings(name, s.string("callee", name),
                    BackendSettings.parseTarget(required(s, "target"), s.path("target")), t,
                    s.millis("timeout", timeout),
                    BackendSettings.ConnType.parse(s.string("conn_type", connType), s.path("conn_type")), m, p,
                    clientTls(s, network)));
            s.rejectUnknown("namespace", "env_name", "set_name", "serialization", "compression", "filter");
        }
        client.rejectUnknown("namespace", "filter");
        return out;
    }

    /**
     * tRPC-Go's service TLS keys: {@code tls_cert} and {@code tls_key} (PEM files) turn TLS on;
     * {@code ca_cert} makes clients present a certificate signed by one of its CAs.
     */
    private static io.throng.core.tls.TlsConfig serverTls(YamlNode s, String network) {
        String cert = s.string("tls_cert", null);
        String key = s.string("tls_key", null);
        String ca = s.string("ca_cert", null);
        if (cert == null && key == null) {
            if (ca != null) {
                throw new IllegalArgumentException(s.path("ca_cert") + " needs tls_cert and tls_key");
            }
            return null;
        }
        if (cert == null || key == null) {
            throw new IllegalArgumentException(s.path(cert == null ? "tls_cert" : "tls_key") + " is required with "
                    + (cert == null ? "tls_key" : "tls_cert"));
        }
        if (!network.startsWith("tcp")) {
            throw new IllegalArgumentException(s.path("tls_cert") + ": TLS runs over tcp only, the network is " + network);
        }
        var c = io.throng.core.tls.TlsConfig.pem(java.nio.file.Path.of(cert), java.nio.file.Path.of(key));
        return ca == null ? c : c.withClientAuth(io.throng.core.tls.TlsConfig.ClientAuth.REQUIRED, java.nio.file.Path.of(ca));
    }

    /**
     * tRPC-Go's client TLS keys: {@code ca_cert} the CAs to trust ({@code none}: trust any
     * certificate, as tRPC-Go's InsecureSkipVerify), {@code tls_server_name} the name to check,
     * {@code tls_cert} and {@code tls_key} this client's own certificate. Any of them turns TLS on.
     */
    private static io.throng.core.tls.TlsClientConfig clientTls(YamlNode s, String network) {
        String cert = s.string("tls_cert", null);
        String key = s.string("tls_key", null);
        String ca = s.string("ca_cert", null);
        String name = s.string("tls_server_name", null);
        if (cert == null && key == null && ca == null && name == null) {
            return null;
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException(s.path(cert == null ? "tls_cert" : "tls_key") + " is required with "
                    + (cert == null ? "tls_key" : "tls_cert"));
        }
        if (!network.startsWith("tcp")) {
            throw new IllegalArgumentException(s.path("ca_cert") + ": TLS runs over tcp only, the network is " + network);
        }
        var c = ca == null ? io.throng.core.tls.TlsClientConfig.defaults()
                : ca.equals("none") ? io.throng.core.tls.TlsClientConfig.insecureForTests()
                : io.throng.core.tls.TlsClientConfig.trusting(java.nio.file.Path.of(ca));
        if (name != null) {
            c = c.withServerName(name);
        }
        if (cert != null) {
            c = c.withCertificate(new io.throng.core.tls.TlsConfig.PemFiles(java.nio.file.Path.of(cert), java.nio.file.Path.of(key)));
        }
        return c;
    }

    private static String required(YamlNode n, String key) {
        String v = n.string(key, null);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(n.path(key) + " is required");
        }
        return v;
    }
}
