package io.throng.websocket.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The admission limit follows the rate connects leave the queue at, between its floor and its ceiling. */
class ConnectAdmissionTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long STALE = 10 * SECOND; // the budget: a quarter, 2.5 s

    @Test
    void theLimitIsWhatTheProcessConnectsInAQuarterOfTheStaleDelay() {
        ConnectAdmission a = new ConnectAdmission(1000, STALE, 0);
        assertThat(a.limit()).as("nothing measured yet: the floor").isEqualTo(ConnectAdmission.FLOOR);
        for (int i = 0; i < ConnectAdmission.FLOOR; i++) {
            assertThat(a.admit(1)).isTrue();
            a.opened();
        }
        assertThat(a.admit(2)).as("the floor reached").isFalse();
        assertThat(a.refused()).isEqualTo(1);

        // a fast second: 400 connected; the limit becomes 400 x 2.5 = 1000
        for (int i = 0; i < 400; i++) {
            a.connected();
            a.opened();
        }
        assertThat(a.admit(SECOND)).isTrue();
        assertThat(a.limit()).isEqualTo(1000);

        // a faster one: capped at the maximum
        for (int i = 0; i < 3000; i++) {
            a.connected();
            a.opened();
        }
        a.admit(2 * SECOND);
        assertThat(a.limit()).isEqualTo(1000);

        // a slow second (a cold worker among busy neighbours): 300 more waiting, 10 connected: the floor again
        for (int i = 0; i < 300; i++) {
            a.opened();
        }
        for (int i = 0; i < 10; i++) {
            a.connected();
        }
        assertThat(a.admit(3 * SECOND)).as("%d waiting", a.pending()).isFalse();
        assertThat(a.limit()).isEqualTo(ConnectAdmission.FLOOR);
        assertThat(a.behind()).isTrue();
    }

    @Test
    void closesBeforeConnectingLeaveTheQueueWithoutCountingInTheRate() {
        ConnectAdmission a = new ConnectAdmission(1000, STALE, 0);
        for (int i = 0; i < 300; i++) {
            a.opened();
        }
        assertThat(a.behind()).isTrue();
        for (int i = 0; i < 300; i++) {
            a.closedWaiting();
        }
        assertThat(a.behind()).isFalse();
        assertThat(a.pending()).isZero();
        a.admit(SECOND + 1);
        assertThat(a.limit()).isEqualTo(ConnectAdmission.FLOOR);
    }

    @Test
    void aMaximumBelowTheFloorIsTheLimit() {
        ConnectAdmission a = new ConnectAdmission(2, STALE, 0);
        assertThat(a.limit()).isEqualTo(2);
        a.opened();
        a.opened();
        assertThat(a.admit(1)).isFalse();
        for (int i = 0; i < 500; i++) {
            a.connected();
            a.opened();
        }
        a.admit(SECOND + 1);
        assertThat(a.limit()).isEqualTo(2);
    }
}
