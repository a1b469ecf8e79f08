package io.throng.websocket.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing (Jazzer) of what the Centrifugo protocol reads from any client before it
 * trusts anything: a command line (the JSON parser) and a connection token. Without JAZZER_FUZZ these
 * run once per seed under {@code CentrifugoFuzzTestInputs/}; docs/fuzzing.md says how to fuzz.
 */
// 10 s for one input: the longest takes well under 1 ms
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CentrifugoFuzzTest {
    private static final byte[] SECRET = "a fuzz secret of more than thirty-two bytes".getBytes(StandardCharsets.UTF_8);
    private static final ConnectionTokens TOKENS = new ConnectionTokens(SECRET, 4096);

    /** Any text either parses, and then writes back to text that parses to the same, or is refused as JSON; nothing else. */
    @FuzzTest
    void json(FuzzedDataProvider in) throws Exception {
        String text = in.consumeRemainingAsString();
        Object value;
        try {
            value = Json.parse(text);
        } catch (Json.JsonException refused) {
            return;
        }
        String written = Json.write(value);
        assertThat(written).doesNotContain("\n").doesNotContain("\r"); // one line of the newline-delimited framing
        assertThat(Json.write(Json.parse(written))).isEqualTo(written);
    }

    /**
     * Any string is a verdict, never an exception. Half the inputs are built as JWTs: a fuzzed
     * header and claims, base64url-encoded, signed with the key or not, so that the claims' checks
     * are reached. A token not signed with the key is never valid; a valid one names HS256 and has
     * sane claims. Each input is also judged as a subscription token.
     */
    @FuzzTest
    void token(FuzzedDataProvider in) throws Exception {
        String token;
        boolean signed = false;
        String header = "";
        if (in.consumeBoolean()) {
            header = in.consumeBoolean() ? "{\"alg\":\"HS256\",\"typ\":\"JWT\"}" : in.consumeString(200);
            String claims = in.consumeString(2000);
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String body = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                    + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
            signed = in.consumeBoolean();
            if (signed) {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
                token = body + "." + b64.encodeToString(mac.doFinal(body.getBytes(StandardCharsets.US_ASCII)));
            } else {
                token = body + "." + in.consumeRemainingAsString();
            }
        } else {
            token = in.consumeRemainingAsString();
        }
        ConnectionTokens.Verdict v = TOKENS.verify(token, System.currentTimeMillis());
        assertThat(v).isNotNull();
        if (v instanceof ConnectionTokens.Valid valid) {
            assertThat(signed).as("valid without the key's signature").isTrue();
            assertThat(header).contains("HS256");
            assertThat(valid.user()).isNotNull();
            assertThat(valid.expiresAt()).isNotNegative();
            assertThat(valid.channels()).isNotNull().doesNotContainNull();
        }
        if (v instanceof ConnectionTokens.Invalid invalid) {
            assertThat(invalid.why()).isNotBlank();
        }
        // the same token as a subscription token: a verdict too, valid only when signed, with a channel
        ConnectionTokens.SubscriptionVerdict sv = TOKENS.verifySubscription(token, System.currentTimeMillis());
        assertThat(sv).isNotNull();
        if (sv instanceof ConnectionTokens.SubscriptionValid valid) {
            assertThat(signed).as("valid without the key's signature").isTrue();
            assertThat(v).as("a subscription token is never a connection token").isInstanceOf(ConnectionTokens.Invalid.class);
            assertThat(valid.channel()).isNotEmpty();
            assertThat(valid.user()).isNotNull();
            assertThat(valid.expiresAt()).isNotNegative();
        }
        if (sv instanceof ConnectionTokens.Invalid invalid) {
            assertThat(invalid.why()).isNotBlank();
        }
    }
}
