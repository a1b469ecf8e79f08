package io.throng.websocket.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The claims of connection tokens, signed here with the JDK's HMAC (not the library under test). */
class ConnectionTokensTest {
    static final byte[] SECRET = "the secret of these tests, 32 bytes at least".getBytes(StandardCharsets.UTF_8);
    static final long NOW = 1_800_000_000_000L;
    static final ConnectionTokens TOKENS = new ConnectionTokens(SECRET, 4096);

    static String sign(String header, String claims) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String body = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        return body + "." + b64.encodeToString(mac.doFinal(body.getBytes(StandardCharsets.US_ASCII)));
    }

    static ConnectionTokens.Verdict verify(String claims) throws Exception {
        return TOKENS.verify(sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims), NOW);
    }

    @Test
    void claimsAreRead() throws Exception {
        long now = NOW / 1000;
        assertThat(verify("{\"sub\":\"42\",\"exp\":" + (now + 60) + ",\"channels\":[\"news\",\"chat:a\"],\"info\":{\"n\":1}}"))
                .isEqualTo(new ConnectionTokens.Valid("42", now + 60, List.of("news", "chat:a")));
        assertThat(verify("{}")).isEqualTo(new ConnectionTokens.Valid("", 0, List.of())); // no exp: never expires, as Centrifugo
        assertThat(verify("{\"sub\":\"42\",\"exp\":" + (now + 60) + ",\"expire_at\":0}"))
                .isEqualTo(new ConnectionTokens.Valid("42", 0, List.of())); // expire_at 0 overrides exp: the connection never expires
        assertThat(verify("{\"sub\":\"42\",\"expire_at\":" + (now + 5) + "}"))
                .isEqualTo(new ConnectionTokens.Valid("42", now + 5, List.of()));
    }

    @Test
    void expiryAndTheRefusals() throws Exception {
        long now = NOW / 1000;
        assertThat(verify("{\"sub\":\"42\",\"exp\":" + now + "}")).isInstanceOf(ConnectionTokens.Expired.class);
        assertThat(verify("{\"sub\":\"42\",\"expire_at\":" + (now - 1) + "}")).isInstanceOf(ConnectionTokens.Expired.class);
        for (String claims : List.of("{\"sub\":42}", "{\"exp\":\"soon\"}", "{\"channels\":\"news\"}", "{\"channels\":[1]}",
                "{\"channel\":\"news\"}", "{\"nbf\":" + (now + 60) + "}", "{\"expire_at\":-5}", "[1]", "not json")) {
            assertThat(verify(claims)).as(claims).isInstanceOf(ConnectionTokens.Invalid.class);
        }
        assertThat(TOKENS.verify(sign("{\"alg\":\"HS384\"}", "{}"), NOW)).isEqualTo(new ConnectionTokens.Invalid("algorithm HS384 not accepted (HS256 only)"));
        assertThat(TOKENS.verify(sign("{\"alg\":\"none\"}", "{}"), NOW)).isInstanceOf(ConnectionTokens.Invalid.class);
        String good = sign("{\"alg\":\"HS256\"}", "{\"sub\":\"42\"}");
        assertThat(new ConnectionTokens("another key that is also long enough!".getBytes(StandardCharsets.UTF_8), 4096).verify(good, NOW))
                .isEqualTo(new ConnectionTokens.Invalid("bad signature"));
        assertThat(new ConnectionTokens(SECRET, 64).verify(good + "x".repeat(64), NOW).toString()).contains("over the limit of 64");
    }

    @Test
    void aShortKeyIsRefused() {
        assertThatThrownBy(() -> CentrifugoConfig.withSecret(new byte[31])).hasMessageContaining("needs at least 32");
        assertThatThrownBy(() -> CentrifugoConfig.of(null, false)).hasMessageContaining("no client could connect");
        assertThat(CentrifugoConfig.withSecret(new byte[32]).toString()).doesNotContain("[B@");
    }
}
