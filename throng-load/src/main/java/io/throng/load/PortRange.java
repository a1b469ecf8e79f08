package io.throng.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Each source address can hold as many connections to one server as the ephemeral port range has
 * ports (32768-60999 by default: 28,232), but only half of them cheaply: connect() tries the even
 * ports first and leaves the odd ones to bind(), so once an address holds half the range every
 * further connect walks all the even ports (measured here at 3.3 ms of kernel time a connect at
 * 14,000 connections an address). When a run needs more than half per address, widen the range to
 * 1024-65535 if this process may (root), and say so; otherwise, or if even that is not enough, say
 * what to do.
 */
final class PortRange {
    static final Path SYSCTL = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    static final int WIDE_LOW = 1024;
    static final int WIDE_HIGH = 65535;

    private PortRange() {
    }

    /** Ports an address can give connect() quickly from a range of {@code size}. */
    static int cheapPorts(int size) {
        return size / 2 - 128;
    }

    /** Checks (and widens when it must and may) the range for {@code perSource} connections from each of {@code sources}. */
    static void ensure(int perSource, int sources) {
        int[] range = read();
        if (range == null) {
            return;
        }
        int size = range[1] - range[0] + 1;
        if (perSource <= cheapPorts(size)) {
            return;
        }
        int wide = WIDE_HIGH - WIDE_LOW + 1;
        if (size < wide) {
            try {
                Files.writeString(SYSCTL, WIDE_LOW + " " + WIDE_HIGH);
                System.err.printf("throng load: widened net.ipv4.ip_local_port_range from %d-%d to %d-%d for %,d "
                        + "connections per source address (%d addresses)%n", range[0], range[1], WIDE_LOW, WIDE_HIGH,
                        perSource, sources);
                size = wide;
            } catch (IOException | SecurityException e) {
                // said below
            }
        }
        if (perSource > cheapPorts(size)) {
            System.err.printf("throng load: %,d connections per source address are more than half of the %,d ports "
                    + "of net.ipv4.ip_local_port_range (%d-%d); past half, every connect() walks the range and the "
                    + "ramp slows to a crawl: use more --src-ips (%d would do)%s%n", perSource, size, range[0], range[1],
                    (int) Math.ceil((double) perSource * sources / cheapPorts(size)),
                    size < wide ? " or run 'sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"'" : "");
        }
    }

    static int[] read() {
        try {
            // Through a stream: Files.readString reads a sysctl file (size 0) one byte first and
            // the kernel answers the rest with nothing ("3" for "32768 60999").
            String text;
            try (java.io.InputStream in = Files.newInputStream(SYSCTL)) {
                text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            }
            String[] parts = text.trim().split("\\s+");
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
