package io.throng.rpc.peer;

import com.google.protobuf.StringValue;
import com.tencent.trpc.core.common.ConfigManager;
import com.tencent.trpc.core.common.config.BackendConfig;
import com.tencent.trpc.core.common.config.ConsumerConfig;
import com.tencent.trpc.core.exception.TRpcException;
import com.tencent.trpc.core.rpc.RpcClientContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tRPC-Java 1.1.0 client that runs every interop scenario against a server on 127.0.0.1 and
 * prints one {@code RESULT <scenario> key=value ...} line per scenario, then {@code DONE}.
 * Usage: {@code TrpcJavaClient <port>}. The test asserts on the lines; this program judges nothing.
 */
public final class TrpcJavaClient {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        ConfigManager.getInstance().start();
        ProbeApi probe = proxy(port, 5000, ProbeApi.class);
        ProbeApi probeShort = proxy(port, 300, ProbeApi.class);
        AbsentApi absent = proxy(port, 5000, AbsentApi.class);

        result("echo", "value=" + probe.echo(new RpcClientContext(), StringValue.of("hello")).getValue());
        concurrent(probe);
        result("fail", call(() -> probe.fail(new RpcClientContext(), StringValue.of("x"))));
        result("limited", call(() -> probe.limited(new RpcClientContext(), StringValue.of("x"))));
        result("nosuch", call(() -> probe.noSuch(new RpcClientContext(), StringValue.of("x"))));
        result("absent", call(() -> absent.echo(new RpcClientContext(), StringValue.of("x"))));

        RpcClientContext meta = new RpcClientContext();
        meta.getReqAttachMap().put("app-key", "v1".getBytes(StandardCharsets.UTF_8));
        String value = probe.meta(meta, StringValue.of("")).getValue();
        Object reply = meta.getRspAttachMap().get("app-reply");
        result("meta", "value=" + value + " reply="
                + (reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply)));

        RpcClientContext att = new RpcClientContext();
        att.setRequestUncodecDataSegment("tail".getBytes(StandardCharsets.UTF_8));
        String body = probe.attach(att, StringValue.of("body")).getValue();
        byte[] back = att.getResponseUncodecDataSegment();
        result("attach", "value=" + body + " attachment=" + (back == null ? "null" : new String(back, StandardCharsets.UTF_8)));

        int errors = 0;
        for (int i = 0; i < 5; i++) {
            RpcClientContext ow = new RpcClientContext();
            ow.setOneWay(true);
            try {
                probe.notify(ow, StringValue.of("n" + i));
            } catch (RuntimeException e) {
                errors++;
            }
        }
        result("oneway", "sent=5 errors=" + errors);

        long t0 = System.nanoTime();
        String timeout = call(() -> probeShort.sleep(new RpcClientContext(), StringValue.of("3000:late")));
        result("timeout", timeout + " elapsedMs=" + (System.nanoTime() - t0) / 1_000_000);

        System.out.println("DONE");
        System.out.flush();
        Runtime.getRuntime().halt(0); // tRPC-Java's non-daemon threads would keep the JVM alive
    }

    /** 32 calls from 32 threads; call i starts at i*5 ms and sleeps (32-i)*20 ms on the server. */
    private static void concurrent(ProbeApi probe) throws InterruptedException {
        int n = 32;
        List<Integer> completed = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger bad = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(id * 5L);
                    String got = probe.sleep(new RpcClientContext(), StringValue.of((n - id) * 20 + ":" + id)).getValue();
                    if (got.equals(String.valueOf(id))) {
                        ok.incrementAndGet();
                    } else {
                        bad.incrementAndGet();
                    }
                    completed.add(id);
                } catch (Exception e) {
                    bad.incrementAndGet();
                    System.out.println("ERROR concurrent " + id + " " + e);
                } finally {
                    done.countDown();
                }
            });
            t.start();
        }
        done.await();
        result("concurrent", "ok=" + ok.get() + " bad=" + bad.get() + " first=" + completed.get(0)
                + " last=" + completed.get(completed.size() - 1));
    }

    private static String call(java.util.function.Supplier<StringValue> c) {
        try {
            return "value=" + c.get().getValue();
        } catch (TRpcException e) {
            return "code=" + e.getCode() + " biz=" + e.getBizCode() + " msg=" + e.getMessage();
        } catch (RuntimeException e) {
            Throwable t = e;
            while (t.getCause() != null && !(t instanceof TRpcException)) {
                t = t.getCause();
            }
            if (t instanceof TRpcException te) {
                return "code=" + te.getCode() + " biz=" + te.getBizCode() + " msg=" + te.getMessage();
            }
            return "exception=" + e;
        }
    }

    private static <T> T proxy(int port, int timeoutMs, Class<T> api) {
        BackendConfig backend = new BackendConfig();
        backend.setName("probe-" + api.getSimpleName() + "-" + timeoutMs);
        backend.setNamingUrl("ip://127.0.0.1:" + port);
        backend.setRequestTimeout(timeoutMs);
        ConsumerConfig<T> consumer = new ConsumerConfig<>();
        consumer.setServiceInterface(api);
        consumer.setBackendConfig(backend);
        return backend.getProxy(consumer);
    }

    private static void result(String scenario, String fields) {
        System.out.println("RESULT " + scenario + " " + fields.replace('\n', ' '));
        System.out.flush();
    }
}
