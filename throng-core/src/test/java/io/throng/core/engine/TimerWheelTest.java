package io.throng.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.Handler;
import io.throng.core.config.BufferConfig;
import io.throng.core.config.Limits;
import io.throng.core.config.SocketOptions;
import io.throng.core.config.WaterMarks;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hashed wheel, driven with a fake clock (lastActivity and the advance time are ours to set). */
class TimerWheelTest {
    private static final long S = 1_000_000_000L;

    private final List<ConnectionImpl> expired = new ArrayList<>();
    private final Engine engine = new Engine("test", (Handler) (c, in) -> { }, Limits.DEFAULT.withIdleTimeout(Duration.ofSeconds(5)),
            WaterMarks.DEFAULT, BufferConfig.DEFAULT, SocketOptions.DEFAULT);
    private final Owner owner = new Owner() {
        @Override
        void schedule(ConnectionImpl c) { }

        @Override
        void interestChanged(ConnectionImpl c, int interest) { }

        @Override
        void deadlinePassed(ConnectionImpl c) {
            expired.add(c);
        }

        @Override
        void closed(ConnectionImpl c) { }

        @Override
        void deadlineChanged(ConnectionImpl c) { }

        @Override
        boolean blocking() {
            return false;
        }
    };

    private ConnectionImpl connection(long lastActivity) {
        ConnectionImpl c = new ConnectionImpl(engine, owner) {
            @Override
            int readSocket(IoContext ctx, ByteBuffer dst, long base) {
                return 0;
            }

            @Override
            long writeSocket(IoContext ctx, ByteBuffer src, long base) {
                return 0;
            }

            @Override
            long writeSocket(IoContext ctx, ByteBuffer[] srcs, long[] bases, int offset, int length) {
                return 0;
            }

            @Override
            boolean setInterest(int ops) {
                return false;
            }

            @Override
            void shutdownOutputSocket() { }

            @Override
            void closeSocket(boolean reset) { }

            @Override
            public SocketAddress remoteAddress() {
                return null;
            }

            @Override
            public SocketAddress localAddress() {
                return null;
            }
        };
        c.lastActivity = lastActivity;
        return c;
    }

    @Test
    void expiresAConnectionAtItsIdleDeadlineAndNotBefore() {
        long t0 = 1000 * S;
        TimerWheel wheel = new TimerWheel(t0);
        ConnectionImpl c = connection(t0);
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
        ConnectionImpl c = connection(t0);
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
        Engine longIdle = new Engine("test", (Handler) (c, in) -> { }, Limits.DEFAULT.withIdleTimeout(Duration.ofSeconds(120)),
                WaterMarks.DEFAULT, BufferConfig.DEFAULT, SocketOptions.DEFAULT);
        long t0 = 1000 * S;
        TimerWheel wheel = new TimerWheel(t0);
        ConnectionImpl c = new ConnectionImpl(longIdle, owner) {
            @Override int readSocket(IoContext ctx, ByteBuffer dst, long base) { return 0; }
            @Override long writeSocket(IoContext ctx, ByteBuffer src, long base) { return 0; }
            @Override long writeSocket(IoContext ctx, ByteBuffer[] s, long[] b, int o, int l) { return 0; }
            @Override boolean setInterest(int ops) { return false; }
            @Override void shutdownOutputSocket() { }
            @Override void closeSocket(boolean reset) { }
            @Override public SocketAddress remoteAddress() { return null; }
            @Override public SocketAddress localAddress() { return null; }
        };
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
        ConnectionImpl a = connection(t0);
        ConnectionImpl b = connection(t0);
        ConnectionImpl d = connection(t0);
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
        List<ConnectionImpl> all = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ConnectionImpl c = connection(t0 + i * 10_000_000L);
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
