package io.throng.rpc.stream;

import io.throng.rpc.RpcException;
import io.throng.rpc.frame.FrameException;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.frame.StreamFrames;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One end of a stream: the state both the server and the multiplexed client use.
 *
 * <p>Flow control as in tRPC-Go: the window counts DATA body bytes. A sender subtracts each
 * message and waits while its window is at or below zero (so it may overshoot by one message). A
 * receiver returns credit with FEEDBACK once the bytes its application consumed since the last
 * update reach a quarter of its window. A window of 0 in INIT means no flow control. A peer that
 * sends beyond our window by more than one maximal frame is resetting the rules: the stream is
 * reset (and only the stream).
 *
 * <p>Threads: frame events arrive on the connection's I/O thread and never block; the application
 * blocks in {@link #send}/{@link #receive}. State is guarded by this object's monitor.
 */
public final class StreamEndpoint implements RpcStream {
    private final int id;
    private final String func;
    private final Map<String, byte[]> transInfo;
    private final FrameLimits limits;
    private final Predicate<byte[]> wire;
    private final int receiveWindow;
    private final Runnable onFinished;

    // guarded by this
    private long sendWindow;
    private boolean sendFlowControl;
    private boolean sendClosed;
    private final ArrayDeque<byte[]> inbox = new ArrayDeque<>();
    private long inboxBytes;
    private long consumedSinceFeedback;
    private boolean inputEnded;
    /** The error {@code receive} throws after the queued messages (peer closed with an error). */
    private RpcException endError;
    /** A failure that stops both directions at once (reset, connection lost). */
    private RpcException failure;
    private boolean finished;

    /**
     * @param wire          queues and flushes a frame on the connection; false if it is closing
     * @param receiveWindow our window advertised in INIT (0: no flow control)
     * @param onFinished    runs once when the stream is over (to forget it and free its slot)
     */
    public StreamEndpoint(int id, String func, Map<String, byte[]> transInfo, FrameLimits limits,
                          Predicate<byte[]> wire, int receiveWindow, Runnable onFinished) {
        this.id = id;
        this.func = func;
        this.transInfo = transInfo == null ? Map.of() : transInfo;
        this.limits = limits;
        this.wire = wire;
        this.receiveWindow = receiveWindow;
        this.onFinished = onFinished;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public String func() {
        return func;
    }

    @Override
    public Map<String, byte[]> transInfo() {
        return transInfo;
    }

    public int receiveWindow() {
        return receiveWindow;
    }

    /** The peer's window from its INIT: 0 turns flow control off for what we send. */
    public synchronized void peerWindow(int window) {
        sendWindow = window & 0xFFFFFFFFL;
        sendFlowControl = window != 0;
        notifyAll();
    }

    @Override
    public void send(byte[] message) throws InterruptedException {
        synchronized (this) {
            while (failure == null && !sendClosed && sendFlowControl && sendWindow <= 0) {
                wait();
            }
            if (failure != null) {
                throw failure;
            }
            if (sendClosed) {
                throw new IllegalStateException("stream " + (id & 0xFFFFFFFFL) + " (" + func + "): send after closeSend");
            }
            sendWindow -= message.length;
        }
        byte[] frame;
        try {
            frame = StreamFrames.data(id, message, limits);
        } catch (FrameException e) {
            throw new RpcException(RetCode.CLIENT_ENCODE, e.getMessage());
        }
        if (!wire.test(frame)) {
            fail(new RpcException(RetCode.CLIENT_NETWORK, "connection closed while sending on stream " + (id & 0xFFFFFFFFL)));
            throw failure();
        }
    }

    @Override
    public byte[] receive() throws InterruptedException {
        byte[] message;
        int credit = 0;
        synchronized (this) {
            while (inbox.isEmpty() && !inputEnded && failure == null) {
                wait();
            }
            if (failure != null) {
                throw failure;
            }
            message = inbox.poll();
            if (message == null) {
                if (endError != null) {
                    throw endError;
                }
                return null;
            }
            inboxBytes -= message.length;
            consumedSinceFeedback += message.length;
            if (receiveWindow > 0 && !inputEnded && consumedSinceFeedback >= receiveWindow / 4) {
                credit = (int) Math.min(Integer.MAX_VALUE, consumedSinceFeedback);
                consumedSinceFeedback = 0;
            }
        }
        if (credit > 0) {
            wire.test(StreamFrames.feedback(id, credit, limits));
        }
        return message;
    }

    @Override
    public void closeSend() {
        closeSend(new StreamFrames.Close(StreamFrames.CLOSE_NORMAL, 0, "", 0, null, 0));
    }

    /** Ends our direction with an outcome (the server's final CLOSE carries the handler's result). */
    public void closeSend(StreamFrames.Close close) {
        synchronized (this) {
            if (sendClosed || failure != null) {
                return;
            }
            sendClosed = true;
            notifyAll();
        }
        wire.test(StreamFrames.close(id, close, limits));
    }

    @Override
    public void cancel(String why) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
        }
        wire.test(StreamFrames.close(id, new StreamFrames.Close(StreamFrames.CLOSE_RESET, RetCode.CLIENT_CANCELED,
                why, 0, null, 0), limits));
        fail(new RpcException(RetCode.CLIENT_CANCELED, "stream " + (id & 0xFFFFFFFFL) + " cancelled: " + why));
    }

    // ---- frame events (I/O thread) ----

    public void onData(byte[] message) {
        boolean violated;
        synchronized (this) {
            if (inputEnded || failure != null) {
                return;
            }
            inbox.add(message);
            inboxBytes += message.length;
            violated = receiveWindow > 0 && inboxBytes > (long) receiveWindow + limits.maxFrameSize();
            notifyAll();
        }
        if (violated) {
            String why = "flow control violated: " + inboxBytes + " bytes unread, window " + receiveWindow;
            wire.test(StreamFrames.close(id, new StreamFrames.Close(StreamFrames.CLOSE_RESET, RetCode.STREAM_UNKNOWN,
                    why, 0, null, 0), limits));
            fail(new RpcException(RetCode.STREAM_UNKNOWN, "stream " + (id & 0xFFFFFFFFL) + " reset: " + why));
        }
    }

    public synchronized void onFeedback(int increment) {
        sendWindow += increment & 0xFFFFFFFFL;
        notifyAll();
    }

    /**
     * The peer's CLOSE. A reset fails both directions at once; a normal close ends the input, with
     * the peer's error (if any) thrown after the queued messages.
     */
    public void onClose(StreamFrames.Close close) {
        if (close.reset()) {
            fail(new RpcException(close.ret() == 0 ? RetCode.STREAM_UNKNOWN : close.ret(),
                    "stream " + (id & 0xFFFFFFFFL) + " reset by peer: " + close.msg()));
            return;
        }
        synchronized (this) {
            if (inputEnded) {
                return;
            }
            inputEnded = true;
            if (close.ret() != 0) {
                endError = new RpcException(close.ret(), close.msg());
            } else if (close.funcRet() != 0) {
                endError = RpcException.business(close.funcRet(), close.msg());
            }
            notifyAll();
        }
    }

    /** Stops both directions with {@code error}; waiting threads wake up and throw it. */
    public void fail(RpcException error) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = error;
            notifyAll();
        }
        finish();
    }

    public synchronized RpcException failure() {
        return failure;
    }

    public synchronized boolean inputEnded() {
        return inputEnded;
    }

    /** Marks the stream over (both ends done); runs {@code onFinished} once. */
    public void finish() {
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
        }
        onFinished.run();
    }
}
