package io.throng.rpc.config;

import io.throng.core.config.TransportKind;
import java.util.Locale;

/**
 * Which engine transport a tRPC-Go-style {@code transport:} value runs on. This is the one seam
 * between the names users write and the transports the engine has:
 *
 * <ul>
 *   <li>{@code tnet} and {@code epoll} ask for the native epoll transport: the engine's
 *       {@link TransportKind} whose id is {@code epoll}, looked up by name. Where it cannot run
 *       (off Linux, another architecture, native access not enabled) they fall back to
 *       {@code nio}, as tRPC-Go falls back from tnet to its portable transport.</li>
 *   <li>{@code gonet}, {@code go-net} (Go's portable net package) and {@code nio}: {@code nio}.</li>
 *   <li>{@code default} or nothing: the engine's default transport.</li>
 *   <li>any other name: the engine transport of that id, or an error listing the known ones.</li>
 *   <li>a UDP network cannot run on tnet (as in tRPC-Go) and falls back to the portable transport.</li>
 * </ul>
 *
 * A fallback is not an error: {@link #fallbackReason()} says which and why, and the server or
 * client logs it once at start.
 *
 * @param requested      the name as written ("" if none)
 * @param network        tcp, tcp4, tcp6, udp, ...
 * @param kind           the transport that will run
 * @param fallbackReason why {@code kind} is not what was asked for, or null
 */
public record TransportChoice(String requested, String network, TransportKind kind, String fallbackReason) {

    public static TransportChoice resolve(String requested, String network) {
        String name = requested == null ? "" : requested.strip().toLowerCase(Locale.ROOT);
        String net = network == null || network.isBlank() ? "tcp" : network.strip().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "", "default" -> new TransportChoice(name, net, io.throng.core.config.ServerConfig.defaults().transport(), null);
            case "gonet", "go-net", "nio" -> new TransportChoice(name, net, TransportKind.NIO, null);
            case "tnet", "epoll" -> nativeOrFallback(name, net, "epoll");
            default -> {
                TransportKind k = byId(name);
                if (k == null) {
                    throw new IllegalArgumentException("unknown transport '" + requested
                            + "'; expected tnet, epoll, gonet or one of the engine's: " + engineIds());
                }
                yield new TransportChoice(name, net, k, null);
            }
        };
    }

    private static TransportChoice nativeOrFallback(String name, String net, String id) {
        if (net.startsWith("udp")) {
            return new TransportChoice(name, net, TransportKind.NIO, "transport " + name
                    + " does not support network " + net + "; switching to the portable nio transport");
        }
        TransportKind k = byId(id);
        if (k == null) {
            return new TransportChoice(name, net, TransportKind.NIO, "transport " + name + " needs the engine's "
                    + id + " transport, which this build does not have (it has " + engineIds()
                    + "); using the portable nio transport");
        }
        String why = io.throng.core.net.Transports.unavailableReason(k);
        if (why != null) {
            return new TransportChoice(name, net, TransportKind.NIO, "transport " + name + " (" + id
                    + ") cannot run here: " + why + "; using the portable nio transport");
        }
        return new TransportChoice(name, net, k, null);
    }

    private static TransportKind byId(String id) {
        for (TransportKind k : TransportKind.values()) {
            if (k.id().equalsIgnoreCase(id) || k.name().equalsIgnoreCase(id)) {
                return k;
            }
        }
        return null;
    }

    private static String engineIds() {
        StringBuilder sb = new StringBuilder();
        for (TransportKind k : TransportKind.values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(k.id());
        }
        return sb.toString();
    }

    public boolean fellBack() {
        return fallbackReason != null;
    }

    public boolean udp() {
        return network.startsWith("udp");
    }

    /** Logs the fallback, if any, once: the one line the issue asks for. */
    public TransportChoice logFallback(String who) {
        if (fallbackReason != null) {
            System.getLogger("io.throng.rpc.config").log(System.Logger.Level.WARNING, who + ": " + fallbackReason);
        }
        return this;
    }
}
