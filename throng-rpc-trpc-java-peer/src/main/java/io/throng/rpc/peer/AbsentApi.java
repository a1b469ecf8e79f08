package io.throng.rpc.peer;

import com.google.protobuf.StringValue;
import com.tencent.trpc.core.rpc.RpcContext;
import com.tencent.trpc.core.rpc.anno.TRpcMethod;
import com.tencent.trpc.core.rpc.anno.TRpcService;

/** A service no server registers: the unknown-service case (ret 11). */
@TRpcService(name = "trpc.interop.probe.Absent")
public interface AbsentApi {
    @TRpcMethod(name = "Echo")
    StringValue echo(RpcContext ctx, StringValue request);
}
