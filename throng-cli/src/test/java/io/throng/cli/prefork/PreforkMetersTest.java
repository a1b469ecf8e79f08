package io.throng.cli.prefork;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.cli.MeterList;
import org.junit.jupiter.api.Test;

class PreforkMetersTest {

    /** Every meter of a supervisor of two workers without push, pinned (prefork-meters.txt). */
    @Test
    void aServeSupervisorsMetersAreTheseNamesAndKinds() {
        PreforkMeters meters = new PreforkMeters(new ClusterTotals(2), () -> 2, false);
        assertThat(MeterList.of(meters)).isEqualTo(MeterList.pinned(getClass(), "prefork-meters.txt"));
    }

    /** With push the supervisor also has the push service's meters over the workers' sums (prefork-push-meters.txt). */
    @Test
    void aPushSupervisorsMetersAreTheseNamesAndKinds() {
        PreforkMeters meters = new PreforkMeters(new ClusterTotals(2), () -> 2, true);
        assertThat(MeterList.of(meters)).isEqualTo(MeterList.pinned(getClass(), "prefork-push-meters.txt"));
    }
}
