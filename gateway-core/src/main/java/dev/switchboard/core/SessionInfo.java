package dev.switchboard.core;

import java.util.Map;
import java.util.Set;

/** What the gateway knows of one WebSocket connection. Safe to read from any thread. */
public interface SessionInfo {

    /** Returns the connection id, unique in the cluster ({@code <instance>-<channel id>}). */
    String connectionId();

    /** Returns the authenticated user id, or {@code null} for an anonymous connection. */
    String userId();

    /** Returns the client's {@code fingerprint} query parameter (a device id), or {@code null}. */
    String fingerprint();

    /**
     * Returns the identity counted in {@code num_online}: {@code u:<user id>}, else {@code f:<fingerprint>},
     * else {@code c:<connection id>}.
     */
    String identity();

    /** Returns the client's address (after trusted proxies), without port. */
    String remoteAddress();

    /** Returns the claims the {@code Authenticator} attached (for example a JWT's); never {@code null}. */
    Map<String, Object> claims();

    /** Returns a snapshot of the rooms this connection has joined. */
    Set<String> rooms();
}
