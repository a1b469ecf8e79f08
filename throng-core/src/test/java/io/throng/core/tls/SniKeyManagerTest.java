package io.throng.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The choice alone: by name first, then by key type. */
class SniKeyManagerTest {
    private static SniKeyManager.Entry entry(String alias, String alg, String... names) {
        return new SniKeyManager.Entry(alias, null, new java.security.cert.X509Certificate[0], alg, List.of(names));
    }

    private final SniKeyManager m = new SniKeyManager(List.of(
            entry("ec-default", "EC", "default.test"),
            entry("rsa-site", "RSA", "rsa.test"),
            entry("wild", "EC", "*.apps.test")));

    @Test
    void aRequestedNameTakesItsOwnCertificateWhateverTypeTheClientPrefers() {
        assertThat(m.choose("EC", "rsa.test")).as("the named site has no EC key: the client's next type").isNull();
        assertThat(m.choose("RSA", "rsa.test")).isEqualTo("rsa-site");
        assertThat(m.choose("RSASSA-PSS", "RSA.TEST")).isEqualTo("rsa-site");
    }

    @Test
    void aWildcardCoversOneLabel() {
        assertThat(m.choose("EC", "a.apps.test")).isEqualTo("wild");
        assertThat(m.choose("EC", "a.b.apps.test")).as("two labels: not the wildcard's").isEqualTo("ec-default");
        assertThat(m.choose("EC", "apps.test")).isEqualTo("ec-default");
    }

    @Test
    void noNameOrAnUnknownOneTakesTheFirstOfTheType() {
        assertThat(m.choose("EC", null)).isEqualTo("ec-default");
        assertThat(m.choose("RSA", "nobody.test")).isEqualTo("rsa-site");
        assertThat(m.choose("EdDSA", null)).isNull();
    }
}
