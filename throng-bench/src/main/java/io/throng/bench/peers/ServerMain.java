package io.throng.bench.peers;

import java.io.IOException;
import java.io.InputStream;

/**
 * The protocol of a benchmark server process: print {@code port N} once listening, serve until
 * stdin closes, then stop. Each peer's main follows it so the benchmark treats them all alike.
 */
final class ServerMain {
    private ServerMain() {
    }

    static void announce(int port) {
        System.out.println("port " + port);
        System.out.flush();
    }

    /** Blocks until the parent closes our stdin (or dies). */
    static void awaitStdinClosed() {
        InputStream in = System.in;
        byte[] b = new byte[64];
        try {
            while (in.read(b) >= 0) {
                // ignore input: only its end matters
            }
        } catch (IOException ignored) {
            // the parent is gone
        }
    }

    static int cores() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
