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
                .isEqualTo(new ConnectionTokens.Valid("42", now + 60, List.of("news", "chat:a"), "{\"n\":1}"));
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
        // not valid yet: expired too, as Centrifugo answers it (109: the SDK fetches another token)
        assertThat(verify("{\"sub\":\"42\",\"nbf\":" + (now + 60) + "}")).isInstanceOf(ConnectionTokens.Expired.class);
        assertThat(verify("{\"sub\":\"42\",\"nbf\":" + now + "}")).isInstanceOf(ConnectionTokens.Valid.class);
        for (String claims : List.of("{\"sub\":42}", "{\"exp\":\"soon\"}", "{\"channels\":\"news\"}", "{\"channels\":[1]}",
                "{\"channel\":\"news\"}", "{\"expire_at\":-5}", "[1]", "not json")) {
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

    static final String HS256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

    /** Centrifugo's user_id_claim: the user from that claim (a string, or an integer as its text), not from sub. */
    @Test
    void theUserComesFromTheConfiguredClaim() throws Exception {
        ConnectionTokens tokens = withChecks(ClaimChecks.NONE.withUserIdClaim("uid"));
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"42\",\"uid\":\"ann\"}"), NOW))
                .isEqualTo(new ConnectionTokens.Valid("ann", 0, List.of()));
        assertThat(tokens.verify(sign(HS256, "{\"uid\":1234567}"), NOW)).isEqualTo(new ConnectionTokens.Valid("1234567", 0, List.of()));
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"42\"}"), NOW)).as("sub is not the user then")
                .isEqualTo(new ConnectionTokens.Valid("", 0, List.of()));
        assertThat(tokens.verify(sign(HS256, "{\"uid\":1.5}"), NOW))
                .isEqualTo(new ConnectionTokens.Invalid("the user id claim is neither a string nor an integer"));
        assertThat(tokens.verify(sign(HS256, "{\"uid\":[\"a\"]}"), NOW)).isInstanceOf(ConnectionTokens.Invalid.class);
        assertThat(tokens.verify(sign(HS256, "{\"uid\":\"ann\",\"sub\":7}"), NOW)).as("a sub is a string all the same")
                .isInstanceOf(ConnectionTokens.Invalid.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClaimChecks.NONE.withUserIdClaim("user.id"))
                .hasMessageContaining("letters and underscores only");
    }

    static ConnectionTokens withChecks(ClaimChecks checks) {
        return new ConnectionTokens(TokenKeys.hmac(SECRET).withChecks(checks), 4096);
    }

    /** Centrifugo's client.token.audience and issuer: required of connection and subscription tokens alike when set. */
    @Test
    void audienceAndIssuerAreCheckedWhenConfigured() throws Exception {
        long now = NOW / 1000;
        ConnectionTokens tokens = withChecks(new ClaimChecks("app", null, "https://auth.example", null));
        String iss = "\"iss\":\"https://auth.example\"";
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"42\",\"aud\":\"app\"," + iss + "}"), NOW))
                .isEqualTo(new ConnectionTokens.Valid("42", 0, List.of()));
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"42\",\"aud\":[\"other\",\"app\"]," + iss + "}"), NOW)).as("a list naming it")
                .isEqualTo(new ConnectionTokens.Valid("42", 0, List.of()));
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"42\",\"aud\":\"other\"," + iss + "}"), NOW))
                .isEqualTo(new ConnectionTokens.Invalid("aud is not the expected audience"));
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"42\",\"aud\":\"App\"," + iss + "}"), NOW)).as("exact, case and all")
                .isInstanceOf(ConnectionTokens.Invalid.class);
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"42\"," + iss + "}"), NOW))
                .isEqualTo(new ConnectionTokens.Invalid("no aud claim, and an audience is required"));
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"42\",\"aud\":\"app\",\"iss\":\"https://evil.example\"}"), NOW))
                .isEqualTo(new ConnectionTokens.Invalid("iss is not the expected issuer"));
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"42\",\"aud\":\"app\"}"), NOW))
                .isEqualTo(new ConnectionTokens.Invalid("no iss claim, and an issuer is required"));
        // checked before the expiry, as in Centrifugo: an expired token for another audience is invalid (3500), not expired (109)
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"42\",\"aud\":\"other\"," + iss + ",\"exp\":" + (now - 5) + "}"), NOW))
                .isInstanceOf(ConnectionTokens.Invalid.class);
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"42\",\"aud\":\"app\"," + iss + ",\"exp\":" + (now - 5) + "}"), NOW))
                .isInstanceOf(ConnectionTokens.Expired.class);
        // subscription tokens: the same checks
        assertThat(tokens.verifySubscription(sign(HS256, "{\"sub\":\"42\",\"channel\":\"$a\",\"aud\":\"app\"," + iss + "}"), NOW))
                .isEqualTo(new ConnectionTokens.SubscriptionValid("42", "$a", 0, null, null));
        assertThat(tokens.verifySubscription(sign(HS256, "{\"sub\":\"42\",\"channel\":\"$a\",\"aud\":\"web\"," + iss + "}"), NOW))
                .isEqualTo(new ConnectionTokens.Invalid("aud is not the expected audience"));
        assertThat(tokens.verifySubscription(sign(HS256, "{\"sub\":\"42\",\"channel\":\"$a\",\"aud\":\"app\"}"), NOW))
                .isInstanceOf(ConnectionTokens.Invalid.class);
        // without checks configured, aud and iss are not looked at
        assertThat(TOKENS.verify(sign(HS256, "{\"sub\":\"42\",\"aud\":\"anything\",\"iss\":\"anyone\"}"), NOW))
                .isEqualTo(new ConnectionTokens.Valid("42", 0, List.of()));
    }

    /** The regex variants: a match anywhere in one audience (Go's FindStringSubmatch), in the issuer; Go's (?P<name>) read. */
    @Test
    void audienceAndIssuerRegexes() throws Exception {
        ConnectionTokens tokens = withChecks(new ClaimChecks(null, "^app-(?P<env>prod|staging)$", null, "auth\\.example"));
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"1\",\"aud\":[\"x\",\"app-prod\"],\"iss\":\"https://auth.example/\"}"), NOW))
                .isEqualTo(new ConnectionTokens.Valid("1", 0, List.of()));
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"1\",\"aud\":\"app-dev\",\"iss\":\"https://auth.example/\"}"), NOW))
                .isEqualTo(new ConnectionTokens.Invalid("aud is not the expected audience"));
        assertThat(tokens.verify(sign(HS256, "{\"sub\":\"1\",\"aud\":\"app-staging\",\"iss\":\"https://authXexample/\"}"), NOW))
                .isEqualTo(new ConnectionTokens.Invalid("iss is not the expected issuer"));
        // an issuer regex that matches "" accepts a token without iss, as Centrifugo's (it matches the empty issuer)
        assertThat(withChecks(new ClaimChecks(null, null, null, "^$")).verify(sign(HS256, "{\"sub\":\"1\"}"), NOW))
                .isEqualTo(new ConnectionTokens.Valid("1", 0, List.of()));

        assertThatThrownBy(() -> new ClaimChecks("app", "^app$", null, null)).hasMessageContaining("configure one of them");
        assertThatThrownBy(() -> new ClaimChecks(null, null, "a", "b")).hasMessageContaining("configure one of them");
        assertThatThrownBy(() -> new ClaimChecks(null, "([", null, null)).hasMessageContaining("not a regular expression");
        assertThat(new ClaimChecks("", "", "", "")).isEqualTo(ClaimChecks.NONE);
        assertThat(TokenKeys.hmac(SECRET).withChecks(new ClaimChecks("app", null, null, "^i$")).describe())
                .isEqualTo("HS256/384/512 (secret of 44 bytes); claims aud = app, iss ~ /^i$/");
    }

    /** info and b64info: Centrifugo's conn_info (connection tokens) and chan_info (subscription tokens), as compact JSON. */
    @Test
    void infoAndB64infoAreKeptAsJson() throws Exception {
        String b64 = Base64.getEncoder().encodeToString("{\"from\": \"b64\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(verify("{\"sub\":\"1\",\"info\":{ \"name\" : \"Ann\", \"big\": 12345678901234567890 }}"))
                .isEqualTo(new ConnectionTokens.Valid("1", 0, List.of(), "{\"name\":\"Ann\",\"big\":12345678901234567890}"));
        assertThat(verify("{\"sub\":\"1\",\"info\":\"just text\"}")).isEqualTo(new ConnectionTokens.Valid("1", 0, List.of(), "\"just text\""));
        assertThat(verify("{\"sub\":\"1\",\"info\":null}")).isEqualTo(new ConnectionTokens.Valid("1", 0, List.of()));
        assertThat(verify("{\"sub\":\"1\",\"info\":{\"a\":1},\"b64info\":\"" + b64 + "\"}")).as("b64info wins, as in Centrifugo")
                .isEqualTo(new ConnectionTokens.Valid("1", 0, List.of(), "{\"from\":\"b64\"}"));
        assertThat(verify("{\"sub\":\"1\",\"info\":{\"a\":1},\"b64info\":\"\"}")).as("an empty b64info is none")
                .isEqualTo(new ConnectionTokens.Valid("1", 0, List.of(), "{\"a\":1}"));
        assertThat(verify("{\"sub\":\"1\",\"b64info\":\"%%%\"}")).isEqualTo(new ConnectionTokens.Invalid("a b64info that is not base64"));
        assertThat(verify("{\"sub\":\"1\",\"b64info\":\"" + Base64.getEncoder().encodeToString(new byte[] {1, 2, (byte) 0xff}) + "\"}"))
                .as("bytes the JSON protocol cannot carry").isInstanceOf(ConnectionTokens.Invalid.class);
        assertThat(verify("{\"sub\":\"1\",\"b64info\":5}")).isInstanceOf(ConnectionTokens.Invalid.class);
        assertThat(TOKENS.verifySubscription(sign(HS256, "{\"sub\":\"1\",\"channel\":\"$c\",\"info\":{\"role\":\"mod\"}}"), NOW))
                .isEqualTo(new ConnectionTokens.SubscriptionValid("1", "$c", 0, null, null, "{\"role\":\"mod\"}"));
        assertThat(TOKENS.verifySubscription(sign(HS256, "{\"sub\":\"1\",\"channel\":\"$c\",\"b64info\":\"" + b64 + "\"}"), NOW))
                .isEqualTo(new ConnectionTokens.SubscriptionValid("1", "$c", 0, null, null, "{\"from\":\"b64\"}"));
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
