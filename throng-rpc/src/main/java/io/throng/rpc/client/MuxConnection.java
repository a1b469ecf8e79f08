package io.throng.rpc.client;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.rpc.RpcException;
import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.StreamFrames;
import io.throng.rpc.stream.StreamEndpoint;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.frame.UnaryFrames;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One TCP connection of the multiplexed client, carrying many calls at once ("virtual
 * connections"), matched to their responses by the protobuf {@code request_id}.
 *
 * <p>A slot is reserved ({@link #tryReserve}) before a call is started on it and freed when the
 * call finishes, so {@code max_vir_conns_per_conn} is exact. When the connection breaks, every call
 * on it fails at once with ret 141, and it leaves its host so the next call dials again.
 */
final class MuxConnection extends ClientConnection {
    private final MuxHost host;
    private final int maxVirtual;
    private final ConcurrentHashMap<Integer, PendingCall> calls = new ConcurrentHashMap<>();
    private final AtomicInteger reserved = new AtomicInteger();
    private final LongAdder lateResponses;
    private final ConcurrentHashMap<Integer, StreamEndpoint> streams = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, CompletableFuture<StreamFrames.Init>> initWaiters = new ConcurrentHashMap<>();

    MuxConnection(Connection connection, MuxHost host, int maxVirtual, LongAdder lateResponses) {
        super(connection);
        this.host = host;
        this.maxVirtual = maxVirtual;
        this.lateResponses = lateResponses;
    }

    /** Takes a virtual-connection slot; false if the connection is closed or full. Any thread. */
    boolean tryReserve() {
        while (!closed) {
            int n = reserved.get();
            if (maxVirtual > 0 && n >= maxVirtual) {
                return false;
            }
            if (reserved.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    void unreserve() {
        reserved.decrementAndGet();
    }

    int virtualConnections() {
        return reserved.get();
    }

    /** Starts {@code call} in a slot reserved for it. Caller's or I/O thread. */
    void start(PendingCall call, byte[] frame) {
        call.owner = this;
        PendingCall previous = calls.putIfAbsent(call.requestId, call);
        if (previous != null) {
            unreserve();
            call.owner = null;
            call.fail(RetCode.CLIENT_ENCODE, "duplicate request id " + (call.requestId & 0xFFFFFFFFL) + " on " + address());
            return;
        }
        if (call.claimed() || closed) {
            if (calls.remove(call.requestId, call)) {
                unreserve();
            }
            call.fail(RetCode.CLIENT_NETWORK, "connection to " + address() + " is closed");
            return;
        }
        if (!send(frame)) {
            call.fail(RetCode.CLIENT_NETWORK, "connection to " + address() + " is closing");
            return;
        }
        if (call.oneWay) {
            call.complete(RpcResponse.ONE_WAY_SENT);
        }
    }

    @Override
    void callFinished(PendingCall call, boolean abandoned) {
        if (calls.remove(call.requestId, call)) {
            unreserve();
        }
    }

    /**
     * Opens a stream in a slot reserved for it: sends INIT with our window and waits (up to the
     * call's timeout) for the server's INIT; a non-zero ret there refuses the stream.
     */
    StreamEndpoint openStream(int id, String func, CallOptions o, FrameLimits limits) throws InterruptedException {
        CompletableFuture<StreamFrames.Init> answered = new CompletableFuture<>();
        StreamEndpoint ep = new StreamEndpoint(id, func, o.transInfo(), limits, this::send, StreamFrames.DEFAULT_WINDOW,
                () -> {
                    if (streams.remove(id) != null) {
                        unreserve();
                    }
                });
        initWaiters.put(id, answered);
        streams.put(id, ep);
        if (closed) {
            initWaiters.remove(id);
            ep.fail(new RpcException(RetCode.CLIENT_NETWORK, "connection to " + address() + " is closed"));
            throw ep.failure();
        }
        byte[] init = StreamFrames.init(id, new StreamFrames.Init(o.caller(), o.callee(), func, 0, o.transInfo(), false,
                0, "", StreamFrames.DEFAULT_WINDOW, o.contentType(), o.contentEncoding()), limits);
        if (!send(init)) {
            initWaiters.remove(id);
            ep.fail(new RpcException(RetCode.CLIENT_NETWORK, "connection to " + address() + " is closing"));
            throw ep.failure();
        }
        StreamFrames.Init reply;
        try {
            reply = answered.get(o.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            initWaiters.remove(id);
            ep.cancel("no INIT reply within " + o.timeout().toMillis() + " ms");
            throw new RpcException(RetCode.CLIENT_TIMEOUT, "stream " + func + ": no INIT reply within " + o.timeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            ep.fail(MultiplexedClient.unwrap(e.getCause()) instanceof RpcException r ? r
                    : new RpcException(RetCode.CLIENT_NETWORK, String.valueOf(e.getCause())));
            throw ep.failure();
        } catch (InterruptedException e) {
            initWaiters.remove(id);
            ep.cancel("interrupted while opening");
            throw e;
        }
        if (reply.ret() != 0) {
            ep.fail(new RpcException(reply.ret(), reply.errorMsg()));
            throw ep.failure();
        }
        ep.peerWindow(reply.windowSize());
        return ep;
    }

    private void onStreamFrame(FrameHeader header, ByteBuffer in) {
        int id = header.streamId();
        switch (header.streamFrameType()) {
            case StreamFrames.INIT -> {
                CompletableFuture<StreamFrames.Init> waiter = initWaiters.remove(id);
                if (waiter != null) {
                    waiter.complete(StreamFrames.decodeInit(in, header));
                }
            }
            case StreamFrames.DATA -> {
                StreamEndpoint ep = streams.get(id);
                if (ep != null) {
                    ep.onData(StreamFrames.decodeData(in, header));
                }
            }
            case StreamFrames.FEEDBACK -> {
                StreamEndpoint ep = streams.get(id);
                if (ep != null) {
                    ep.onFeedback(StreamFrames.decodeFeedback(in, header));
                }
            }
            default -> { // CLOSE: the server's close ends the stream (its messages stay readable)
                StreamEndpoint ep = streams.get(id);
                if (ep != null) {
                    ep.onClose(StreamFrames.decodeClose(in, header));
                    ep.finish();
                }
            }
        }
    }

    int streamCount() {
        return streams.size();
    }

    @Override
    void onFrame(FrameHeader header, ByteBuffer in) {
        if (!header.isUnary()) {
            onStreamFrame(header, in);
            return;
        }
        UnaryFrames.Response r = UnaryFrames.decodeResponse(in, header);
        PendingCall call = calls.get(r.header().requestId());
        if (call == null) {
            lateResponses.increment(); // timed out or cancelled: dropped
            return;
        }
        call.completeWith(r);
    }

    @Override
    void onClosed(CloseReason reason) {
        closed = true;
        host.removed(this);
        String why = "connection to " + address() + " closed: " + reason;
        for (PendingCall call : calls.values()) {
            call.fail(RetCode.CLIENT_NETWORK, why);
        }
        for (CompletableFuture<StreamFrames.Init> w : initWaiters.values()) {
            w.completeExceptionally(new RpcException(RetCode.CLIENT_NETWORK, why));
        }
        for (StreamEndpoint ep : streams.values()) {
            ep.fail(new RpcException(RetCode.CLIENT_NETWORK, why));
        }
    }
}
