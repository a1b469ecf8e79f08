package io.throng.core;

/**
 * A handler that turns the connection's bytes into another handler's bytes (TLS decrypting records)
 * and may therefore hold input of its own: decoded bytes the inner handler left unconsumed while
 * no raw byte is left over. When reads resume ({@link Connection#resumeReads}) the engine hands the
 * raw leftover to {@link #onData} again; with none, it asks {@link #holdsInput} and, if true, calls
 * {@link #onData} with an empty buffer so the layer can hand its own leftover on.
 */
public interface LayeredHandler extends Handler {

    /** True if this layer holds input for {@code connection} that its inner handler has not consumed. */
    boolean holdsInput(Connection connection);
}
