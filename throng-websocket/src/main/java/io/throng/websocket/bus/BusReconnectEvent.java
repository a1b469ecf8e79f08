package io.throng.websocket.bus;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The Java Flight Recorder event of a bus link that came back after it was down: rare, and while
 * it was down publishes were refused, so an operator wants it beside the rest of a recording.
 * Made only at a reconnection; when no recording runs it is found disabled and dropped.
 */
@Name("io.throng.BusReconnect")
@Label("Bus Reconnect")
@Category({"throng", "Bus"})
@Description("A bus link to its broker (the prefork hub, Redis, NATS) is up again after it was down")
@StackTrace(false)
final class BusReconnectEvent extends Event {
    @Label("Broker")
    String broker;
    @Label("Down For")
    @Timespan(Timespan.NANOSECONDS)
    long downFor;
    @Label("Failures")
    @Description("The break and the attempts to connect that failed after it")
    int failedAttempts;
    @Label("Channels Subscribed Again")
    int channels;

    static void record(String broker, long downForNanos, int failedAttempts, int channels) {
        BusReconnectEvent e = new BusReconnectEvent();
        if (e.shouldCommit()) {
            e.broker = broker;
            e.downFor = downForNanos;
            e.failedAttempts = failedAttempts;
            e.channels = channels;
            e.commit();
        }
    }
}
