package io.throng.websocket.centrifugo;

/**
 * The Centrifugo protocol's figures in one process, read at one moment: gauges (now) and counters
 * (since start). What {@code GET /stats}, the status lines and the admin port's meters show.
 *
 * @param sessions          connections open on {@code /connection/websocket} now, connected or not yet
 * @param pendingConnects   of those, the ones that have not sent their connect yet (admission: {@link
 *                          CentrifugoConfig#maxPendingConnects})
 * @param connects          connects accepted
 * @param refusedUpgrades   upgrades refused (503) while too many connections waited for their connect
 * @param refusedTokens     connects and refreshes refused for their token (invalid, expired, missing)
 * @param clientPublishes   publishes from clients
 * @param noPongCloses      connections closed for a missing pong (3012)
 * @param recoveries        subscribes that asked to recover and got everything they missed
 * @param failedRecoveries  subscribes that asked to recover and could not be
 */
public record CentrifugoStats(long sessions, long pendingConnects, long connects, long refusedUpgrades, long refusedTokens,
                              long clientPublishes, long noPongCloses, long recoveries, long failedRecoveries) {
}
