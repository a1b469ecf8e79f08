package io.throng.rpc.conn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DeadlinesTest {

    @Test
    void dueDeadlinesFireOnceAndCancelledOnesNever() throws Exception {
        int n = 2000;
        CountDownLatch fired = new CountDownLatch(n / 2);
        AtomicInteger wrong = new AtomicInteger();
        AtomicLong early = new AtomicLong();
        for (int i = 0; i < n; i++) {
            long delay = TimeUnit.MILLISECONDS.toNanos(5 + (i % 300));
            long due = System.nanoTime() + delay;
            boolean cancel = i % 2 == 1;
            Deadlines.Timeout t = Deadlines.after(delay, () -> {
                if (cancel) {
                    wrong.incrementAndGet();
                }
                if (System.nanoTime() < due) {
                    early.incrementAndGet();
                }
                fired.countDown();
            });
            if (cancel) {
                t.cancel();
            }
        }
        assertThat(fired.await(20, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(400); // past every deadline: a cancelled one would have run by now
        assertThat(wrong.get()).isZero();
        assertThat(early.get()).isZero();
    }

    @Test
    void deadlinesBeyondOneTurnOfTheWheelWaitTheirTurn() throws Exception {
        long start = System.nanoTime();
        CountDownLatch fired = new CountDownLatch(1);
        AtomicLong at = new AtomicLong();
        Deadlines.after(TimeUnit.MILLISECONDS.toNanos(5300), () -> {
            at.set(System.nanoTime());
            fired.countDown();
        });
        assertThat(fired.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(at.get() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(5300));
    }
}
