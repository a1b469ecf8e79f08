package io.throng.cli;

/** Human-readable numbers for status lines. */
final class Units {
    private Units() {
    }

    static String bytes(double n) {
        if (n < 0) {
            return "?";
        }
        if (n < 1024) {
            return String.format("%.0f B", n);
        }
        if (n < 1024 * 1024) {
            return String.format("%.1f KiB", n / 1024);
        }
        if (n < 1024.0 * 1024 * 1024) {
            return String.format("%.1f MiB", n / (1024 * 1024));
        }
        return String.format("%.2f GiB", n / (1024.0 * 1024 * 1024));
    }

    static String count(double n) {
        if (n < 10_000) {
            return String.format("%.0f", n);
        }
        if (n < 10_000_000) {
            return String.format("%.1fk", n / 1000);
        }
        return String.format("%.2fM", n / 1_000_000);
    }
}
