package io.throng.core.net;

import io.throng.core.config.TransportKind;

/** Which transports can run in this JVM, for a caller that wants to fall back itself with its own log line. */
public final class Transports {
    private Transports() {
    }

    /**
     * Why {@code kind} cannot run in this JVM, or null if it can ({@code auto} and {@code nio} always
     * can): epoll needs Linux on x86-64 or aarch64 and native access for throng's module.
     */
    public static String unavailableReason(TransportKind kind) {
        return io.throng.core.transport.Transport.unavailableReason(kind);
    }
}
