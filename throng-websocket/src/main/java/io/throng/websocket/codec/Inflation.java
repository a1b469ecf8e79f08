package io.throng.websocket.codec;

import java.util.zip.Inflater;

/**
 * Where a connection's decompressor comes from. Without context takeover (the peer resets its
 * compressor after each message) any inflater will do, so one is borrowed from a shared pool for
 * the message and given back; with it the connection keeps its own, whose window carries over.
 */
public interface Inflation {

    /** The inflater for a new compressed message. */
    Inflater beginMessage();

    /** The message is done ({@code complete}) or abandoned; the inflater is reset or kept as the parameters say. */
    void endMessage(Inflater inflater, boolean complete);

    /** The connection closed: give everything back. */
    void close();
}
