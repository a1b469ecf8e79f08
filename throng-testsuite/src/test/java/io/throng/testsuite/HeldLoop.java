package io.throng.testsuite;

import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.net.Server;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A single-reactor server whose handler holds its one event loop: a byte sent ({@link #hold})
 * and onData parks the loop until {@link #release} (or 20 s pass), which is what a held loop
 * looks like from outside (its lag, the dump). Closing releases it first, so that the server
 * can stop.
 */
final class HeldLoop implements AutoCloseable {
    private final CountDownLatch release = new CountDownLatch(1);
    private final Server server;
    private final SocketChannel ch;

    HeldLoop() throws IOException {
        Handler holding = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                in.position(in.limit());
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withModel(Model.SINGLE_REACTOR);
        server = Server.start(config, holding);
        try {
            ch = Net.connect(server.address());
        } catch (IOException e) {
            server.close();
            throw e;
        }
    }

    Server server() {
        return server;
    }

    /** Sends the byte the handler holds the loop on. */
    void hold() throws IOException {
        Net.writeFully(ch, ByteBuffer.wrap(new byte[] {1}));
    }

    /** Lets the handler return. */
    void release() {
        release.countDown();
    }

    @Override
    public void close() throws IOException {
        release();
        try {
            ch.close();
        } finally {
            server.close();
        }
    }
}
