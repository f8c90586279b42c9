package dev.switchboard.core.spi;

import java.util.concurrent.CompletionStage;

/**
 * Decides who a connecting client is, before the WebSocket upgrade is answered. Reads from the client are
 * paused until the stage completes.
 *
 * <p>Threads: called on the connection's event loop; must not block (do I/O asynchronously and return an
 * incomplete stage). A stage that completes exceptionally, or not within the handshake timeout, refuses
 * the client with 503.
 */
@FunctionalInterface
public interface Authenticator {

    /** Returns the decision for {@code request}; never {@code null}. */
    CompletionStage<AuthResult> authenticate(AuthRequest request);
}
