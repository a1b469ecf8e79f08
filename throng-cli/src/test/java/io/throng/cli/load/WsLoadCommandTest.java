package io.throng.cli.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.throng.cli.ThrongCommand;
import io.throng.core.config.ServerConfig;
import io.throng.load.Json;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.push.PushServer;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.BusStats;
import io.throng.websocket.bus.LocalBus;
import io.throng.websocket.bus.LocalSubscribers;
import io.throng.websocket.bus.PublishOutcome;
import java.nio.ByteBuffer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code throng load ws-broadcast} as a user runs it: options, summary, JSON file and exit status. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WsLoadCommandTest {
    @TempDir
    Path dir;

    /** An in-process bus that fans every publish out twice: a server whose duplicates must be caught. */
    private static Bus twice(LocalSubscribers local) {
        LocalBus real = new LocalBus(local);
        return new Bus() {
            @Override
            public PublishOutcome publish(String channel, ByteBuffer payload) {
                local.deliver(channel, payload.duplicate());
                return new PublishOutcome.Delivered(local.deliver(channel, payload.duplicate()));
            }

            @Override
            public void subscribe(String channel) {
            }

            @Override
            public void unsubscribe(String channel) {
            }

            @Override
            public String name() {
                return "twice";
            }

            @Override
            public BusStats stats() {
                return real.stats();
            }

            @Override
            public void close() {
            }
        };
    }

    private static PushServer push(Function<LocalSubscribers, Bus> bus) throws Exception {
        return PushServer.start(ServerConfig.defaults().withPort(0).withLoops(1), WebSocketConfig.defaults(), bus);
    }

    /** Runs the command with System.out captured; returns the exit status and the output. */
    private static Object[] run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new ThrongCommand()).execute(args);
            return new Object[] {code, out.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(saved);
        }
    }

    private String[] args(PushServer server, Path json) {
        return new String[] {"load", "ws-broadcast", "--url", "ws://127.0.0.1:" + server.port() + "/sub/cli",
                "--conns", "40", "--channels", "2", "--messages", "2", "--warmup-messages", "1", "--interval", "0.05",
                "--ping-interval", "1", "--loops", "1", "--delivery-timeout", "2", "--json", json.toString()};
    }

    @Test
    void wsBroadcastPrintsTheSummaryAndWritesTheResult() throws Exception {
        Path json = dir.resolve("result.json");
        try (PushServer server = push(LocalBus::new)) {
            Object[] r = run(args(server, json));
            String output = (String) r[1];
            assertThat(r[0]).as(output).isEqualTo(0);
            assertThat(output).contains("throng load ws-broadcast against ws://127.0.0.1:" + server.port() + "/sub/cli",
                    "40 subscribers on 2 channels", "delivered 120 of 120 expected; missed 0; duplicates 0",
                    "time to the last subscriber over 2 broadcasts");
        }
        JsonNode result = Json.mapper().readTree(Files.readString(json));
        assertThat(result.path("established").asLong()).isEqualTo(40);
        JsonNode rounds = result.path("ws").path("broadcast").path("rounds");
        assertThat(rounds.size()).isEqualTo(3);
        for (JsonNode round : rounds) {
            assertThat(round.path("delivered").asLong()).isEqualTo(40);
            assertThat(round.path("serverSubscribers").asLong()).isEqualTo(40);
            assertThat(round.path("timeToLastMicros").asDouble()).isPositive();
        }
    }

    @Test
    void duplicatesMakeTheExitStatusThree() {
        Path json = dir.resolve("dup.json");
        try (PushServer server = push(WsLoadCommandTest::twice)) {
            Object[] r = run(args(server, json));
            assertThat(r[0]).as((String) r[1]).isEqualTo(3);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void centrifugoSubscribersWithTheKeyFromAFile() throws Exception {
        String key = java.util.HexFormat.of().formatHex(java.security.SecureRandom.getSeed(32));
        Path keyFile = dir.resolve("centrifugo.key");
        Files.writeString(keyFile, key + "\n");
        Path json = dir.resolve("cf.json");
        try (PushServer server = PushServer.start(ServerConfig.defaults().withPort(0).withLoops(1), WebSocketConfig.defaults(),
                LocalBus::new, io.throng.websocket.centrifugo.CentrifugoConfig.withSecret(key.getBytes(StandardCharsets.US_ASCII)))) {
            Object[] r = run("load", "ws-broadcast", "--centrifugo", "--url", "ws://127.0.0.1:" + server.port() + "/connection/websocket",
                    "--centrifugo-channel", "cli", "--centrifugo-hmac-secret-file", keyFile.toString(),
                    "--conns", "40", "--channels", "2", "--messages", "2", "--warmup-messages", "1", "--interval", "0.05",
                    "--ping-interval", "1", "--loops", "1", "--delivery-timeout", "2", "--json", json.toString());
            String output = (String) r[1];
            assertThat(r[0]).as(output).isEqualTo(0);
            assertThat(output).contains("/connection/websocket, 1 process, Centrifugo protocol (HS256 tokens)",
                    "delivered 120 of 120 expected; missed 0; duplicates 0").doesNotContain(key);
            assertThat(server.centrifugo().connects()).isEqualTo(40);
        }
        assertThat(Files.readString(json)).as("the result names the file, never the key").doesNotContain(key)
                .contains(keyFile.getFileName().toString());
        // a raw endpoint's path with --centrifugo is a mistake the command names
        Object[] wrong = run("load", "ws-hold", "--centrifugo", "--url", "ws://127.0.0.1:1/sub/cli", "--conns", "1");
        assertThat(wrong[0]).isNotEqualTo(0);
    }
}
