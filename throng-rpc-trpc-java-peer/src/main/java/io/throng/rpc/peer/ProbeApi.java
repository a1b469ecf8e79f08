package io.throng.rpc.peer;

import com.google.protobuf.StringValue;
import com.tencent.trpc.core.rpc.RpcContext;
import com.tencent.trpc.core.rpc.anno.TRpcMethod;
import com.tencent.trpc.core.rpc.anno.TRpcService;

/**
 * The probe service both peers speak: {@code /trpc.interop.probe.Probe/<Method>}, with protobuf
 * {@code StringValue} messages (content type 0).
 *
 * <ul>
 *   <li>{@code Echo}: returns the request.</li>
 *   <li>{@code Sleep}: the request is {@code "<ms>:<tag>"}; sleeps that long, returns the tag.</li>
 *   <li>{@code Fail}: answers with a business error (func_ret 42).</li>
 *   <li>{@code Meta}: returns the request's trans_info value under {@code app-key}, and sets
 *       {@code app-reply} in the response's.</li>
 *   <li>{@code Notify}: a one-way target; counts what it receives.</li>
 *   <li>{@code Attach}: returns the request and echoes its raw attachment.</li>
 *   <li>{@code NoSuch}: implemented by no server (the unknown-method case).</li>
 * </ul>
 */
@TRpcService(name = "trpc.interop.probe.Probe")
public interface ProbeApi {
    @TRpcMethod(name = "Echo")
    StringValue echo(RpcContext ctx, StringValue request);

    @TRpcMethod(name = "Sleep")
    StringValue sleep(RpcContext ctx, StringValue request);

    @TRpcMethod(name = "Fail")
    StringValue fail(RpcContext ctx, StringValue request);

    @TRpcMethod(name = "Limited")
    StringValue limited(RpcContext ctx, StringValue request);

    @TRpcMethod(name = "Meta")
    StringValue meta(RpcContext ctx, StringValue request);

    @TRpcMethod(name = "Notify")
    StringValue notify(RpcContext ctx, StringValue request);

    @TRpcMethod(name = "Attach")
    StringValue attach(RpcContext ctx, StringValue request);

    @TRpcMethod(name = "NoSuch")
    StringValue noSuch(RpcContext ctx, StringValue request);
}
