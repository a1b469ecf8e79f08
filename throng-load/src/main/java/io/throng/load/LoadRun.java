package io.throng.load;

import io.throng.core.net.Client;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.config.ClientConfig;
import io.throng.core.config.Limits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * One load process: opens its connections ({@link #connect()}), then runs the warm-up and the
 * measured window, the hold, or the broadcasts ({@link #measure()}). Split in two so that several
 * processes can be started together between the two (see {@link MultiProcessLoad}).
 *
 * <p>The driver thread paces connects, switches phases, samples progress and (ws-broadcast, when
 * this process is the publisher) publishes; the connections' work happens on the client's loops.
 * The TCP modes run their handler on throng's {@link Client}; the WebSocket modes run
 * {@link WsSubscribers} on throng's WebSocket client, which is the same engine underneath.
 */
public final class LoadRun implements AutoCloseable {
    /** Connects in flight at once, so a fast ramp does not overflow the server's SYN backlog. */
    private static final int MAX_PENDING_CONNECTS = 2048;
    /**
     * Upgrades in flight at once: a push server answers 503 above its max-handshakes-in-flight
     * (4,096 by default), so that four processes together stay under it.
     */
    private static final int MAX_PENDING_UPGRADES = 1024;
    /** After the last expected delivery, how long to keep listening for duplicates. */
    private static final long DUPLICATE_GRACE_NANOS = 200_000_000L;

    private final LoadOptions options;
    private final LoadStats stats = new LoadStats();
    private final Client client;
    private final WsSubscribers subscribers;
    /** The hold mode's handler (null in the other modes). */
    private final HoldHandler hold;
    private final Queue<Connection> opened = new ConcurrentLinkedQueue<>();
    private final Consumer<Progress> progress;
    private final InetSocketAddress target;
    private final InetSocketAddress[] sources;
    private final AtomicInteger nextSource = new AtomicInteger();
    private final Histogram window = new Histogram(100_000_000_000L, 3);
    private final ScheduledExecutorService retries;
    private final long started = System.nanoTime();
    private Histogram recycled;
    private double connectSeconds;
    private long lastTick = System.nanoTime();
    private long lastResponses;
    private volatile boolean stopRequested;
    private BroadcastPublisher.Publication publication;

    public LoadRun(LoadOptions options, Consumer<Progress> progress) throws IOException {
        this.options = options;
        this.progress = progress;
        this.target = new InetSocketAddress(options.host(), options.port());
        this.sources = sourceAddresses(target.getAddress(), options.srcIps());
        HoldHandler hold = null;
        Handler handler = switch (options.mode()) {
            case PINGPONG -> new PingPongHandler(stats, options.pipeline(), opened);
            case HOLD -> hold = new HoldHandler(stats, options.pingInterval(), options.quietRamp(), options.churn() > 0);
            case CONNRATE -> new ConnRateHandler(stats, options.linger0(), this::nextExchange);
            case WS_HOLD, WS_BROADCAST -> null;
        };
        int loops = options.loops() > 0 ? options.loops() : Math.max(1, Runtime.getRuntime().availableProcessors());
        ClientConfig config = ClientConfig.defaults().withLoops(loops).withTransport(options.transport())
                .withLimits(Limits.DEFAULT.withLingerTimeout(Duration.ofSeconds(1)))
                .withConnectTimeout(Duration.ofMillis((long) (options.connectTimeoutSeconds() * 1000)))
                .withTls(options.tls().clientConfig());
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon(true)
                .name("throng-load-retry").unstarted(r));
        this.hold = hold;
        if (handler != null) {
            this.client = Client.start(config, handler);
            this.subscribers = null;
        } else {
            this.client = null;
            this.subscribers = new WsSubscribers(options, stats, config);
        }
        if (options.mode().held() && !options.quietRamp()) {
            stats.phase = LoadStats.Phase.MEASURE; // held connections ping from the moment they open
        }
    }

    /** 127.0.0.2 .. 127.0.0.(1+K) when the target is on loopback; otherwise the kernel chooses. */
    private static InetSocketAddress[] sourceAddresses(InetAddress target, int k) throws IOException {
        if (!target.isLoopbackAddress() || k <= 1) {
            return new InetSocketAddress[] {null};
        }
        InetSocketAddress[] s = new InetSocketAddress[k];
        for (int i = 0; i < k; i++) {
            s[i] = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i)}), 0);
        }
        return s;
    }

    private InetSocketAddress nextSource() {
        return sources[Math.floorMod(nextSource.getAndIncrement(), sources.length)];
    }

    /** The ramp opens the connections due in each 100 ms together, at its end. */
    private static final long RAMP_GRID_NANOS = 100_000_000L;
    /**
     * The ramp's rate grows from zero to the rate asked over this long (at most a quarter of the
     * ramp): a million WebSocket subscribers' first upgrades, at the full rate while ~110 JVMs were
     * still compiling the connect and upgrade paths, timed out by the hundred.
     */
    static final double SOFT_START_SECONDS = 20;

    /** When connection {@code i} of {@code n} is due, in seconds from the ramp's start, at {@code rate} a second. */
    static double rampOffsetSeconds(long i, int n, double rate) {
        double soft = Math.min(SOFT_START_SECONDS, n / rate / 4);
        double openedSoftly = rate * soft / 2; // the rate grows linearly: rate * t^2 / (2 soft) by t
        return i < openedSoftly ? Math.sqrt(2 * soft * i / rate) : soft + (i - openedSoftly) / rate;
    }

    /** Opens the connections (all modes but connrate), paced by the rate; returns when each is up or failed. */
    public void connect() throws InterruptedException {
        if (options.mode() == LoadMode.CONNRATE) {
            return;
        }
        int n = options.conns();
        PortRange.ensure((n + sources.length - 1) / sources.length, sources.length);
        Semaphore pending = new Semaphore(subscribers != null ? MAX_PENDING_UPGRADES : MAX_PENDING_CONNECTS);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (options.rate() > 0) {
                // Opened in bursts on the monotonic clock's 100 ms boundaries, as every process of a
                // multi-process run does at the same instants: the server accepts a burst per wake-up.
                long due = Math.floorDiv(t0 + (long) (rampOffsetSeconds(i, n, options.rate()) * 1e9)
                        + RAMP_GRID_NANOS - 1, RAMP_GRID_NANOS) * RAMP_GRID_NANOS;
                for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(Math.min(wait, 100_000_000L));
                    maybeTick();
                }
            }
            while (!pending.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                maybeTick();
            }
            stats.connectAttempts.increment();
            InetSocketAddress source = nextSource();
            CompletableFuture<?> dialled = subscribers != null ? subscribers.connect(i, source) : client.connect(target, source);
            dialled.whenComplete((c, e) -> {
                pending.release();
                if (e != null) {
                    stats.connectFailed(e);
                }
            });
            maybeTick();
        }
        // a WebSocket has the connect timeout for TCP, then as long again for the upgrade
        double allowed = options.connectTimeoutSeconds() * (subscribers != null ? 2 : 1) + 5;
        long deadline = System.nanoTime() + (long) (allowed * 1e9);
        while (stats.established.sum() + stats.failureCount() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
            maybeTick();
        }
        connectSeconds = (System.nanoTime() - t0) / 1e9;
        tick();
    }

    /** Told when the measured window starts and ends (the benchmark reads the server's CPU time then). */
    public interface WindowListener {
        void windowStarted();

        void windowEnded();
    }

    /** The warm-up and the measured window (pingpong, connrate), the hold, or the broadcasts; then stops. */
    public LoadResult measure() throws InterruptedException {
        return measure(null);
    }

    /** As {@link #measure()}, telling {@code listener} (if not null) when the window starts and ends. */
    public LoadResult measure(WindowListener listener) throws InterruptedException {
        double windowSeconds;
        switch (options.mode()) {
            case PINGPONG, CONNRATE -> {
                stats.phase = LoadStats.Phase.WARMUP;
                if (options.mode() == LoadMode.PINGPONG) {
                    for (Connection c : opened) {
                        c.setTimer(Duration.ofNanos(1)); // the first pings go out from each connection's loop
                    }
                } else {
                    for (int i = 0; i < options.concurrency(); i++) {
                        nextExchange();
                    }
                }
                runFor(options.warmupSeconds());
                interval(false);
                if (listener != null) {
                    listener.windowStarted();
                }
                stats.phase = LoadStats.Phase.MEASURE;
                long windowStart = System.nanoTime();
                runFor(options.durationSeconds());
                interval(true);
                windowSeconds = (System.nanoTime() - windowStart) / 1e9;
                if (listener != null) {
                    listener.windowEnded();
                }
            }
            case HOLD, WS_HOLD -> {
                startHold();
                if (listener != null) {
                    listener.windowStarted();
                }
                long holdStart = System.nanoTime();
                if (options.churn() > 0) {
                    churnFor(options.durationSeconds());
                } else {
                    runFor(options.durationSeconds());
                }
                windowSeconds = (System.nanoTime() - holdStart) / 1e9;
                drain();
                interval(true);
                if (listener != null) {
                    listener.windowEnded();
                }
            }
            case WS_BROADCAST -> {
                startHold();
                if (listener != null) {
                    listener.windowStarted();
                }
                double holdFirst = options.ws().holdSeconds();
                if (holdFirst > 0) {
                    // the hold's pings are judged before the first broadcast, and none go out during them
                    runFor(holdFirst);
                    drain();
                    stats.phase = LoadStats.Phase.BROADCASTING;
                    tick();
                }
                long begin = System.nanoTime();
                broadcast();
                windowSeconds = (System.nanoTime() - begin) / 1e9;
                if (holdFirst == 0) {
                    drain();
                }
                interval(true);
                if (listener != null) {
                    listener.windowEnded();
                }
            }
            default -> throw new IllegalStateException();
        }
        long openAtEnd = stats.open.sum();
        long silent = options.mode().held() ? Math.max(0, openAtEnd - stats.pinged.sum()) : 0;
        stats.phase = LoadStats.Phase.STOPPING;
        tick();
        // The window's count is its histogram's: one source for the rate and the percentiles.
        long responses = window.getTotalCount();
        return new LoadResult(options, 1, stats.connectAttempts.sum(), stats.established.sum(), openAtEnd,
                stats.disconnects.sum(), stats.failures(), connectSeconds, windowSeconds, responses,
                responses / windowSeconds, stats.mismatches.sum(), stats.pingFailures.sum(), stats.lateEchoes.sum(),
                silent, LoadResult.Latency.of(window), LoadResult.encode(window), wsReport(), stats.churned.sum());
    }

    /** The hold starts: with a quiet ramp, the connections start pinging now. */
    private void startHold() {
        stats.phase = LoadStats.Phase.MEASURE;
        if (hold != null) {
            hold.startPinging();
        }
    }

    /**
     * After the hold: no new pings; waits (at most {@link LoadOptions#drainSeconds()}) for the
     * outstanding ones to be answered, and counts those that are not as failed. So every ping sent
     * in the hold is either answered or a failure, the last ones included.
     */
    private void drain() throws InterruptedException {
        stats.phase = LoadStats.Phase.DRAINING;
        Thread.sleep(20); // a ping being sent as the phase changed is counted as outstanding by now
        long deadline = System.nanoTime() + (long) (options.drainSeconds() * 1e9);
        while (stats.pingsOutstanding.sum() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
            maybeTick();
        }
        long unanswered = Math.max(0, stats.pingsOutstanding.sum());
        stats.pingFailures.add(unanswered);
        stats.pingsOutstanding.add(-unanswered);
    }

    /**
     * ws-broadcast: publishes every round (if this process is the publisher), then waits until every
     * subscriber has every round published, the delivery timeout passes, or the parent of a
     * multi-process run says stop ({@link #requestStop()}).
     */
    private void broadcast() throws InterruptedException {
        WsOptions ws = options.ws();
        long subscribed = stats.established.sum();
        long deadline;
        int rounds = ws.rounds();
        if (ws.publisher()) {
            publication = BroadcastPublisher.run(options, this::maybeTick);
            rounds = publication.rounds().size();
            deadline = System.nanoTime() + (long) (ws.deliveryTimeoutSeconds() * 1e9);
        } else {
            deadline = System.nanoTime() + (long) ((rounds * ws.intervalSeconds() + ws.deliveryTimeoutSeconds() + 60) * 1e9);
        }
        BroadcastTally tally = subscribers.tally();
        long expected = subscribed * rounds;
        while (!stopRequested && tally.distinct() < expected && System.nanoTime() - deadline < 0) {
            Thread.sleep(2);
            maybeTick();
        }
        if (tally.distinct() >= expected) {
            Thread.sleep(DUPLICATE_GRACE_NANOS / 1_000_000);
        }
    }

    /** The WebSocket figures of this process, or null in the TCP modes. */
    private WsReport wsReport() {
        if (subscribers == null) {
            return null;
        }
        WsReport.BroadcastReport b = null;
        if (options.mode() == LoadMode.WS_BROADCAST) {
            WsOptions ws = options.ws();
            b = WsReport.BroadcastReport.of(ws.messages(), ws.warmupMessages(), ws.messageBytes(), ws.publishVia().toString(),
                    null, subscribers.tally().rounds(stats.established.sum()));
            if (publication != null) {
                b = b.published(publication);
            }
        }
        return subscribers.report(b);
    }

    /** ws-broadcast in a child process: the parent has published everything and waited; report now. */
    public void requestStop() {
        stopRequested = true;
    }

    /** connect() then measure(), for a run in this process alone. */
    public LoadResult run() throws InterruptedException {
        connect();
        return measure();
    }

    /** Connection-rate mode: start the next short connection (from a loop when the last closed). */
    private void nextExchange() {
        if (!stats.running()) {
            return;
        }
        stats.connectAttempts.increment();
        client.connect(target, nextSource()).whenComplete((c, e) -> {
            if (e != null) {
                stats.connectFailed(e);
                // Out of ports or refused: try again shortly rather than spin.
                retries.schedule(this::nextExchange, 10, TimeUnit.MILLISECONDS);
            }
        });
    }

    private void runFor(double seconds) throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            Thread.sleep(Math.max(1, Math.min(left / 1_000_000, 250)));
            maybeTick();
        }
    }

    /**
     * The hold with churn: every 100 ms the connections due by then (churn a second) leave, oldest
     * first, and as many new ones open (they ping from their opening, as the others did).
     */
    private void churnFor(double seconds) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long done = 0;
        for (long now; (now = System.nanoTime()) < end; ) {
            long due = (long) (options.churn() * (now - start) / 1e9);
            for (; done < due; done++) {
                if (!hold.leave()) {
                    break;
                }
                stats.connectAttempts.increment();
                client.connect(target, nextSource()).whenComplete((c, e) -> {
                    if (e != null) {
                        stats.connectFailed(e);
                    }
                });
            }
            Thread.sleep(Math.max(1, Math.min((end - now) / 1_000_000, 100)));
            maybeTick();
        }
    }

    private void maybeTick() {
        if (System.nanoTime() - lastTick >= 1_000_000_000L) {
            tick();
        }
    }

    /** Samples progress; the interval's latencies go into the window while measuring. */
    private void tick() {
        long now = System.nanoTime();
        double dt = Math.max(1e-9, (now - lastTick) / 1e9);
        long responses = options.mode() == LoadMode.WS_BROADCAST ? stats.deliveries.sum() : stats.responses.sum();
        LoadStats.Phase phase = stats.phase;
        Histogram iv = interval(phase == LoadStats.Phase.MEASURE || phase == LoadStats.Phase.DRAINING
                || phase == LoadStats.Phase.BROADCASTING);
        double p99 = iv.getTotalCount() == 0 ? 0 : iv.getValueAtPercentile(99) / 1e3;
        progress.accept(new Progress(stats.phase.name().toLowerCase(java.util.Locale.ROOT), (now - started) / 1e9,
                stats.established.sum(), stats.open.sum(), stats.failureCount(), (responses - lastResponses) / dt, p99,
                stats.mismatches.sum(), stats.pingFailures.sum(), stats.deliveries.sum()));
        lastTick = now;
        lastResponses = responses;
    }

    private Histogram interval(boolean intoWindow) {
        Histogram iv = stats.latency.getIntervalHistogram(recycled);
        if (intoWindow) {
            window.add(iv);
        }
        recycled = iv;
        return iv;
    }

    @Override
    public void close() {
        stats.phase = LoadStats.Phase.STOPPING;
        retries.shutdownNow();
        if (subscribers != null) {
            subscribers.close();
        } else {
            client.close(Duration.ofSeconds(5));
        }
    }
}
