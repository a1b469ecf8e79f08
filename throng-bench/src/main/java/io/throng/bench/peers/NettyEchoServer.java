package io.throng.bench.peers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.net.InetSocketAddress;

/**
 * The incumbent: a Netty 4.2 echo server written the way Netty's own examples write one (write in
 * channelRead, flush in channelReadComplete so a read burst becomes one writev), on the NIO, epoll
 * or io_uring transport, with as many event loops as throng's reactors get (one per core).
 * Args: {@code <nio|epoll|io_uring> <port>}. Exits with status 2 and a reason if the transport
 * cannot run here.
 */
public final class NettyEchoServer {
    private NettyEchoServer() {
    }

    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    public static void main(String[] args) throws Exception {
        String transport = args[0];
        IoHandlerFactory io;
        Class<? extends ServerChannel> channel;
        switch (transport) {
            case "nio" -> {
                io = NioIoHandler.newFactory();
                channel = NioServerSocketChannel.class;
            }
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    unavailable(Epoll.unavailabilityCause());
                }
                io = EpollIoHandler.newFactory();
                channel = EpollServerSocketChannel.class;
            }
            case "io_uring" -> {
                if (!IoUring.isAvailable()) {
                    unavailable(IoUring.unavailabilityCause());
                }
                io = IoUringIoHandler.newFactory();
                channel = IoUringServerSocketChannel.class;
            }
            default -> throw new IllegalArgumentException("transport must be nio, epoll or io_uring");
        }
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(ServerMain.cores(), io);
        try {
            Channel server = new ServerBootstrap().group(boss, workers).channel(channel)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new Echo())
                    .bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]))).sync().channel();
            ServerMain.announce(((InetSocketAddress) server.localAddress()).getPort());
            ServerMain.awaitStdinClosed();
            server.close().sync();
        } finally {
            boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static void unavailable(Throwable cause) {
        System.out.println("unavailable " + String.valueOf(cause).replace('\n', ' '));
        System.out.flush();
        System.exit(2);
    }
}
