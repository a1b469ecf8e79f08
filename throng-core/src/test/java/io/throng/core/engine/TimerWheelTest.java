package io.throng.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.Handler;
import io.throng.core.config.BufferConfig;
import io.throng.core.config.Limits;
import io.throng.core.config.SocketOptions;
import io.throng.core.config.WaterMarks;
import io.throng.core.config.TransportKind;
import io.throng.core.transport.MemorySocket;
import io.throng.core.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hashed wheel, driven with a fake clock (lastActivity and the advance time are ours to set). */
class TimerWheelTest {
    private static final long S = 1_000_000_000L;

    private final List<EngineConnection> expired = new ArrayList<>();
    private final Engine engine = engine(Duration.ofSeconds(5));
    private final Owner owner = owner(engine);

    private static Engine engine(Duration idle) {
        return new Engine("test", (Handler) (c, in) -> { }, Transport.of(TransportKind.NIO), Limits.DEFAULT.withIdleTimeout(idle),
                WaterMarks.DEFAULT, BufferConfig.DEFAULT, SocketOptions.DEFAULT);
    }

    private Owner owner(Engine e) {
        return new Owner(e) {
            @Override
            void schedule(EngineConnection c) { }

            @Override
            void interestChanged(EngineConnection c, int interest) { }

            @Override
            void deadlinePassed(EngineConnection c) {
                expired.add(c);
            }

            @Override
            void closed(EngineConnection c, io.throng.core.CloseReason reason) { }

            @Override
            void deadlineChanged(EngineConnection c) { }

            @Override
            void ready(EngineConnection c, int ops) { }
        };
    }

    private EngineConnection connection(long lastActivity) {
        EngineConnection c = new EngineConnection(owner, new MemorySocket());
        c.lastActivity = lastActivity;
        return c;
    }

    @Test
    void expiresAConnectionAtItsIdleDeadlineAndNotBefore() {
        long t0 = 1000 * S;
        TimerWheel wheel = new TimerWheel(t0);
        EngineConnection c = connection(t0);
        wheel.schedule(c, t0);
        wheel.advance(t0 + 4 * S);
        assertThat(expired).isEmpty();
        wheel.advance(t0 + 5 * S + TimerWheel.TICK_NANOS);
        assertThat(expired).containsExactly(c);
        assertThat(wheel.size()).isZero();
    }

    @Test
    void activityMovesTheDeadlineWithoutTouchingTheWheel() {
        long t0 = 1000 * S;
        TimerWheel wheel = new TimerWheel(t0);
        EngineConnection c = connection(t0);
        wheel.schedule(c, t0);
        c.lastActivity = t0 + 3 * S;            // active at 3 s: now due at 8 s
        wheel.advance(t0 + 6 * S);
        assertThat(expired).isEmpty();
        assertThat(wheel.size()).isEqualTo(1);
        wheel.advance(t0 + 8 * S + TimerWheel.TICK_NANOS);
        assertThat(expired).containsExactly(c);
    }

    @Test
    void deadlinesBeyondOneTurnWaitForTheirTurn() {
        Engine longIdle = engine(Duration.ofSeconds(120));
        long t0 = 1000 * S;
        TimerWheel wheel = new TimerWheel(t0);
        EngineConnection c = new EngineConnection(owner(longIdle), new MemorySocket());
        c.lastActivity = t0;
        wheel.schedule(c, t0);
        for (long t = t0; t < t0 + 119 * S; t += S) {
            wheel.advance(t);
        }
        assertThat(expired).isEmpty();
        wheel.advance(t0 + 121 * S);
        assertThat(expired).containsExactly(c);
    }

    @Test
    void cancelledConnectionsNeverExpire() {
        long t0 = 1000 * S;
        TimerWheel wheel = new TimerWheel(t0);
        EngineConnection a = connection(t0);
        EngineConnection b = connection(t0);
        EngineConnection d = connection(t0);
        wheel.schedule(a, t0);
        wheel.schedule(b, t0);
        wheel.schedule(d, t0);
        wheel.cancel(b);
        wheel.advance(t0 + 10 * S);
        assertThat(expired).containsExactlyInAnyOrder(a, d);
    }

    @Test
    void aLongPauseStillExpiresEverything() {
        long t0 = 1000 * S;
        TimerWheel wheel = new TimerWheel(t0);
        List<EngineConnection> all = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            EngineConnection c = connection(t0 + i * 10_000_000L);
            all.add(c);
            wheel.schedule(c, t0);
        }
        wheel.advance(t0 + 3600 * S); // an hour later, in one step
        assertThat(expired).containsExactlyInAnyOrderElementsOf(all);
    }

    @Test
    void loopsWithTimersWakeOnTheTickBoundariesOfTheMachinesClock() {
        long tick = TimerWheel.TICK_NANOS;
        assertThat(EventLoop.millisToNextTick(5 * tick)).isEqualTo(100);
        assertThat(EventLoop.millisToNextTick(5 * tick + 1)).isEqualTo(100); // rounded up: never before the boundary
        assertThat(EventLoop.millisToNextTick(5 * tick + 30_000_000L)).isEqualTo(70);
        assertThat(EventLoop.millisToNextTick(6 * tick - 10)).isEqualTo(1); // never 0: 0 means "do not wait"
        assertThat(EventLoop.millisToNextTick(-tick - 40_000_000L)).isEqualTo(40);
    }
}
