package io.throng.rpc.client;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.rpc.frame.FrameHeader;
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
        if (!flusher.send(frame)) {
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

    @Override
    void onFrame(FrameHeader header, ByteBuffer in) {
        if (!header.isUnary()) {
            host.streamFrame(this, header, in);
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
        host.streamConnectionClosed(this, reason);
    }
}
