package io.throng.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** throng's version, as the build wrote it into version.properties. */
final class ThrongVersion {
    private static final String VERSION = read();

    private ThrongVersion() {
    }

    static String get() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = ThrongVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v; // a resource the build did not filter
        } catch (IOException e) {
            return "unknown";
        }
    }
}
