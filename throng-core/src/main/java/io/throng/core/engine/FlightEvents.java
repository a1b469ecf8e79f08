package io.throng.core.engine;

import io.throng.core.CloseReason;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * The engine's Java Flight Recorder events: what is rare and costly, for an operator to find in a
 * recording ({@code jcmd PID JFR.start}, {@code -XX:StartFlightRecording}) beside the JVM's own.
 *
 * <ul>
 *   <li>{@code io.throng.SlowHandler}: a handler callback that held its thread for longer than the
 *       threshold (20 ms by default, settable in a .jfc), outside thread-per-connection, where
 *       blocking is the model: every other connection of that loop or worker waited as long.</li>
 *   <li>{@code io.throng.ConnectionFailed}: a connection closed for a limit or an error (an I/O
 *       error, the write or read limit, a handler that threw, TLS).</li>
 *   <li>{@code io.throng.Unwritable}: a connection's queue passed its high water mark.</li>
 *   <li>{@code io.throng.AcceptPaused}: admission stopped accepting, for as long as it did.</li>
 * </ul>
 *
 * <p>Cost when no recording runs: the rare events are made, found disabled and dropped (a few
 * nanoseconds, on paths that already log or count); the one on the hot path, around each handler
 * callback, reads {@link #recording} (a volatile boolean, kept by a recorder listener) and makes
 * nothing. JFR's own cheapest check, {@code EventType.isEnabled}, costs ~270 ms of JFR start-up
 * at its first use in a process, which a server that is never recorded should not pay.
 */
final class FlightEvents {
    /** Whether any recording is running; the hot path's only check. */
    private static volatile boolean recording;

    static {
        FlightRecorder.addListener(new FlightRecorderListener() {
            @Override
            public void recordingStateChanged(Recording changed) {
                recording = anyRunning();
            }
        });
        // a recording started before this class loaded (-XX:StartFlightRecording) reports no change
        if (FlightRecorder.isInitialized()) {
            recording = anyRunning();
        }
    }

    private FlightEvents() {
    }

    private static boolean anyRunning() {
        for (Recording r : FlightRecorder.getFlightRecorder().getRecordings()) {
            if (r.getState() == RecordingState.RUNNING) {
                return true;
            }
        }
        return false;
    }

    /**
     * Before a handler callback: a started event when one may be recorded, else null (then
     * {@link #handlerReturned} does nothing). Under thread-per-connection, null: a handler there
     * may block by design.
     */
    static SlowHandler handlerCalled(EngineConnection c) {
        if (!recording || c.owner instanceof ThreadPerConnectionModel.ThreadOwner) {
            return null;
        }
        SlowHandler e = new SlowHandler();
        e.begin();
        return e;
    }

    /** After the callback {@link #handlerCalled} started {@code e} for (null: nothing). */
    static void handlerReturned(SlowHandler e, EngineConnection c, String callback) {
        if (e == null) {
            return;
        }
        e.end();
        if (e.shouldCommit()) {
            e.callback = callback;
            e.connection = c.id;
            e.remote = String.valueOf(c.remoteAddress());
            e.commit();
        }
    }

    /** {@code c} closed for {@code reason}: recorded when it is a limit or an error. */
    static void closed(EngineConnection c, CloseReason reason) {
        switch (reason.kind()) {
            case IO_ERROR, WRITE_LIMIT, READ_LIMIT, HANDLER_ERROR, TLS -> {
                ConnectionFailed e = new ConnectionFailed();
                if (e.shouldCommit()) {
                    e.connection = c.id;
                    e.remote = String.valueOf(c.remoteAddress());
                    e.reason = reason.kind().name();
                    e.detail = reason.detail() != null ? reason.detail()
                            : reason.error() != null ? String.valueOf(reason.error()) : null;
                    e.commit();
                }
            }
            default -> { }
        }
    }

    /** {@code c}'s queue passed the high water mark with {@code queued} bytes. */
    static void becameUnwritable(EngineConnection c, long queued, long highWaterMark) {
        Unwritable e = new Unwritable();
        if (e.shouldCommit()) {
            e.connection = c.id;
            e.remote = String.valueOf(c.remoteAddress());
            e.queued = queued;
            e.highWaterMark = highWaterMark;
            e.commit();
        }
    }

    /** Admission stopped accepting: the event, begun, to end when it resumes; null when none is recorded. */
    static AcceptPaused acceptPaused(String why, int connections) {
        if (!recording) {
            return null;
        }
        AcceptPaused e = new AcceptPaused();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        e.reason = why;
        e.connections = connections;
        return e;
    }

    /** Admission accepts again: ends and records {@code e} (null: nothing). */
    static void acceptResumed(AcceptPaused e) {
        if (e != null) {
            e.end();
            e.commit();
        }
    }

    @Name("io.throng.SlowHandler")
    @Label("Slow Handler")
    @Category({"throng", "Handlers"})
    @Description("A handler callback held an event loop, a worker or a leader-follower thread for longer than the threshold")
    @Threshold("20 ms")
    @StackTrace(false)
    static final class SlowHandler extends Event {
        @Label("Callback")
        String callback;
        @Label("Connection")
        long connection;
        @Label("Remote Address")
        String remote;
    }

    @Name("io.throng.ConnectionFailed")
    @Label("Connection Failed")
    @Category({"throng", "Connections"})
    @Description("A connection closed for a limit or an error")
    @StackTrace(false)
    static final class ConnectionFailed extends Event {
        @Label("Connection")
        long connection;
        @Label("Remote Address")
        String remote;
        @Label("Reason")
        String reason;
        @Label("Detail")
        String detail;
    }

    @Name("io.throng.Unwritable")
    @Label("Connection Unwritable")
    @Category({"throng", "Connections"})
    @Description("A connection's write queue passed its high water mark: the peer reads slower than it is written to")
    @StackTrace(false)
    static final class Unwritable extends Event {
        @Label("Connection")
        long connection;
        @Label("Remote Address")
        String remote;
        @Label("Queued")
        @DataAmount
        long queued;
        @Label("High Water Mark")
        @DataAmount
        long highWaterMark;
    }

    @Name("io.throng.AcceptPaused")
    @Label("Accept Paused")
    @Category({"throng", "Connections"})
    @Description("The server stopped accepting connections, for the event's duration")
    @StackTrace(false)
    static final class AcceptPaused extends Event {
        @Label("Reason")
        String reason;
        @Label("Connections Open")
        int connections;
    }
}
