package io.throng.core.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * {@code sockaddr_in} (16 bytes) and {@code sockaddr_in6} (28 bytes): family in host order, port
 * and address in network order.
 */
public final class SockAddr {
    /** Room for either. */
    public static final long SIZE = 28;
    public static final short AF_INET = 2;
    public static final short AF_INET6 = 10;
    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private SockAddr() {
    }

    /** Writes {@code a} into {@code seg}; returns the length to pass with it. */
    public static int encode(InetSocketAddress a, MemorySegment seg) {
        InetAddress ip = a.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("unresolved address " + a);
        }
        seg.fill((byte) 0);
        if (ip instanceof Inet4Address) {
            seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, AF_INET);
            seg.set(PORT, 2, (short) a.getPort());
            MemorySegment.copy(ip.getAddress(), 0, seg, ValueLayout.JAVA_BYTE, 4, 4);
            return 16;
        }
        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, AF_INET6);
        seg.set(PORT, 2, (short) a.getPort());
        MemorySegment.copy(ip.getAddress(), 0, seg, ValueLayout.JAVA_BYTE, 8, 16);
        seg.set(ValueLayout.JAVA_INT_UNALIGNED, 24, ((Inet6Address) ip).getScopeId());
        return 28;
    }

    public static InetSocketAddress decode(MemorySegment seg) {
        short family = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0);
        int port = seg.get(PORT, 2) & 0xFFFF;
        try {
            if (family == AF_INET) {
                byte[] ip = new byte[4];
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 4, ip, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
            if (family == AF_INET6) {
                byte[] ip = new byte[16];
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 8, ip, 0, 16);
                return new InetSocketAddress(Inet6Address.getByAddress(null, ip,
                        seg.get(ValueLayout.JAVA_INT_UNALIGNED, 24)), port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalArgumentException("unknown address family " + family);
    }
}
