package io.throng.cli.prefork;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The supervisor's status line over push workers' reports, as PushStatus.json writes them. */
class ClusterStatusTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode report(long subscribers, String centrifugo) throws Exception {
        return JSON.readTree("""
                {"pid":1,"stats":{"connections":%d,"accepted":0,"reads":0,"bytesRead":0,"bytesWritten":0,"rejected":0,
                 "acceptErrors":0,"lentBuffers":0,"lentBytes":0,"poolBytes":0},"messages":0,"rss":0,"heap":0,
                 "push":{"subscribers":%d},"bus":{"state":"up","relayed":0,"received":0,"dropped":0,"refused":0,"reconnects":0}%s}
                """.formatted(subscribers, subscribers, centrifugo == null ? "" : ",\"centrifugo\":" + centrifugo));
    }

    @Test
    void addsUpTheWorkersCentrifugoFiguresWhenTheyHaveThem() throws Exception {
        ClusterStatus status = new ClusterStatus();
        String line = status.line(List.of(
                report(3, "{\"sessions\":3,\"pending\":1,\"connects\":2,\"refused_upgrades\":7}"),
                report(4, "{\"sessions\":4,\"pending\":0,\"connects\":4,\"refused_upgrades\":5}")), 2, 0);
        assertThat(line).contains("| subscribers 3+4 |").contains("| centrifugo sessions 7 pending 1 connects/s ")
                .endsWith(" refused upgrades 12");

        String raw = new ClusterStatus().line(Arrays.asList(report(2, null), null), 1, 1);
        assertThat(raw).contains("| subscribers 2+- |").doesNotContain("centrifugo");
    }
}
