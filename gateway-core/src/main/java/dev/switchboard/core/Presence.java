package dev.switchboard.core;

/**
 * Cluster-wide presence counts, as sent to clients on the {@code state} channel.
 *
 * @param numOnline distinct identities online (user id, else fingerprint, else connection)
 * @param numClients open connections
 */
public record Presence(long numOnline, long numClients) {

    /** No one online. */
    public static final Presence EMPTY = new Presence(0, 0);

    public Presence {
        if (numOnline < 0 || numClients < 0) {
            throw new IllegalArgumentException("presence: " + numOnline + "/" + numClients + " (expected: >= 0)");
        }
    }
}
