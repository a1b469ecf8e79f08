package io.throng.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import org.junit.jupiter.api.Test;

class ConfigJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aServerConfigsDescribeBecomesNestedJsonWithTypedValues() throws Exception {
        ServerConfig c = ServerConfig.defaults().withPort(7000).withModel(Model.WORKER_POOL);
        JsonNode root = JSON.readTree(ConfigJson.fromDescribe(c.describe() + "  handler: echo\n"));
        JsonNode server = root.get("server");
        assertThat(server.get("port").isIntegralNumber()).isTrue();
        assertThat(server.get("port").asInt()).isEqualTo(7000);
        assertThat(server.get("workers").get("threads").asInt()).isEqualTo(c.workers().threads());
        assertThat(server.get("workers").get("virtual").isBoolean()).isTrue();
        assertThat(server.get("limits").get("linger-timeout").asText()).isEqualTo("2s");
        assertThat(server.get("socket").get("tcp-no-delay").isBoolean()).isTrue();
        assertThat(server.get("handler").asText()).isEqualTo("echo"); // back at depth 1 after the sections
    }

    @Test
    void severalDocumentsAreSeveralKeysAndTextIsEscaped() throws Exception {
        JsonNode root = JSON.readTree(ConfigJson.fromDescribe("server:\n  host: ::1\nbus:\n  url: redis://h:6379\n"
                + "  note: say \"hi\" \\ \t\n"));
        assertThat(root.get("server").get("host").asText()).isEqualTo("::1");
        assertThat(root.get("bus").get("url").asText()).isEqualTo("redis://h:6379");
        assertThat(root.get("bus").get("note").asText()).isEqualTo("say \"hi\" \\");
    }

    @Test
    void aBareKeyOpensASectionAsRpcServerOptionsWritesIt() throws Exception {
        JsonNode root = JSON.readTree(ConfigJson.fromDescribe("server:\n  port: 8000\n  rpc\n    network: tcp\n"));
        assertThat(root.get("server").get("rpc").get("network").asText()).isEqualTo("tcp");
    }

    @Test
    void secretsAreRedacted() {
        String json = ConfigJson.fromDescribe("bus:\n  password: hunter2\n  auth-token: abc\n  client-secret: s3\n  host: h\n");
        assertThat(json).doesNotContain("hunter2").doesNotContain("abc").doesNotContain("s3").contains("\"host\":\"h\"");
        assertThat(json).contains("\"password\":\"(redacted)\"");
    }

    @Test
    void textOfAnotherShapeIsRefusedNamingTheLine() {
        assertThatThrownBy(() -> ConfigJson.fromDescribe("server:\n   port: 1\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> ConfigJson.fromDescribe("server: x\n  port: 1\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> ConfigJson.fromDescribe("two words\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1");
    }
}
