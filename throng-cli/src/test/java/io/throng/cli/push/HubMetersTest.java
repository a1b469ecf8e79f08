package io.throng.cli.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.cli.MeterList;
import io.throng.websocket.bus.HubStats;
import org.junit.jupiter.api.Test;

class HubMetersTest {

    /** Every meter of the supervisor's bus hub, pinned (hub-meters.txt). */
    @Test
    void theHubsMetersAreTheseNamesAndKinds() {
        HubStats stats = new HubStats(1, 2, 3, 4, 5);
        assertThat(MeterList.of(new HubMeters(() -> stats))).isEqualTo(MeterList.pinned(getClass(), "hub-meters.txt"));
    }
}
