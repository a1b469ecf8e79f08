package io.throng.websocket.bus;

/**
 * The prefork hub's counters (totals since start), for the supervisor's status line.
 *
 * @param workers   workers connected now
 * @param channels  channels some worker is subscribed to now
 * @param published messages the workers published through the hub
 * @param forwarded copies queued for the workers subscribed to their channels
 * @param dropped   copies dropped because a worker's queue was full (the worker was not reading)
 */
public record HubStats(int workers, int channels, long published, long forwarded, long dropped) {
}
