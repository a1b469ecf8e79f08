package io.throng.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A plain JDK echo server on virtual threads, written for the tests: an independent peer (it shares
 * no code with throng). With {@code corruptEvery > 0} it flips a bit in every n-th 8-byte message.
 */
final class EchoServers implements AutoCloseable {
    private final ServerSocket server;
    private final Thread acceptor;

    EchoServers(int corruptEvery) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 1024);
        acceptor = Thread.ofPlatform().daemon(true).start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> serve(s, corruptEvery));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    int port() {
        return server.getLocalPort();
    }

    private static void serve(Socket s, int corruptEvery) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            s.setTcpNoDelay(true);
            byte[] msg = new byte[8];
            long count = 0;
            while (true) {
                int got = 0;
                while (got < 8) {
                    int n = in.read(msg, got, 8 - got);
                    if (n < 0) {
                        return;
                    }
                    got += n;
                }
                if (corruptEvery > 0 && ++count % corruptEvery == 0) {
                    msg[7] ^= 1;
                }
                out.write(msg);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
