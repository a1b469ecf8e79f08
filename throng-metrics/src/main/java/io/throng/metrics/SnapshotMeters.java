package io.throng.metrics;

import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Meters that read one snapshot of some counters per scrape (see {@link ServerMeters}). A
 * {@link ThrongMetrics} refreshes them right before it scrapes, so a scrape never shows figures
 * older than itself.
 */
public interface SnapshotMeters extends MeterBinder {

    /** Takes a new snapshot for the scrape about to run. */
    void refresh();
}
