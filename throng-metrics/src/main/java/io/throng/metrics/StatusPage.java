package io.throng.metrics;

import io.throng.websocket.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /}: the status page, one HTML file with its CSS and script inline (status.html, no
 * build step, nothing fetched from elsewhere), which charts {@code /stats.json} ({@link StatusJson})
 * once a second.
 *
 * <p>Its Content-Security-Policy lets the page run exactly its own inline script and style (pinned
 * by their SHA-256, computed here from the file, so an edit cannot forget them) and fetch from this
 * origin only; nothing else loads, and no other site may frame it.
 */
final class StatusPage {
    private static final byte[] HTML = read();
    private static final String POLICY = policy(new String(HTML, StandardCharsets.UTF_8));

    private StatusPage() {
    }

    static HttpResponse response() {
        return HttpResponse.of(200, "text/html; charset=utf-8", HTML)
                .withHeader("Content-Security-Policy", POLICY)
                .withHeader("Cache-Control", "no-store")
                .withHeader("X-Content-Type-Options", "nosniff");
    }

    /** The policy for {@code html}: its inline scripts and styles by hash, requests to self, nothing else. */
    static String policy(String html) {
        return "default-src 'none'; script-src " + hashes(html, "script") + "; style-src " + hashes(html, "style")
                + "; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    /** CSP source expressions for the content of every {@code <tag>...</tag>} (RFC: CSP3 hash-source). */
    private static String hashes(String html, String tag) {
        Matcher m = Pattern.compile("<" + tag + ">(.*?)</" + tag + ">", Pattern.DOTALL).matcher(html);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            out.append(out.isEmpty() ? "" : " ").append("'sha256-").append(sha256(m.group(1))).append('\'');
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("status.html has no <" + tag + "> block");
        }
        return out.toString();
    }

    private static String sha256(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] read() {
        try (InputStream in = StatusPage.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IllegalStateException("status.html is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
