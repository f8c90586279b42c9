package dev.switchboard.core.spi;

import java.util.Set;
import java.util.function.Supplier;

/**
 * How this instance's presence changed since the last {@link Broker#syncPresence} call.
 *
 * @param joined identities that came online here (their first local connection)
 * @param left identities that went offline here (their last local connection closed)
 * @param localIdentities how many distinct identities this instance holds now
 * @param localConnections how many connections this instance holds now
 * @param snapshot every identity this instance holds now; brokers use it to rebuild shared state after an
 *     outage, and need not read it otherwise
 */
public record PresenceUpdate(Set<String> joined, Set<String> left, int localIdentities, int localConnections,
                             Supplier<Set<String>> snapshot) {

    /** Tells whether nothing joined or left. */
    public boolean isEmpty() {
        return joined.isEmpty() && left.isEmpty();
    }
}
