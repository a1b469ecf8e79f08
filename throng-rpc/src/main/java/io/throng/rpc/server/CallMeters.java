package io.throng.rpc.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One unary method's meters: {@code throng.rpc.calls} by how the call ended and
 * {@code throng.rpc.call.duration}. Made once, when a registry is bound, and reached through the
 * route the request was routed by ({@link Router.Route#meters()}), so that a call looks nothing up
 * by name: a call answered with ret 0 is one counter increment and one {@link Timer#record};
 * an error also scans this method's few error series (an array, no allocation once its series
 * exists). Any thread.
 *
 * <p>Tags: {@code service}, {@code method}, {@code ret} and {@code type}. {@code ret} is the code
 * the caller gets, as tRPC-Go's {@code errs.Code} reads it: the framework {@code ret} when it is
 * not 0, else the handler's {@code func_ret}; {@code type} says which it is ({@code ok},
 * {@code framework}, {@code business}, as tRPC's error types), since the same number means
 * different things in each.
 */
final class CallMeters {
    static final String CALLS = "throng.rpc.calls";
    static final String DURATION = "throng.rpc.call.duration";
    /** The tag value of the one series that requests for unknown services and funcs count under. */
    static final String UNKNOWN = "?";
    /**
     * Distinct error codes one method counts apart; further ones count under {@code ret="other"}.
     * A handler may throw any int as its func_ret (an echo of its input, say), and every new value
     * would be a series the registry keeps forever; a service's error codes are an enum of a few
     * to a few dozen, so 32 keeps every code a real service has while bounding the worst case to
     * 32 series a method.
     */
    static final int MAX_CODES = 32;
    /**
     * The timer's histogram range. A handler run inline on the I/O thread answers in a few
     * microseconds, so the Prometheus buckets start at 10 µs (Micrometer's default for timers,
     * 1 ms, would put every such call in the first bucket); they end at 30 s, past any sane RPC
     * deadline. Micrometer clips its fixed bucket set (about 15 to each power of ten here) to the
     * range: 99 buckets and +Inf, so each method costs ~100 series a scrape (RpcMetersTest counts
     * them); a process with hundreds of methods would want fewer (a narrower range).
     */
    static final Duration MIN_EXPECTED = Duration.ofNanos(10_000);
    static final Duration MAX_EXPECTED = Duration.ofSeconds(30);

    /** An error series: {@link #key} of (type, code) and its counter. */
    private record Code(long key, Counter counter) {
    }

    private static final long BUSINESS = 1L << 32;
    private static final long OVERFLOW = 1L << 33;

    private final MeterRegistry registry;
    private final Tags tags;
    /** Null for the unknown routes' series: no handler ran, there is nothing to time. */
    private final Timer duration;
    private final Counter ok;
    /** The error series so far, replaced whole (copy on write) under this object's lock. */
    private volatile Code[] codes = new Code[0];

    private CallMeters(MeterRegistry registry, Tags tags, Timer duration) {
        this.registry = registry;
        this.tags = tags;
        this.duration = duration;
        this.ok = duration == null ? null : counter("0", "ok");
    }

    /** {@code service}'s {@code method}: its timer and its ret-0 series exist from the start (at 0). */
    static CallMeters of(MeterRegistry registry, Tags serverTags, String service, String method) {
        Tags tags = serverTags.and("service", service, "method", method);
        Timer duration = Timer.builder(DURATION).tags(tags)
                .description("Unary calls from the request decoded to the reply handed to the engine"
                        + " (to the handler's return for one-way calls)")
                .publishPercentileHistogram().minimumExpectedValue(MIN_EXPECTED).maximumExpectedValue(MAX_EXPECTED)
                .register(registry);
        return new CallMeters(registry, tags, duration);
    }

    /** The series of requests for a service or func this server does not have (ret 11, 12). */
    static CallMeters unknownRoutes(MeterRegistry registry, Tags serverTags) {
        return new CallMeters(registry, serverTags.and("service", UNKNOWN, "method", UNKNOWN), null);
    }

    /** A call that ran its handler ended with {@code ret}/{@code funcRet}; it started at {@code startNanos}. */
    void record(int ret, int funcRet, long startNanos) {
        duration.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        count(ret, funcRet);
    }

    /** A call answered without running a handler (no route, overload, shutting down): counted, not timed. */
    void count(int ret, int funcRet) {
        if (ret == 0 && funcRet == 0 && ok != null) {
            ok.increment();
            return;
        }
        long key = ret != 0 ? ret & 0xFFFFFFFFL : BUSINESS | (funcRet & 0xFFFFFFFFL);
        for (Code c : codes) {
            if (c.key == key) {
                c.counter.increment();
                return;
            }
        }
        add(key).increment();
    }

    /**
     * The counter of a code not seen before. Past {@link #MAX_CODES} codes every new one counts
     * under "other" and comes back here each time (a lock and a scan): the price of a method that
     * makes up codes, paid by it alone.
     */
    private synchronized Counter add(long key) {
        Code[] now = codes;
        for (Code c : now) {
            if (c.key == key) {
                return c.counter;
            }
        }
        boolean business = (key & BUSINESS) != 0;
        String type = business ? "business" : "framework";
        if (now.length >= MAX_CODES) {
            long overflow = OVERFLOW | (key & BUSINESS);
            for (Code c : now) {
                if (c.key == overflow) {
                    return c.counter;
                }
            }
            return append(now, new Code(overflow, counter("other", type)));
        }
        return append(now, new Code(key, counter(Integer.toString((int) key), type)));
    }

    private Counter append(Code[] now, Code code) {
        Code[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = code;
        codes = next;
        return code.counter;
    }

    private Counter counter(String ret, String type) {
        return Counter.builder(CALLS).tags(tags).tag("ret", ret).tag("type", type)
                .description("Unary calls by how they ended: ret is the framework ret, or the func_ret when"
                        + " ret is 0 (type business); service=\"?\" counts unknown services and funcs")
                .register(registry);
    }
}
