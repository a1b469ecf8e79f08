package io.throng.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** curl, the tests' independent HTTP peer: one run, its status, headers and body. */
final class Curl {
    private Curl() {
    }

    /** One response: the status, the head's lines (lower-cased names), the body. */
    record Response(int status, List<String> headers, String body) {
        String header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            for (String h : headers) {
                if (h.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                    return h.substring(prefix.length()).strip();
                }
            }
            return null;
        }
    }

    /** Runs {@code curl -sS -D <head file> <args>} and returns the last response it got. */
    static Response run(String... args) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/curl"))) {
            throw new AssertionError("curl is not installed: apt-get install curl (bin/test-peers.sh installs it)");
        }
        Path head = Files.createTempFile("throng-curl-", ".head");
        try {
            List<String> cmd = new ArrayList<>(List.of("/usr/bin/curl", "-sS", "--max-time", "20", "-D", head.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            byte[] body = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("curl " + String.join(" ", args) + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("curl " + String.join(" ", args) + " exited " + p.exitValue() + ": " + err);
            }
            // with several URLs (or a retried request) the head file holds every head: the last counts
            List<String> lines = Files.readAllLines(head, StandardCharsets.ISO_8859_1);
            int start = 0;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("HTTP/")) {
                    start = i;
                }
            }
            int status = Integer.parseInt(lines.get(start).split(" ")[1]);
            List<String> headers = new ArrayList<>();
            for (String l : lines.subList(start + 1, lines.size())) {
                if (!l.isBlank()) {
                    headers.add(l.strip());
                }
            }
            return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(head);
        }
    }
}
