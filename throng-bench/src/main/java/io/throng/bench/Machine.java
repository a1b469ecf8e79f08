package io.throng.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads what every report states: cores, CPU model, memory, kernel, JDK. */
public final class Machine {
    private Machine() {
    }

    public static Results.Machine describe() {
        String cpu = "unknown";
        long memory = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memory = Long.parseLong(line.substring(9).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: leave the defaults
        }
        return new Results.Machine(Runtime.getRuntime().availableProcessors(), cpu, memory,
                System.getProperty("os.version"), Runtime.version().toString(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    }
}
