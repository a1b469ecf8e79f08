/**
 * The tRPC wire protocol on the throng engine: frames, a server, multiplexed and pooled clients,
 * streams, and the YAML configuration in tRPC-Go's shape.
 */
module io.throng.rpc {
    requires transitive io.throng.core;
    requires org.yaml.snakeyaml;
    requires micrometer.core;

    exports io.throng.rpc;
    exports io.throng.rpc.client;
    exports io.throng.rpc.config;
    exports io.throng.rpc.frame;
    exports io.throng.rpc.server;
    exports io.throng.rpc.stream;
}
