package io.throng.websocket.centrifugo;

import io.throng.websocket.TopicRegistry;
import java.lang.System.Logger.Level;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The timers of every Centrifugo connection, on one thread that walks them all (the registry topic
 * {@value CentrifugoHandler#SESSIONS}): every ping interval it pings ({@code {}}) and, a pong
 * timeout later, closes a connection whose pong did not come (3012); every half stale delay it
 * closes one that never connected (3502) and one whose token expired without a refresh (3005),
 * and ends the subscriptions whose token did (2501); every minute it forgets the idle streams of
 * this process's history. No timer and no map per connection.
 *
 * <p>Thread: the rounds run on the sweeper's own thread ({@value #THREAD}, asserted); {@link
 * #close} and the counter on any.
 */
final class Sweeper implements AutoCloseable {
    /** The sweeper thread's name: the rounds assert they run on it. */
    static final String THREAD = "throng-centrifugo-sweeper";
    private static final System.Logger LOG = System.getLogger("io.throng.websocket.centrifugo");
    /**
     * The ping, one frame for every connection ({@link io.throng.websocket.WebSocket#sendPrepared}:
     * not counted as a delivery, past the slow-subscriber policy). Not {@code sendText}: sent from
     * this thread, each of those waits a yield to gather writes, and with 20 runnable processes on
     * the two cores a yield is a scheduling turn, so a round of 12,500 took longer than the SDK's
     * 35 s (ping interval plus its 10 s grace) and the SDKs reconnected in thousands (the
     * 100,000-subscriber hold of 2026-12-08, docs/centrifugo.md).
     */
    private static final io.throng.websocket.PreparedMessage PING = io.throng.websocket.PreparedMessage.text("{}");

    private final CentrifugoConfig config;
    private final TopicRegistry topics;
    private final Subscriptions subscriptions;
    private final ConnectAdmission admission;
    private final java.util.concurrent.atomic.LongAdder staleDelays = new java.util.concurrent.atomic.LongAdder();
    private final ScheduledExecutorService thread;
    private final LongAdder noPongCloses = new LongAdder();
    /** Ping rounds begun (the sweeper's thread only). */
    private long pingRounds;

    Sweeper(CentrifugoConfig config, TopicRegistry topics, Subscriptions subscriptions, ChannelHistory history,
            ConnectAdmission admission) {
        this.config = config;
        this.topics = topics;
        this.subscriptions = subscriptions;
        this.admission = admission;
        this.thread = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon(true).name(THREAD).factory());
        if (!config.pingInterval().isZero()) {
            long ping = config.pingInterval().toMillis();
            thread.scheduleAtFixedRate(this::pingAll, ping, ping, TimeUnit.MILLISECONDS);
        }
        // at half the stale delay, a connection that never connects is closed at most 1.5 delays after it opened
        long closes = Math.max(100, config.staleCloseDelay().toMillis() / 2);
        thread.scheduleAtFixedRate(this::closeStaleAndExpired, closes, closes, TimeUnit.MILLISECONDS);
        if (history.keptHere()) {
            long sweep = 60_000; // a minute: meta TTLs are hours or days (tests set shorter ones and sweep themselves)
            thread.scheduleAtFixedRate(() -> history.sweep(System.currentTimeMillis()), sweep, sweep, TimeUnit.MILLISECONDS);
        }
    }

    /** Stale deadlines put off because the process was behind, since start. Any thread. */
    long staleDelays() {
        return staleDelays.sum();
    }

    /** Connections closed for a missing pong (3012), since start. Any thread. */
    long noPongCloses() {
        return noPongCloses.sum();
    }

    private static boolean onSweeperThread() {
        return Thread.currentThread().getName().equals(THREAD);
    }

    /** Pings every connected client, and checks their pongs a pong timeout later. */
    private void pingAll() {
        assert onSweeperThread() : Thread.currentThread().getName();
        try {
            long round = pingRounds++;
            long start = System.nanoTime();
            topics.forEachSubscriber(CentrifugoHandler.SESSIONS, ws -> {
                if (ws.attachment() instanceof ClientSession s && s.connected() && s.pingDue(round)) {
                    ws.sendPrepared(PING);
                }
            });
            LOG.log(Level.DEBUG, () -> "centrifugo: ping round " + round + " took " + (System.nanoTime() - start) / 1_000_000 + " ms");
            // Checked a pong timeout after the round's end: a round longer than the interval less the
            // timeout has the next round run first, hence the per-round bookkeeping (ClientSession.pingDue).
            thread.schedule(() -> checkPongs(round), config.pongTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // closed meanwhile
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "centrifugo: the ping round failed", e); // the next one runs all the same
        }
    }

    /** Round {@code round}'s check; after round+2 began it leaves the pongs of its parity to that round's check. */
    private void checkPongs(long round) {
        assert onSweeperThread() : Thread.currentThread().getName();
        if (pingRounds > round + 2) {
            return;
        }
        topics.forEachSubscriber(CentrifugoHandler.SESSIONS, ws -> {
            if (ws.attachment() instanceof ClientSession s && s.connected() && s.pongDue(round)) {
                noPongCloses.increment();
                ws.close(Codes.CLOSE_NO_PONG, "no pong");
            }
        });
    }

    /**
     * Ends the subscriptions whose token expired (2501), and closes the connections that never
     * connected (3502) and those whose token expired without a refresh (3005).
     */
    private void closeStaleAndExpired() {
        assert onSweeperThread() : Thread.currentThread().getName();
        try {
            long now = System.currentTimeMillis();
            // Behind (the admission queue full): a connection still waiting may be waiting on us, or
            // on a client as starved as we are (a storm), and 3502 would end it for good. It gets
            // another stale delay, up to ClientSession.MAX_STALE_DELAYS times; a client that never
            // connects is closed all the same, a minute after its upgrade instead of 10-15 s.
            boolean behind = admission.behind();
            long later = now + config.staleCloseDelay().toMillis();
            long delayedBefore = staleDelays.sum();
            topics.forEachSubscriber(CentrifugoHandler.SESSIONS, ws -> {
                if (ws.attachment() instanceof ClientSession s) {
                    subscriptions.endExpired(ws, s, now);
                }
                if (ws.attachment() instanceof ClientSession s && now > s.deadline) {
                    if (s.connected()) {
                        ws.close(Codes.CLOSE_CONNECTION_EXPIRED, "connection expired");
                    } else if (behind && s.delayStale(later)) {
                        staleDelays.increment();
                    } else {
                        ws.close(Codes.CLOSE_STALE, "stale");
                    }
                }
            });
            long delayed = staleDelays.sum() - delayedBefore;
            if (delayed > 0) {
                LOG.log(Level.INFO, () -> "centrifugo: behind (" + admission.pending() + " connections waiting for their"
                        + " connect, the limit " + admission.limit() + "): " + delayed + " stale close(s) put off");
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "centrifugo: the stale and expiry round failed", e);
        }
    }

    /** Stops the rounds (a round under way ends at its next wait). */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
