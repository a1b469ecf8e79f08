package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's WebSocket example, run as written (with the topics wired in and a port of 0). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeExampleTest {

    @Test
    void theReadmeExampleWorks() throws Exception {
        TopicRegistry topics = new TopicRegistry();            // give it to the builder with .topics(topics)
        WebSocketHandler chat = new WebSocketHandler() {
            @Override public void onText(WebSocket ws, ByteBuffer utf8) { ws.sendText(utf8); }   // payload valid during the call
            @Override public void onOpen(WebSocket ws) { topics.subscribe("news", ws); }
        };
        WebSocketProtocol protocol = WebSocketProtocol.server(chat)
                .config(WebSocketConfig.defaults().withMaxMessageBytes(64 * 1024).withDeflate(DeflateConfig.ENABLED))
                .hook(request -> request.cookie("session") != null ? RequestDecision.upgrade(request.cookie("session"))
                                                                 : RequestDecision.refuse(401, "log in first"))
                .topics(topics)
                .build();
        try (WebSocketServer server = WebSocketServer.start(ServerConfig.defaults().withPort(0), protocol);
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(1),
                     WebSocketConfig.defaults().withDeflate(DeflateConfig.ENABLED))) {
            try {
                client.connect(WebSocketRequest.to(server.address(), "/"), new Inbox()).get(5, TimeUnit.SECONDS);
                throw new AssertionError("upgraded without a session cookie");
            } catch (ExecutionException e) {
                assertThat(((WebSocketHandshakeException) e.getCause()).status()).isEqualTo(401);
            }
            Inbox inbox = new Inbox();
            WebSocket ws = client.connect(WebSocketRequest.to(server.address(), "/").withHeader("Cookie", "session=abc"), inbox)
                    .get(5, TimeUnit.SECONDS);
            assertThat(ws.compressed()).isTrue();
            String long_ = "a compressible message ".repeat(20);
            ws.sendText(long_);
            assertThat(inbox.nextText()).isEqualTo(long_);
            PublishResult r = topics.publish("news", PreparedMessage.text("hello " + long_));   // framed once
            assertThat(r.delivered()).isEqualTo(1);
            assertThat(inbox.nextText()).isEqualTo("hello " + long_);
        }
    }
}
