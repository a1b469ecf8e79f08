package io.throng.rpc.interop;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import io.throng.rpc.RpcException;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.server.Execution;
import io.throng.rpc.server.RpcReply;
import io.throng.rpc.server.RpcRequest;
import io.throng.rpc.server.RpcService;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The interop probe service on our side, the same contract as the peer's ProbeApi: protobuf
 * {@code StringValue} messages at {@code /trpc.interop.probe.Probe/<Method>}.
 */
final class ProbeService {
    static final String NAME = "trpc.interop.probe.Probe";
    final AtomicInteger notified = new AtomicInteger();
    final AtomicInteger interrupted = new AtomicInteger();

    static String func(String method) {
        return "/" + NAME + "/" + method;
    }

    static byte[] sv(String s) {
        return StringValue.of(s).toByteArray();
    }

    static String sv(byte[] b) {
        try {
            return StringValue.parseFrom(b).getValue();
        } catch (InvalidProtocolBufferException e) {
            throw new RpcException(RetCode.SERVER_DECODE, "not a StringValue: " + e.getMessage());
        }
    }

    RpcService service() {
        return RpcService.builder(NAME)
                .unary("Echo", r -> RpcReply.of(r.body()), Execution.INLINE)
                .unary("Sleep", this::sleep)
                .unary("Fail", r -> {
                    throw RpcException.business(42, "fail on purpose: " + sv(r.body()));
                })
                .unary("Limited", r -> {
                    throw new RpcException(23, "limited on purpose");
                })
                .unary("Meta", r -> {
                    byte[] v = r.transInfo().getOrDefault("app-key", new byte[0]);
                    return RpcReply.of(sv(new String(v, StandardCharsets.UTF_8)))
                            .withTransInfo(Map.of("app-reply", "pong".getBytes(StandardCharsets.UTF_8)));
                })
                .unary("Attach", r -> RpcReply.of(r.body()).withAttachment(r.attachment()))
                .unary("Notify", r -> {
                    notified.incrementAndGet();
                    return RpcReply.of(r.body());
                })
                .build();
    }

    private RpcReply sleep(RpcRequest r) throws InterruptedException {
        String[] p = sv(r.body()).split(":", 2);
        try {
            Thread.sleep(Long.parseLong(p[0]));
        } catch (InterruptedException e) {
            interrupted.incrementAndGet();
            throw e;
        }
        return RpcReply.of(sv(p.length > 1 ? p[1] : ""));
    }
}
