package io.throng.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Each source address can hold as many connections to one server as the ephemeral port range has
 * ports (32768-60999 by default: 28,232). When a run needs more per address, widen the range to
 * 1024-65535 if this process may (root), and say so; otherwise say what to do.
 */
final class PortRange {
    static final Path SYSCTL = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private PortRange() {
    }

    static void ensure(int perSource, int sources) {
        int[] range = read();
        if (range == null) {
            return;
        }
        int size = range[1] - range[0] + 1;
        if (perSource <= size - 256) {
            return;
        }
        try {
            Files.writeString(SYSCTL, "1024 65535");
            System.err.printf("throng load: widened net.ipv4.ip_local_port_range from %d-%d to 1024-65535 for %,d "
                    + "connections per source address (%d addresses)%n", range[0], range[1], perSource, sources);
        } catch (IOException | SecurityException e) {
            System.err.printf("throng load: %,d connections per source address need more than the %,d ports of "
                    + "net.ipv4.ip_local_port_range (%d-%d); use more --src-ips or run "
                    + "'sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"'%n", perSource, size, range[0], range[1]);
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
