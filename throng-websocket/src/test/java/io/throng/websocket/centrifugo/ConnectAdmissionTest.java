package io.throng.websocket.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The admission limit: the maximum while nobody is refused; under pressure, the rate connects
 * leave the queue at times a quarter of the stale delay, never below the floor.
 */
class ConnectAdmissionTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long STALE = 10 * SECOND; // the budget: a quarter, 2.5 s

    private static void open(ConnectAdmission a, int n) {
        for (int i = 0; i < n; i++) {
            a.opened();
        }
    }

    private static void connect(ConnectAdmission a, int n) {
        for (int i = 0; i < n; i++) {
            a.connected();
        }
    }

    @Test
    void underPressureTheLimitIsWhatTheProcessConnectsInAQuarterOfTheStaleDelay() {
        ConnectAdmission a = new ConnectAdmission(1000, STALE, 0);
        assertThat(a.limit()).as("nothing refused yet: the maximum").isEqualTo(1000);
        open(a, 1000);
        assertThat(a.admit(1)).isFalse();
        assertThat(a.refused()).isEqualTo(1);

        // a slow second under pressure (a cold worker among busy neighbours): 10 connected: the floor
        connect(a, 10);
        assertThat(a.admit(SECOND)).as("%d waiting", a.pending()).isFalse();
        assertThat(a.limit()).isEqualTo(ConnectAdmission.FLOOR);
        assertThat(a.behind()).isTrue();

        // a faster one, still refusing: 200 connected, 200 x 2.5 = 500
        connect(a, 200);
        assertThat(a.admit(2 * SECOND)).as("%d waiting", a.pending()).isFalse();
        assertThat(a.limit()).isEqualTo(500);

        // a second without a refusal: its rate was the demand's, the maximum again
        connect(a, 700);
        assertThat(a.admit(3 * SECOND)).isTrue();
        assertThat(a.limit()).isEqualTo(1000);
        assertThat(a.behind()).isFalse();
    }

    @Test
    void aBurstAtAnIdleProcessMeetsTheMaximumNotTheFloor() {
        ConnectAdmission a = new ConnectAdmission(1000, STALE, 0);
        assertThat(a.admit(5 * SECOND)).as("idle for seconds, nobody refused").isTrue();
        for (int i = 0; i < 600; i++) {
            assertThat(a.admit(5 * SECOND + i)).isTrue();
            a.opened();
        }
        assertThat(a.limit()).isEqualTo(1000);
    }

    @Test
    void closesBeforeConnectingLeaveTheQueue() {
        ConnectAdmission a = new ConnectAdmission(300, STALE, 0);
        open(a, 300);
        assertThat(a.behind()).isTrue();
        for (int i = 0; i < 300; i++) {
            a.closedWaiting();
        }
        assertThat(a.pending()).isZero();
        assertThat(a.behind()).isFalse();
    }

    @Test
    void aMaximumBelowTheFloorIsTheLimit() {
        ConnectAdmission a = new ConnectAdmission(2, STALE, 0);
        assertThat(a.limit()).isEqualTo(2);
        open(a, 2);
        assertThat(a.admit(1)).isFalse();
        connect(a, 1);
        a.admit(SECOND + 1);
        assertThat(a.limit()).isEqualTo(2);
    }
}
