package io.throng.core.engine;

import static io.throng.core.engine.ConnectionState.ABORTING;
import static io.throng.core.engine.ConnectionState.CLOSED;
import static io.throng.core.engine.ConnectionState.CLOSING;
import static io.throng.core.engine.ConnectionState.INPUT_CLOSED;
import static io.throng.core.engine.ConnectionState.LINGERING;
import static io.throng.core.engine.ConnectionState.OPEN;
import static io.throng.core.engine.ConnectionState.PEER_CLOSED_FIRST;
import static io.throng.core.engine.ConnectionState.RELEASE_DEFERRED;
import static io.throng.core.engine.ConnectionState.RESET_DEFERRED;
import static io.throng.core.engine.ConnectionState.RESUMED;
import static io.throng.core.engine.ConnectionState.SUSPENDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The connection state machine, table by table: the tables here are the javadoc's, written again by hand. */
class ConnectionStateTest {
    private static final int[] PHASES = {OPEN, CLOSING, LINGERING, ABORTING, CLOSED};

    /** LEGAL[from][to], in the order of PHASES. */
    private static final boolean[][] LEGAL = {
        //          OPEN   CLOSING LINGER ABORT  CLOSED
        /* OPEN */ {false, true, false, true, true},
        /* CLOS */ {false, false, true, true, true},
        /* LING */ {false, false, false, true, true},
        /* ABRT */ {false, false, false, false, true},
        /* CLSD */ {false, false, false, false, false},
    };

    @Test
    void exactlyTheTransitionsOfTheTableAreLegal() {
        for (int from : PHASES) {
            for (int to : PHASES) {
                assertThat(ConnectionState.legal(from, to)).as("%s -> %s", ConnectionState.phaseName(from),
                        ConnectionState.phaseName(to)).isEqualTo(LEGAL[from][to]);
            }
        }
    }

    @Test
    void anIllegalMoveIsAnAssertionErrorAndALegalOneKeepsTheFlags() {
        // the test forks run with -ea, as every engine assertion expects
        int s = OPEN | SUSPENDED | INPUT_CLOSED | PEER_CLOSED_FIRST;
        int closing = ConnectionState.moveTo(s, CLOSING);
        assertThat(ConnectionState.phase(closing)).isEqualTo(CLOSING);
        assertThat(closing & ~ConnectionState.PHASE).isEqualTo(s & ~ConnectionState.PHASE);
        assertThatThrownBy(() -> ConnectionState.moveTo(closing, OPEN)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("CLOSING+INPUT_CLOSED+PEER_CLOSED_FIRST+SUSPENDED -> OPEN");
        assertThatThrownBy(() -> ConnectionState.moveTo(CLOSED, ABORTING)).isInstanceOf(AssertionError.class);
    }

    @Test
    void whoReads() {
        // phase, flags, reads?
        Object[][] table = {
            {OPEN, 0, true},
            {OPEN, SUSPENDED, false},
            {OPEN, INPUT_CLOSED, false},
            {CLOSING, SUSPENDED, true},   // closing reads (and drops) whatever the handler suspended
            {LINGERING, 0, true},         // waiting for the peer's FIN
            {LINGERING, INPUT_CLOSED, false},
            {ABORTING, 0, false},
            {CLOSED, 0, false},
        };
        for (Object[] row : table) {
            int s = (int) row[0] | (int) row[1];
            assertThat(ConnectionState.reads(s)).as(ConnectionState.describe(s)).isEqualTo(row[2]);
        }
    }

    @Test
    void theImpossibleCombinationsAreCaught() {
        assertThat(ConnectionState.consistent(OPEN | SUSPENDED)).isTrue();
        assertThat(ConnectionState.consistent(CLOSED | RELEASE_DEFERRED | RESET_DEFERRED)).isTrue();
        assertThat(ConnectionState.consistent(OPEN | PEER_CLOSED_FIRST)).as("peer first without its FIN").isFalse();
        assertThat(ConnectionState.consistent(OPEN | SUSPENDED | RESUMED)).isFalse();
        assertThat(ConnectionState.consistent(CLOSED | RESET_DEFERRED)).isFalse();
        assertThat(ConnectionState.consistent(CLOSING | RELEASE_DEFERRED)).as("a deferred release is a closed socket's").isFalse();
        assertThat(ConnectionState.consistent(7)).as("no such phase").isFalse();
    }

    @Test
    void describedForHumans() {
        assertThat(ConnectionState.describe(LINGERING | ConnectionState.OPENED | INPUT_CLOSED))
                .isEqualTo("LINGERING+OPENED+INPUT_CLOSED");
    }
}
