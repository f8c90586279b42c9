package dev.switchboard.core.internal.session;

import dev.switchboard.core.spi.PresenceUpdate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Counts this instance's connections per identity and remembers which identities came online or went
 * offline since the broker was last told. Joins and leaves happen at connection rate (thousands per second
 * at most), so one lock is simpler than lock-free counting and costs nothing measurable.
 */
public final class PresenceTracker {

    private final Map<String, int[]> counts = new HashMap<>();
    private Set<String> joined = new HashSet<>();
    private Set<String> left = new HashSet<>();
    private int connections;

    synchronized void join(String identity) {
        connections++;
        int[] n = counts.computeIfAbsent(identity, k -> new int[1]);
        if (n[0]++ == 0 && !left.remove(identity)) {
            joined.add(identity);
        }
    }

    synchronized void leave(String identity) {
        int[] n = counts.get(identity);
        if (n == null) {
            return;
        }
        connections--;
        if (--n[0] == 0) {
            counts.remove(identity);
            if (!joined.remove(identity)) {
                left.add(identity);
            }
        }
    }

    /** Returns the local counts now: distinct identities, connections. */
    public synchronized int[] local() {
        return new int[] {counts.size(), connections};
    }

    /** Hands over what changed since the last call and starts collecting anew. */
    public synchronized PresenceUpdate drain() {
        PresenceUpdate update = new PresenceUpdate(Set.copyOf(joined), Set.copyOf(left), counts.size(), connections,
                this::snapshot);
        joined = new HashSet<>();
        left = new HashSet<>();
        return update;
    }

    /** Returns every identity held here now. */
    public synchronized Set<String> snapshot() {
        return Set.copyOf(counts.keySet());
    }
}
