package io.throng.load;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One process of a multi-process run. Protocol on stdout, one JSON object a line:
 * {@code {"started": true}} once it can connect, then (after the parent writes {@code ramp} on
 * stdin) {@code {"progress": ...}} every second, {@code {"ready": true}} once its connections are
 * open, then (after the parent writes {@code go}) {@code {"result": ...}}. If stdin closes before
 * {@code ramp} or {@code go}, it stops without measuring. In ws-broadcast the parent publishes and then writes
 * {@code stop} (or closes stdin): the child reports at once, without waiting for deliveries still
 * missing.
 */
public final class LoadChild {
    private LoadChild() {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options = Json.read(args[0], LoadOptions.class);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (LoadRun run = new LoadRun(options, p -> emit(out, "progress", p))) {
            // Every child ramps from the same moment, once all have started: dozens of JVMs starting
            // on two cores keep them busy for a minute, too busy for the first connections' upgrades.
            emit(out, "started", Boolean.TRUE);
            if (!"ramp".equals(in.readLine())) {
                return;
            }
            run.connect();
            emit(out, "ready", Boolean.TRUE);
            String line = in.readLine();
            if (!"go".equals(line)) {
                return;
            }
            Thread.ofPlatform().daemon(true).name("throng-load-stop").start(() -> {
                try {
                    for (String l; (l = in.readLine()) != null && !"stop".equals(l); ) {
                        // only "stop" means anything now
                    }
                } catch (java.io.IOException e) {
                    // the parent is gone: stop as well
                }
                run.requestStop();
            });
            LoadResult result = run.measure();
            emit(out, "result", result);
        }
        System.exit(0);
    }

    private static synchronized void emit(PrintStream out, String key, Object value) {
        out.println("{\"" + key + "\":" + Json.write(value) + "}");
    }
}
