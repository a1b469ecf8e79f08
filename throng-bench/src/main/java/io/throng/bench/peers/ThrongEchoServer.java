package io.throng.bench.peers;

import io.throng.core.net.Server;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import io.throng.core.handler.TimestampEchoHandler;
import java.time.Duration;

/** A throng server with the seed's handler, for the benchmark: {@code <model> <transport> <port>}. */
public final class ThrongEchoServer {
    private ThrongEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        ServerConfig config = ServerConfig.defaults().withModel(Model.parse(args[0]))
                .withTransport(TransportKind.parse(args[1])).withPort(Integer.parseInt(args[2]))
                .withLoops(ServerMain.cores()).withShutdownTimeout(Duration.ofSeconds(3));
        Server server;
        try {
            server = Server.start(config, new TimestampEchoHandler());
        } catch (IllegalStateException e) {
            // a transport this machine cannot run (io_uring disabled, say): the bench reports it and goes on
            System.out.println("unavailable " + e.getMessage());
            System.out.flush();
            System.exit(2);
            return;
        }
        try (server) {
            ServerMain.announce(server.port());
            ServerMain.awaitStdinClosed();
        }
    }
}
