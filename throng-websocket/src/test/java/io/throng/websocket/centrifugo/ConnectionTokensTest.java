package io.throng.websocket.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
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
        assertThat(TOKENS.verify(sign("{\"alg\":\"HS384\"}", "{}"), NOW)).isInstanceOf(ConnectionTokens.Invalid.class);
        // a header that is the JSON literal null: the JWT library throws a NullPointerException on it
        assertThat(TOKENS.verify("bnVsbA.e30.c2ln", NOW)).isEqualTo(new ConnectionTokens.Invalid("not a signed JWT"));
        assertThat(TOKENS.verify(sign("{\"alg\":\"PS256\"}", "{}"), NOW))
                .isEqualTo(new ConnectionTokens.Invalid("algorithm PS256 not accepted (no key configured for it)"));
        assertThat(TOKENS.verify(sign("{\"alg\":\"none\"}", "{}"), NOW)).isInstanceOf(ConnectionTokens.Invalid.class);
        String good = sign("{\"alg\":\"HS256\"}", "{\"sub\":\"42\"}");
        assertThat(new ConnectionTokens("another key that is also long enough!".getBytes(StandardCharsets.UTF_8), 4096).verify(good, NOW))
                .isEqualTo(new ConnectionTokens.Invalid("bad signature"));
        assertThat(new ConnectionTokens(SECRET, 64).verify(good + "x".repeat(64), NOW).toString()).contains("over the limit of 64");
    }

    @Test
    void aShortKeyIsRefused() {
        assertThatThrownBy(() -> CentrifugoConfig.withSecret(new byte[31])).hasMessageContaining("needs at least 32");
        assertThatThrownBy(() -> CentrifugoConfig.of(TokenKeys.NONE, false)).hasMessageContaining("no client could connect");
        assertThat(CentrifugoConfig.withSecret(new byte[32]).toString()).doesNotContain("[B@");
    }

    static String signed(JWSAlgorithm alg, JWSSigner signer, String sub) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(alg), new JWTClaimsSet.Builder().subject(sub).build());
        jwt.sign(signer);
        return jwt.serialize();
    }

    static String pem(java.security.PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }

    static String signedWithKid(JWSAlgorithm alg, JWSSigner signer, String kid, String sub) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), new JWTClaimsSet.Builder().subject(sub).build());
        jwt.sign(signer);
        return jwt.serialize();
    }

    /** A JWKS (from a file, as Centrifugo's endpoint serves it): the token's kid picks the key, of the algorithm's family. */
    @Test
    void aJwksPicksTheKeyByKid() throws Exception {
        KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(2048);
        KeyPair rsa = rsaGen.generateKeyPair();
        KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
        ecGen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = ecGen.generateKeyPair();
        String jwks = "{\"keys\":[" + new com.nimbusds.jose.jwk.RSAKey.Builder((RSAPublicKey) rsa.getPublic()).keyID("r1").build()
                .toPublicJWK().toJSONString() + "," + new com.nimbusds.jose.jwk.ECKey.Builder(com.nimbusds.jose.jwk.Curve.P_256,
                (ECPublicKey) ec.getPublic()).keyID("e1").build().toPublicJWK().toJSONString() + "]}";
        ConnectionTokens tokens = new ConnectionTokens(TokenKeys.hmac(SECRET).withJwks(TokenKeys.jwksFrom(jwks)), 4096);
        assertThat(tokens.verify(signedWithKid(JWSAlgorithm.RS256, new RSASSASigner(rsa.getPrivate()), "r1", "ann"), NOW))
                .isEqualTo(new ConnectionTokens.Valid("ann", 0, List.of()));
        assertThat(tokens.verify(signedWithKid(JWSAlgorithm.ES256, new ECDSASigner((ECPrivateKey) ec.getPrivate()), "e1", "bob"), NOW))
                .isEqualTo(new ConnectionTokens.Valid("bob", 0, List.of()));
        assertThat(tokens.verify(signed(JWSAlgorithm.RS256, new RSASSASigner(rsa.getPrivate()), "ann"), NOW)).as("no kid")
                .isInstanceOf(ConnectionTokens.Invalid.class);
        assertThat(tokens.verify(signedWithKid(JWSAlgorithm.RS256, new RSASSASigner(rsa.getPrivate()), "r2", "ann"), NOW))
                .as("an unknown kid").isInstanceOf(ConnectionTokens.Invalid.class);
        assertThat(tokens.verify(signedWithKid(JWSAlgorithm.ES256, new ECDSASigner((ECPrivateKey) ec.getPrivate()), "r1", "ann"), NOW))
                .as("an ES token naming the RSA key").isInstanceOf(ConnectionTokens.Invalid.class);
        assertThat(tokens.verify(signed(JWSAlgorithm.HS256, new MACSigner(SECRET), "cy"), NOW)).as("HMAC alongside")
                .isEqualTo(new ConnectionTokens.Valid("cy", 0, List.of()));
        assertThat(TokenKeys.hmac(SECRET).withJwks(TokenKeys.jwksFrom(jwks)).describe()).contains("JWKS of 2 key(s): e1, r1");

        String withPrivate = "{\"keys\":[" + new com.nimbusds.jose.jwk.RSAKey.Builder((RSAPublicKey) rsa.getPublic())
                .privateKey(rsa.getPrivate()).keyID("r1").build().toJSONString() + "]}";
        assertThatThrownBy(() -> TokenKeys.jwksFrom(withPrivate)).hasMessageContaining("is private");
        assertThatThrownBy(() -> TokenKeys.jwksFrom("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"s\",\"k\":\"AAAA\"}]}"))
                .as("a symmetric key is a secret").hasMessageContaining("is private");
        assertThatThrownBy(() -> TokenKeys.jwksFrom("{\"keys\":[" + new com.nimbusds.jose.jwk.RSAKey.Builder(
                (RSAPublicKey) rsa.getPublic()).build().toJSONString() + "]}")).hasMessageContaining("without a kid");
        assertThatThrownBy(() -> TokenKeys.jwksFrom("not json")).hasMessageContaining("not a JWKS document");
        assertThatThrownBy(() -> new TokenKeys(null, (RSAPublicKey) rsa.getPublic(), null, TokenKeys.jwksFrom(jwks)))
                .hasMessageContaining("replaces the RSA and ECDSA public keys");
    }

    @Test
    void rsaAndEcdsaTokensAreCheckedWithTheirOwnKeysOnly() throws Exception {
        KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(2048);
        KeyPair rsa = rsaGen.generateKeyPair();
        KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
        ecGen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = ecGen.generateKeyPair();
        RSAPublicKey rsaPublic = TokenKeys.rsaFromPem(pem(rsa.getPublic())); // through PEM, as from a file
        ECPublicKey ecPublic = TokenKeys.ecdsaFromPem(pem(ec.getPublic()));
        assertThat(rsaPublic).isEqualTo(rsa.getPublic());

        ConnectionTokens rsaOnly = new ConnectionTokens(new TokenKeys(null, rsaPublic, null), 4096);
        ConnectionTokens all = new ConnectionTokens(new TokenKeys(SECRET, rsaPublic, ecPublic), 4096);
        String rs256 = signed(JWSAlgorithm.RS256, new RSASSASigner(rsa.getPrivate()), "ann");
        String rs512 = signed(JWSAlgorithm.RS512, new RSASSASigner(rsa.getPrivate()), "ann");
        String es256 = signed(JWSAlgorithm.ES256, new ECDSASigner((ECPrivateKey) ec.getPrivate()), "bob");
        assertThat(rsaOnly.verify(rs256, NOW)).isEqualTo(new ConnectionTokens.Valid("ann", 0, List.of()));
        assertThat(rsaOnly.verify(rs512, NOW)).isEqualTo(new ConnectionTokens.Valid("ann", 0, List.of()));
        assertThat(all.verify(es256, NOW)).isEqualTo(new ConnectionTokens.Valid("bob", 0, List.of()));
        assertThat(rsaOnly.verify(es256, NOW)).isEqualTo(new ConnectionTokens.Invalid("algorithm ES256 not accepted (no key configured for it)"));
        assertThat(rsaOnly.verify(sign("{\"alg\":\"HS256\"}", "{}"), NOW)).isInstanceOf(ConnectionTokens.Invalid.class);

        // algorithm confusion: HS256 with the RSA public key as the HMAC secret is never checked with that key
        byte[] publicBytes = pem(rsa.getPublic()).getBytes(StandardCharsets.US_ASCII);
        String confused = signed(JWSAlgorithm.HS256, new MACSigner(publicBytes), "mallory");
        assertThat(rsaOnly.verify(confused, NOW)).isInstanceOf(ConnectionTokens.Invalid.class);
        assertThat(all.verify(confused, NOW)).isEqualTo(new ConnectionTokens.Invalid("bad signature"));
        // a token signed with another RSA key
        KeyPair other = rsaGen.generateKeyPair();
        assertThat(all.verify(signed(JWSAlgorithm.RS256, new RSASSASigner(other.getPrivate()), "ann"), NOW))
                .isEqualTo(new ConnectionTokens.Invalid("bad signature"));
    }

    @Test
    void weakOrMalformedKeysAreRefused() throws Exception {
        KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(1024);
        RSAPublicKey weak = (RSAPublicKey) rsaGen.generateKeyPair().getPublic();
        assertThatThrownBy(() -> new TokenKeys(null, weak, null)).hasMessageContaining("the RSA key has 1024 bits; RS256 needs at least 2048");
        assertThatThrownBy(() -> TokenKeys.rsaFromPem("hello")).hasMessageContaining("not a PEM public key");
        assertThatThrownBy(() -> TokenKeys.rsaFromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"))
                .hasMessageContaining("not an RSA public key");
        KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
        ecGen.initialize(new ECGenParameterSpec("secp256r1"));
        String ecPem = pem(ecGen.generateKeyPair().getPublic());
        assertThatThrownBy(() -> TokenKeys.rsaFromPem(ecPem)).hasMessageContaining("not an RSA public key");
        assertThat(new TokenKeys(SECRET, null, TokenKeys.ecdsaFromPem(ecPem)).describe())
                .isEqualTo("HS256/384/512 (secret of 44 bytes), ES256/384/512 (EC 256 bits)");
    }
}
