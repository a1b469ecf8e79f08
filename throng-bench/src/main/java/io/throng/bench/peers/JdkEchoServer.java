package io.throng.bench.peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The plainest modern Java server: {@code java.net.ServerSocket}, one virtual thread per connection,
 * blocking streams. What a user gets with no library at all. Args: {@code <port>}.
 */
public final class JdkEchoServer {
    private JdkEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 4096);
        Thread.ofPlatform().daemon(true).name("acceptor").start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> echo(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        ServerMain.announce(server.getLocalPort());
        ServerMain.awaitStdinClosed();
        server.close();
    }

    private static void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            s.setTcpNoDelay(true);
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // the client went away
        }
    }
}
