package io.throng.rpc.server;

import io.throng.core.CloseReason;
import io.throng.rpc.RpcException;
import io.throng.rpc.conn.LimitedLog;
import io.throng.rpc.frame.FrameException;
import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.frame.StreamFrames;
import io.throng.rpc.stream.StreamEndpoint;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * The server side of streams. An INIT is routed like a unary request (a miss or the in-flight
 * limit refuses it with a non-zero ret in the INIT reply); an accepted stream gets an endpoint,
 * our window in the INIT reply, and its handler on a virtual thread, whose return (or exception)
 * becomes the final CLOSE. DATA, FEEDBACK and CLOSE go to the stream's endpoint; a frame for a
 * stream that is gone (it was reset or finished) is dropped. A connection's close fails its streams.
 */
final class ServerStreams implements StreamDispatch {
    private final Router router;
    private final ServerCounters counters;
    private final FrameLimits limits;
    private final ExecutorService workers;
    private final LimitedLog log;

    ServerStreams(Router router, ServerCounters counters, FrameLimits limits, ExecutorService workers, LimitedLog log) {
        this.router = router;
        this.counters = counters;
        this.limits = limits;
        this.workers = workers;
        this.log = log;
    }

    @SuppressWarnings("unchecked")
    private static ConcurrentHashMap<Integer, StreamEndpoint> streams(ServerConnection sc) {
        if (sc.streams == null) {
            sc.streams = new ConcurrentHashMap<Integer, StreamEndpoint>(); // I/O thread only creates it
        }
        return (ConcurrentHashMap<Integer, StreamEndpoint>) sc.streams;
    }

    @Override
    public void onFrame(ServerConnection sc, FrameHeader h, ByteBuffer in) {
        ConcurrentHashMap<Integer, StreamEndpoint> map = streams(sc);
        int id = h.streamId();
        switch (h.streamFrameType()) {
            case StreamFrames.INIT -> init(sc, map, id, StreamFrames.decodeInit(in, h));
            case StreamFrames.DATA -> {
                StreamEndpoint ep = map.get(id);
                if (ep != null) {
                    ep.onData(StreamFrames.decodeData(in, h));
                }
            }
            case StreamFrames.FEEDBACK -> {
                StreamEndpoint ep = map.get(id);
                if (ep != null) {
                    ep.onFeedback(StreamFrames.decodeFeedback(in, h));
                }
            }
            case StreamFrames.CLOSE -> {
                StreamEndpoint ep = map.get(id);
                if (ep != null) {
                    ep.onClose(StreamFrames.decodeClose(in, h));
                }
            }
            default -> throw new FrameException("unknown stream frame type " + h.streamFrameType());
        }
    }

    private void init(ServerConnection sc, ConcurrentHashMap<Integer, StreamEndpoint> map, int id, StreamFrames.Init init) {
        if (init.response()) {
            throw new FrameException("INIT for stream " + (id & 0xFFFFFFFFL) + " carries a response meta: clients send request metas");
        }
        if (map.containsKey(id)) {
            throw new FrameException("second INIT for open stream " + (id & 0xFFFFFFFFL));
        }
        Router.Route route = router.find(init.func());
        if (route == null || route.method().stream() == null) {
            counters.noRoute.increment();
            refuse(sc, id, init, route == null ? router.missCode(init.func()) : RetCode.SERVER_NO_FUNC,
                    route == null ? router.missMessage(init.func()) : init.func() + " is a unary method, not a stream");
            return;
        }
        if (!counters.tryAcquire()) {
            counters.overloaded.increment();
            refuse(sc, id, init, RetCode.SERVER_OVERLOAD, "server overload: " + counters.maxInFlight()
                    + " requests and streams in flight (max-concurrent-requests " + counters.maxInFlight() + ")");
            return;
        }
        counters.streams.increment();
        int ourWindow = init.windowSize() == 0 ? 0 : StreamFrames.DEFAULT_WINDOW;
        StreamEndpoint ep = new StreamEndpoint(id, init.func(), init.transInfo(), limits, sc::send, ourWindow, () -> {
            map.remove(id);
            counters.release();
            sc.requestDone();
        });
        ep.peerWindow(init.windowSize());
        map.put(id, ep);
        sc.requestStarted();
        sc.send(StreamFrames.init(id, new StreamFrames.Init("", "", "", 0, null, true, 0, "", ourWindow,
                init.contentType(), init.contentEncoding()), limits));
        try {
            workers.execute(() -> run(ep, route));
        } catch (RejectedExecutionException e) {
            ep.closeSend(new StreamFrames.Close(StreamFrames.CLOSE_RESET, RetCode.SERVER_SYSTEM, "server is shutting down", 0, null, 0));
            ep.finish();
        }
    }

    private void refuse(ServerConnection sc, int id, StreamFrames.Init init, int ret, String message) {
        sc.send(StreamFrames.init(id, new StreamFrames.Init("", "", "", 0, null, true, ret, message, 0,
                init.contentType(), init.contentEncoding()), limits));
    }

    private void run(StreamEndpoint ep, Router.Route route) {
        try {
            route.method().stream().handle(ep);
            ep.closeSend(new StreamFrames.Close(StreamFrames.CLOSE_NORMAL, 0, "", 0, null, 0));
        } catch (RpcException e) {
            ep.closeSend(e.business()
                    ? new StreamFrames.Close(StreamFrames.CLOSE_NORMAL, 0, String.valueOf(e.getMessage()), 0, null, e.code())
                    : new StreamFrames.Close(StreamFrames.CLOSE_NORMAL, e.code(), String.valueOf(e.getMessage()), 0, null, 0));
        } catch (Throwable t) {
            log.log(Level.DEBUG, "stream handler of " + ep.func() + " threw " + t);
            ep.closeSend(new StreamFrames.Close(StreamFrames.CLOSE_NORMAL, RetCode.STREAM_UNKNOWN,
                    "stream handler of " + ep.func() + " failed: " + t, 0, null, 0));
        } finally {
            ep.finish();
        }
    }

    @Override
    public boolean hasStreams(ServerConnection sc) {
        return sc.streams != null && !streams(sc).isEmpty();
    }

    @Override
    public void connectionClosed(ServerConnection sc, CloseReason reason) {
        if (sc.streams == null) {
            return;
        }
        for (StreamEndpoint ep : streams(sc).values()) {
            ep.fail(new RpcException(RetCode.CLIENT_NETWORK, "connection closed: " + reason));
        }
    }
}
