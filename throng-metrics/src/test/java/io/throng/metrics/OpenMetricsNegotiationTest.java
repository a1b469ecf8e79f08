package io.throng.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OpenMetricsNegotiationTest {

    @Test
    void openMetricsOnlyWhenListedAndNotRefused() {
        assertThat(ThrongMetrics.wantsOpenMetrics(null)).isFalse();
        assertThat(ThrongMetrics.wantsOpenMetrics("*/*")).isFalse();
        assertThat(ThrongMetrics.wantsOpenMetrics("text/plain;version=0.0.4")).isFalse();
        assertThat(ThrongMetrics.wantsOpenMetrics("application/openmetrics-text")).isTrue();
        assertThat(ThrongMetrics.wantsOpenMetrics("text/plain;q=0.5, Application/OpenMetrics-Text; version=1.0.0; q=0.9")).isTrue();
        assertThat(ThrongMetrics.wantsOpenMetrics("application/openmetrics-text;q=0")).isFalse();
        assertThat(ThrongMetrics.wantsOpenMetrics("application/openmetrics-text;q=zero")).isFalse();
    }
}
