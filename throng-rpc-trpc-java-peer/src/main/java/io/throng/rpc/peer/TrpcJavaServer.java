package io.throng.rpc.peer;

import com.google.protobuf.StringValue;
import com.tencent.trpc.core.common.ConfigManager;
import com.tencent.trpc.core.common.config.ProviderConfig;
import com.tencent.trpc.core.common.config.ServiceConfig;
import com.tencent.trpc.core.exception.TRpcException;
import com.tencent.trpc.core.rpc.RpcContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tRPC-Java 1.1.0 server with the probe service, for throng's clients to call.
 * Usage: {@code TrpcJavaServer <port>}. Prints {@code READY <port>} once it serves, then a line per
 * second while one-way calls arrive ({@code NOTIFIED <n>}); runs until killed or stdin closes.
 */
public final class TrpcJavaServer {
    private static final AtomicLong NOTIFIED = new AtomicLong();

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        ConfigManager.getInstance().start();
        ProviderConfig<ProbeApi> provider = new ProviderConfig<>();
        provider.setServiceInterface(ProbeApi.class);
        provider.setRef(new ProbeImpl());
        ServiceConfig service = new ServiceConfig();
        service.setName("trpc.interop.probe.Probe");
        service.setIp("127.0.0.1");
        service.setPort(port);
        service.setNetwork("tcp");
        service.addProviderConfig(provider);
        service.export();
        System.out.println("READY " + port);
        System.out.flush();
        // stop when the test closes our stdin (or kills us)
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // ignore input
                }
            } catch (Exception ignored) {
                // fall through
            }
            Runtime.getRuntime().halt(0);
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
        long last = -1;
        while (true) {
            Thread.sleep(200);
            long n = NOTIFIED.get();
            if (n != last) {
                System.out.println("NOTIFIED " + n);
                System.out.flush();
                last = n;
            }
        }
    }

    static final class ProbeImpl implements ProbeApi {
        @Override
        public StringValue echo(RpcContext ctx, StringValue request) {
            return request;
        }

        @Override
        public StringValue sleep(RpcContext ctx, StringValue request) {
            String[] parts = request.getValue().split(":", 2);
            try {
                Thread.sleep(Long.parseLong(parts[0]));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return StringValue.of(parts.length > 1 ? parts[1] : "");
        }

        @Override
        public StringValue fail(RpcContext ctx, StringValue request) {
            throw TRpcException.newBizException(42, "fail on purpose: " + request.getValue());
        }

        @Override
        public StringValue limited(RpcContext ctx, StringValue request) {
            throw TRpcException.newFrameException(23, "limited on purpose");
        }

        @Override
        public StringValue meta(RpcContext ctx, StringValue request) {
            Object v = ctx.getReqAttachMap().get("app-key");
            ctx.getRspAttachMap().put("app-reply", "pong".getBytes(StandardCharsets.UTF_8));
            return StringValue.of(v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(v));
        }

        @Override
        public StringValue notify(RpcContext ctx, StringValue request) {
            NOTIFIED.incrementAndGet();
            return request;
        }

        @Override
        public StringValue attach(RpcContext ctx, StringValue request) {
            ctx.setResponseUncodecDataSegment(ctx.getRequestUncodecDataSegment());
            return request;
        }

        @Override
        public StringValue noSuch(RpcContext ctx, StringValue request) {
            throw new UnsupportedOperationException("never registered on throng's side");
        }
    }
}
