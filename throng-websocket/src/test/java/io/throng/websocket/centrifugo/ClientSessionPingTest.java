package io.throng.websocket.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The ping bookkeeping of one session across overlapping rounds (the socket-level case is
 * {@code CentrifugoPingRoundTest}): when round N+1 pings before round N's check has run, the
 * session holds two outstanding pings, each pong answers the older, and each round's check sees
 * only its own ping.
 */
class ClientSessionPingTest {

    @Test
    void theStaleDeadlineIsPutOffFiveTimesAtMostAndThePingBitsStayAsTheyWere() {
        ClientSession s = new ClientSession(1000);
        for (int i = 1; i <= ClientSession.MAX_STALE_DELAYS; i++) {
            assertThat(s.delayStale(1000 + i * 1000L)).isTrue();
            assertThat(s.deadline).isEqualTo(1000 + i * 1000L);
        }
        assertThat(s.delayStale(99_000)).as("the sixth").isFalse();
        assertThat(s.deadline).isEqualTo(6000);
        assertThat(s.connected()).isFalse();
        s.markConnected();
        assertThat(s.connected()).isTrue();
        assertThat(s.pingDue(0)).isTrue();
        assertThat(s.ponged()).isTrue();
    }

    @Test
    void aPongToEitherOfTwoOutstandingPingsIsAcceptedAndEachCheckSeesItsOwnRound() {
        ClientSession s = new ClientSession(Long.MAX_VALUE);
        s.markConnected();
        assertThat(s.ponged()).as("a pong without a ping").isFalse();

        assertThat(s.pingDue(7)).isTrue();
        assertThat(s.pingDue(8)).as("round 8 pings while 7's pong is still due").isTrue();
        assertThat(s.pongDue(7)).isTrue();
        assertThat(s.pongDue(8)).isTrue();
        assertThat(s.ponged()).as("the pong to round 7").isTrue();
        assertThat(s.pongDue(7)).as("round 7's check: answered").isFalse();
        assertThat(s.pongDue(8)).as("round 8's ping still waits for its pong").isTrue();
        assertThat(s.ponged()).as("the pong to round 8 (it was refused: 3501)").isTrue();
        assertThat(s.pongDue(8)).isFalse();
        assertThat(s.ponged()).as("a third pong has no ping").isFalse();
        assertThat(s.connected()).isTrue();
    }

    @Test
    void theOlderPingIsAnsweredFirstWhicheverParityItHas() {
        ClientSession s = new ClientSession(Long.MAX_VALUE);
        s.markConnected();
        assertThat(s.pingDue(2)).isTrue();
        assertThat(s.ponged()).isTrue();
        assertThat(s.pingDue(3)).isTrue();
        assertThat(s.pingDue(4)).isTrue();
        assertThat(s.ponged()).as("answers round 3").isTrue();
        assertThat(s.pongDue(3)).isFalse();
        assertThat(s.pongDue(4)).isTrue();
    }

    @Test
    void noThirdPingWhileThePingTwoRoundsBackIsUnanswered() {
        ClientSession s = new ClientSession(Long.MAX_VALUE);
        s.markConnected();
        assertThat(s.pingDue(0)).isTrue();
        assertThat(s.pingDue(1)).isTrue();
        assertThat(s.pingDue(2)).as("round 0's pong is missing: its check (or round 2's) closes it").isFalse();
        assertThat(s.pongDue(2)).as("round 2's check sees round 0's missing pong").isTrue();
        assertThat(s.ponged()).isTrue();
        assertThat(s.pingDue(2)).as("answered: pinged again").isTrue();
    }
}
