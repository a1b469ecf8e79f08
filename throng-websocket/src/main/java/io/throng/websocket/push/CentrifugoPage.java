package io.throng.websocket.push;

import io.throng.websocket.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The page of {@code throng push --centrifugo} at {@value #PATH}: it runs Centrifugo's official
 * JavaScript SDK ({@code centrifuge}) in the browser against this server's
 * {@code /connection/websocket} (connect with a token, subscribe with recovery, publications with
 * their offsets, publish, presence, the connection's and subscription's states). The page and its
 * script are throng's; the SDK is not in throng's jar:
 * <ul>
 *   <li>by default the page loads the pinned release {@value #SDK_VERSION} from jsDelivr
 *       ({@value #CDN_URL}) with Subresource Integrity ({@link #CDN_INTEGRITY}: the browser runs it
 *       only if its bytes are those npm published), so a changed file on the CDN cannot run on this
 *       server's origin;</li>
 *   <li>with {@link #withSdkFile}, the operator's copy of the bundle ({@code dist/centrifuge.js}
 *       of the npm package), read once at start and served at {@value #SDK_PATH}: for networks
 *       that do not reach the CDN, or operators who keep third-party code on their own servers.</li>
 * </ul>
 * The page holds no secret and changes nothing on the server: the token is typed into it and goes
 * only into the SDK's connect command, inside the WebSocket (never a URL, so never an access log or
 * a Referer); and a browser connects only if the page's origin is in the allowed origins.
 */
public final class CentrifugoPage {
    /** Where the page is. */
    public static final String PATH = "/centrifugo";
    /** The page's own script (kept apart from the markup so that the Content-Security-Policy needs no inline script). */
    static final String SCRIPT_PATH = "/centrifugo/page.js";
    /** The operator's SDK bundle, with {@link #withSdkFile}. */
    public static final String SDK_PATH = "/centrifugo/centrifuge.js";
    /** The SDK release the page loads from the CDN: the one the tests run. */
    public static final String SDK_VERSION = "5.7.4";
    public static final String CDN_URL = "https://cdn.jsdelivr.net/npm/centrifuge@" + SDK_VERSION + "/dist/centrifuge.js";
    /** SHA-384 of {@code dist/centrifuge.js} in the npm package centrifuge 5.7.4 (checked by CentrifugoPageTest against the installed one). */
    public static final String CDN_INTEGRITY = "sha384-Iz2tPn0Bdkrz7y4HN3TY1XBlxpW+TjRqSbTJc2ENckVFOGn9tDUNezcC3CF5pO+h";
    /** A larger file is not the SDK's browser bundle (77 KB in 5.7.4; the Protobuf one is 205 KB). */
    public static final int MAX_SDK_BYTES = 4 << 20;

    private final byte[] html;
    private final byte[] script;
    private final byte[] sdk;
    private final String source;
    private final String policy;

    private CentrifugoPage(byte[] sdk, String source) {
        this.sdk = sdk;
        this.source = source;
        String tag = sdk == null
                ? "<script src=\"" + CDN_URL + "\" integrity=\"" + CDN_INTEGRITY + "\" crossorigin=\"anonymous\"></script>"
                : "<script src=\"" + SDK_PATH + "\"></script>";
        String about = sdk == null
                ? "centrifuge " + SDK_VERSION + " from cdn.jsdelivr.net, pinned by its hash"
                : "centrifuge from this server (--centrifugo-sdk-file)";
        this.html = resource("centrifugo.html").replace("<!--sdk-script-->", tag).replace("<!--sdk-source-->", about)
                .getBytes(StandardCharsets.UTF_8);
        this.script = resource("centrifugo-page.js").getBytes(StandardCharsets.UTF_8);
        // Scripts from this server (and the CDN when used) only; connect-src 'self' covers ws:/wss: to this host
        this.policy = "default-src 'none'; script-src 'self'" + (sdk == null ? " https://cdn.jsdelivr.net" : "")
                + "; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none';"
                + " frame-ancestors 'none'";
    }

    /** The page loading the SDK from the CDN, pinned by version and hash. */
    public static CentrifugoPage fromCdn() {
        return new CentrifugoPage(null, "cdn " + CDN_URL);
    }

    /** The page loading the SDK from this server, which serves {@code file} (read now, once). */
    public static CentrifugoPage withSdkFile(Path file) throws IOException {
        long size = Files.size(file);
        if (size == 0 || size > MAX_SDK_BYTES) {
            throw new IllegalArgumentException("SDK file " + file + " has " + size + " bytes; the SDK's browser bundle"
                    + " (dist/centrifuge.js of the npm package centrifuge) has some tens of KB");
        }
        byte[] bytes = Files.readAllBytes(file);
        return new CentrifugoPage(bytes, "file " + file + " (" + bytes.length + " bytes)");
    }

    /** Whether {@code path} is one of the page's. */
    static boolean owns(String path) {
        return path.equals(PATH) || path.startsWith(PATH + "/");
    }

    /** The answer to {@code GET path}, {@code path} being one of the page's ({@link #owns}). */
    HttpResponse respond(String path) {
        return switch (path) {
            case PATH, PATH + "/" -> HttpResponse.of(200, "text/html; charset=utf-8", html)
                    .withHeader("Content-Security-Policy", policy).withHeader("Referrer-Policy", "no-referrer")
                    .withHeader("X-Content-Type-Options", "nosniff").withHeader("Cache-Control", "no-store");
            case SCRIPT_PATH -> javascript(script);
            case SDK_PATH -> sdk != null ? javascript(sdk) : HttpResponse.text(404, "this server does not serve the SDK"
                    + " (throng push --centrifugo-sdk-file PATH); the page loads it from " + CDN_URL);
            default -> HttpResponse.text(404, "not found: " + path + " (the Centrifugo page is at " + PATH + ")");
        };
    }

    private static HttpResponse javascript(byte[] body) {
        return HttpResponse.of(200, "text/javascript; charset=utf-8", body).withHeader("X-Content-Type-Options", "nosniff")
                .withHeader("Cache-Control", "no-cache");
    }

    /** Where the SDK comes from, for the start lines. */
    public String describe() {
        return source;
    }

    private static String resource(String name) {
        try (InputStream in = CentrifugoPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
