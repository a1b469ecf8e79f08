package io.throng.cli.prefork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.throng.core.CloseReason;
import io.throng.core.ServerStats;
import io.throng.load.Json;
import io.throng.websocket.WebSocketStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cluster's sums of a prefork supervisor: workers' reports as they print them (JSON) added up,
 * a worker's levels gone with it, its counts kept, so that no counter ever goes backwards.
 */
class ClusterTotalsTest {

    /** A worker's status object as it prints it, with these counters. */
    private static JsonNode status(long pid, int connections, long accepted, long bytesRead, long peerClosed,
                                   WebSocketStats push) throws Exception {
        ServerStats s = new ServerStats(1_000_000, connections, accepted, 0, peerClosed, bytesRead, bytesRead, accepted,
                accepted, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1_000_000, 2_000_000, connections, 4096L * connections, 65536,
                Map.of(CloseReason.Kind.PEER_CLOSED, peerClosed));
        String line = "{\"status\":" + Json.write(push == null
                ? Map.of("pid", pid, "stats", s, "rss", 1000, "heap", 100)
                : Map.of("pid", pid, "stats", s, "rss", 1000, "heap", 100, "ws", push)) + "}";
        return Json.mapper().readTree(line).get("status");
    }

    private static WorkerReport report(long pid, int connections, long accepted, long bytesRead, long peerClosed)
            throws Exception {
        return WorkerReport.parse(status(pid, connections, accepted, bytesRead, peerClosed, null), System.nanoTime());
    }

    @Test
    void runningWorkersAreAddedUpLevelsAndCountsAlike() throws Exception {
        ClusterTotals t = new ClusterTotals(2);
        ClusterTotals.Run a = t.begin(0, 101);
        ClusterTotals.Run b = t.begin(1, 102);
        assertThat(t.server().accepted()).isZero();
        t.report(a, report(101, 3, 10, 500, 7));
        t.report(b, report(102, 4, 20, 700, 16));
        ServerStats s = t.server();
        assertThat(s.connections()).isEqualTo(7);
        assertThat(s.accepted()).isEqualTo(30);
        assertThat(s.bytesRead()).isEqualTo(1200);
        assertThat(s.lentBuffers()).isEqualTo(7);
        assertThat(s.closedBy(CloseReason.Kind.PEER_CLOSED)).isEqualTo(23);
        assertThat(t.latest(0).pid()).isEqualTo(101);
        assertThat(t.latest(1).rss()).isEqualTo(1000);
        assertThat(t.latest(1).heapCommitted()).as("not sent: unknown").isEqualTo(-1);
        assertThat(t.restarts()).isZero();
    }

    @Test
    void anEndedWorkersCountsStayItsLevelsGoAndItsRestartCountsFromZeroOnTop() throws Exception {
        ClusterTotals t = new ClusterTotals(2);
        ClusterTotals.Run a = t.begin(0, 101);
        ClusterTotals.Run b = t.begin(1, 102);
        t.report(a, report(101, 3, 10, 500, 7));
        t.report(b, report(102, 4, 20, 700, 16));

        t.retire(a); // killed: its output ended
        ServerStats s = t.server();
        assertThat(s.connections()).as("its connections went with it").isEqualTo(4);
        assertThat(s.lentBuffers()).isEqualTo(4);
        assertThat(s.accepted()).as("its counts stay").isEqualTo(30);
        assertThat(s.closedBy(CloseReason.Kind.PEER_CLOSED)).isEqualTo(23);
        assertThat(t.running(0)).isNull();
        assertThat(t.latest(0)).isNull();

        t.report(a, report(101, 0, 99, 9999, 99)); // a line read after the end: ignored
        t.retire(a); // twice: counted once
        assertThat(t.server().accepted()).isEqualTo(30);

        ClusterTotals.Run a2 = t.begin(0, 201);
        assertThat(t.restarts()).isEqualTo(1);
        assertThat(t.server().accepted()).as("no report from the new process yet").isEqualTo(30);
        t.report(a2, report(201, 2, 2, 40, 0));
        s = t.server();
        assertThat(s.accepted()).isEqualTo(32);
        assertThat(s.bytesRead()).isEqualTo(1240);
        assertThat(s.connections()).isEqualTo(6);
        assertThat(t.latest(0).pid()).isEqualTo(201);
    }

    @Test
    void beginningAgainInASlotRetiresTheRunStillThere() throws Exception {
        ClusterTotals t = new ClusterTotals(1);
        ClusterTotals.Run a = t.begin(0, 101);
        t.report(a, report(101, 5, 10, 100, 0));
        t.begin(0, 102); // its output has not ended yet (a pipe still draining): retired now, once
        t.retire(a);
        assertThat(t.server().accepted()).isEqualTo(10);
        assertThat(t.server().connections()).isZero();
    }

    @Test
    void pushCountersAreAddedUpTheSameWay() throws Exception {
        ClusterTotals t = new ClusterTotals(2);
        ClusterTotals.Run a = t.begin(0, 101);
        ClusterTotals.Run b = t.begin(1, 102);
        WebSocketStats pa = new WebSocketStats(3, 0, 3, 0, 0, 0, 0, 0, 0, 30, 0, 0, 0, 0, 0, 0, 0, 0, 10, 30, 1, 0, 3, 1);
        WebSocketStats pb = new WebSocketStats(2, 1, 2, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 10, 20, 0, 0, 2, 1);
        t.report(a, WorkerReport.parse(status(101, 3, 3, 0, 0, pa), System.nanoTime()));
        t.report(b, WorkerReport.parse(status(102, 3, 3, 0, 0, pb), System.nanoTime()));
        WebSocketStats sum = t.push();
        assertThat(sum.open()).isEqualTo(5);
        assertThat(sum.publishes()).isEqualTo(20);
        assertThat(sum.deliveries()).isEqualTo(50);
        assertThat(sum.topics()).as("each worker's channels, added").isEqualTo(2);
        t.retire(a);
        sum = t.push();
        assertThat(sum.open()).isEqualTo(2);
        assertThat(sum.subscriptions()).isEqualTo(2);
        assertThat(sum.deliveries()).isEqualTo(50);
        assertThat(sum.dropped()).isEqualTo(1);
    }

    @Test
    void aReportWithoutTheEnginesCountersIsRefusedWithAReason() throws Exception {
        JsonNode bad = Json.mapper().readTree("{\"pid\":1,\"rss\":5}");
        assertThatThrownBy(() -> WorkerReport.parse(bad, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without \"stats\"");
        JsonNode wrong = Json.mapper().readTree("{\"pid\":1,\"stats\":{\"accepted\":\"many\"}}");
        assertThatThrownBy(() -> WorkerReport.parse(wrong, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not parse");
    }
}
