package io.throng.bench.peers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.net.InetSocketAddress;

/**
 * The incumbent over TLS: the echo server of {@link NettyEchoServer} behind Netty's
 * {@code SslHandler}, on the JDK's {@code SSLEngine} ({@code jdk}) or on BoringSSL through
 * netty-tcnative ({@code openssl}; Netty sets {@code SSL_MODE_RELEASE_BUFFERS} there, so an idle
 * connection keeps no OpenSSL buffer), TLS 1.3 and 1.2 with each provider's default ciphers.
 * Args: {@code <nio|epoll> <port> <jdk|openssl> <certificate.pem> <pkcs8-key.pem>}. Exits with
 * status 2 and a reason if the transport or the provider cannot run here.
 */
public final class NettyTlsEchoServer {
    private NettyTlsEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        IoHandlerFactory io;
        Class<? extends ServerChannel> channel;
        switch (args[0]) {
            case "nio" -> {
                io = NioIoHandler.newFactory();
                channel = NioServerSocketChannel.class;
            }
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    unavailable(String.valueOf(Epoll.unavailabilityCause()));
                }
                io = EpollIoHandler.newFactory();
                channel = EpollServerSocketChannel.class;
            }
            default -> throw new IllegalArgumentException("transport must be nio or epoll");
        }
        SslProvider provider = switch (args[2]) {
            case "jdk" -> SslProvider.JDK;
            case "openssl" -> {
                if (!OpenSsl.isAvailable()) {
                    unavailable(String.valueOf(OpenSsl.unavailabilityCause()));
                }
                yield SslProvider.OPENSSL;
            }
            default -> throw new IllegalArgumentException("provider must be jdk or openssl");
        };
        SslContext tls = SslContextBuilder.forServer(new File(args[3]), new File(args[4])).sslProvider(provider)
                .protocols("TLSv1.3", "TLSv1.2").build();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(ServerMain.cores(), io);
        try {
            Channel server = new ServerBootstrap().group(boss, workers).channel(channel)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()), new NettyEchoServer.Echo());
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]))).sync().channel();
            ServerMain.announce(((InetSocketAddress) server.localAddress()).getPort());
            ServerMain.awaitStdinClosed();
            server.close().sync();
        } finally {
            boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static void unavailable(String cause) {
        System.out.println("unavailable " + cause.replace('\n', ' '));
        System.out.flush();
        System.exit(2);
    }
}
