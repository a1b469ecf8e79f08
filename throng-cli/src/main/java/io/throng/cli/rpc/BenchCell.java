package io.throng.cli.rpc;

import io.throng.rpc.RpcException;
import io.throng.rpc.client.RpcClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One measurement: N callers, each a virtual thread calling in a loop (one call in flight per
 * caller, as tnet's comparison does), first for a warm-up then for the measured window; every
 * loop ends at its deadline. Latencies go to one HdrHistogram recorder, in microseconds.
 */
final class BenchCell {

    /**
     * @param serverCpuNanos CPU the server process used over the whole cell (warm-up included)
     * @param clientCpuNanos CPU this (client) process used over the whole cell
     * @param allCalls       calls completed over the whole cell, to divide the CPU figures by
     */
    record Result(String server, String client, int callers, long calls, long errors, double seconds,
                  Histogram latencyMicros, String firstError, long serverCpuNanos, long clientCpuNanos, long allCalls) {
        double qps() {
            return calls / seconds;
        }

        /** Server CPU microseconds per call: the figure a busy or shared machine distorts least. */
        double serverCpuMicrosPerCall() {
            return serverCpuNanos < 0 || allCalls == 0 ? Double.NaN : serverCpuNanos / 1000.0 / allCalls;
        }

        double clientCpuMicrosPerCall() {
            return clientCpuNanos < 0 || allCalls == 0 ? Double.NaN : clientCpuNanos / 1000.0 / allCalls;
        }
    }

    private BenchCell() {
    }

    static Result run(String server, String clientName, RpcClient client, String func, byte[] body, int callers,
                      Duration warmup, Duration measure, java.util.function.LongSupplier serverCpu) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        LongAdder calls = new LongAdder();
        LongAdder allCalls = new LongAdder();
        long serverCpu0 = serverCpu.getAsLong();
        long clientCpu0 = selfCpu();
        LongAdder errors = new LongAdder();
        AtomicReference<String> firstError = new AtomicReference<>();
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long end = measureFrom + measure.toNanos();
        List<Thread> threads = new ArrayList<>(callers);
        for (int i = 0; i < callers; i++) {
            threads.add(Thread.ofVirtual().name("bench-caller-", i).start(() -> {
                while (true) {
                    long t0 = System.nanoTime();
                    if (t0 - end >= 0) {
                        return;
                    }
                    boolean ok = true;
                    try {
                        client.call(func, body);
                    } catch (RpcException e) {
                        ok = false;
                        firstError.compareAndSet(null, e.toString());
                    }
                    long t1 = System.nanoTime();
                    allCalls.increment();
                    if (t0 - measureFrom >= 0 && t1 - end < 0) {
                        if (ok) {
                            calls.increment();
                            recorder.recordValue(Math.max(1, (t1 - t0) / 1000));
                        } else {
                            errors.increment();
                        }
                    }
                }
            }));
        }
        Histogram h = null;
        for (Thread t : threads) {
            t.join(TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 30_000);
        }
        h = recorder.getIntervalHistogram();
        long serverCpu1 = serverCpu.getAsLong();
        long clientCpu1 = selfCpu();
        return new Result(server, clientName, callers, calls.sum(), errors.sum(), measure.toNanos() / 1e9, h,
                firstError.get(), serverCpu0 < 0 ? -1 : serverCpu1 - serverCpu0, clientCpu0 < 0 ? -1 : clientCpu1 - clientCpu0,
                allCalls.sum());
    }

    private static long selfCpu() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }
}
