package io.throng.testsuite;

import io.throng.core.net.Server;
import io.throng.core.ServerStats;
import io.throng.core.handler.EchoHandler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;

/**
 * A server in a process of its own, for tests that need process-wide conditions (a low descriptor
 * limit). Prints "port N", then a stats line every 200 ms; stops when its stdin closes.
 */
public final class ChildServer {
    public static void main(String[] args) throws Exception {
        Variant v = Variant.ALL.stream().filter(x -> x.name().equals(args[0])).findFirst().orElseThrow();
        try (Server server = Server.start(v.config().withShutdownTimeout(Duration.ofSeconds(2)), new EchoHandler())) {
            System.out.println("port " + server.port());
            System.out.flush();
            Thread reporter = Thread.ofPlatform().daemon(true).start(() -> {
                while (true) {
                    ServerStats s = server.stats();
                    System.out.println("stats acceptErrors=" + s.acceptErrors() + " connections=" + s.connections()
                            + " accepted=" + s.accepted());
                    System.out.flush();
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
            while (in.readLine() != null) {
                // wait for the parent to close our stdin
            }
            reporter.interrupt();
        }
    }
}
