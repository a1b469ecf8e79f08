package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.net.Client;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.net.Server;
import io.throng.core.config.ClientConfig;
import io.throng.core.handler.EchoHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client connection carries the attachment given to {@code connect} from before its onOpen, so
 * a protocol client (the WebSocket client) knows in onOpen which request the connection is for.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientAttachmentTest {

    @Test
    void eachConnectionSeesItsOwnAttachmentInOnOpen() throws Exception {
        Map<Long, Object> seenInOpen = new ConcurrentHashMap<>();
        Handler greeter = new Handler() {
            @Override
            public void onOpen(Connection c) {
                Object a = c.attachment();
                seenInOpen.put(c.id(), a == null ? "(none)" : a);
                String name = c.attachment();
                c.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
            }

            @Override
            public void onData(Connection c, ByteBuffer in) {
                in.position(in.limit());
            }
        };
        try (Server server = Server.start(Variant.ALL.get(2).config(), new EchoHandler());
             Client client = Client.start(ClientConfig.defaults().withLoops(2), greeter)) {
            List<CompletableFuture<Connection>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                futures.add(client.connect(server.address(), null, "request-" + i));
            }
            for (int i = 0; i < futures.size(); i++) {
                Connection c = futures.get(i).get(10, TimeUnit.SECONDS);
                assertThat(seenInOpen.get(c.id())).isEqualTo("request-" + i);
                assertThat((String) c.attachment()).isEqualTo("request-" + i);
            }
            // the plain overloads attach nothing
            Connection plain = client.connect(server.address()).get(10, TimeUnit.SECONDS);
            assertThat(seenInOpen.get(plain.id())).isEqualTo("(none)");
            assertThat((Object) plain.attachment()).isNull();
        }
    }
}
