package dev.switchboard.core.spi;

import dev.switchboard.core.Presence;
import java.util.concurrent.CompletionStage;

/**
 * Carries deliveries between gateway instances and keeps cluster-wide presence. The gateway always
 * delivers to its own connections itself; a broker only carries messages to and from elsewhere.
 *
 * <p>Threads: every method may be called from any thread and must not block. Nulls: no argument is null.
 */
public interface Broker {

    /** Returns a short name for logs and the start-up line, such as {@code local} or {@code redis}. */
    String name();

    /**
     * Starts the broker. Deliveries that reach this instance from elsewhere (other instances, the
     * application) go to {@code listener}, on any thread. The stage completes when the broker is usable;
     * a broker that can run degraded (its backend down) completes anyway and recovers by itself.
     */
    CompletionStage<Void> start(Listener listener);

    /**
     * Sends a delivery that this instance published to the other instances. The gateway has already
     * delivered it locally, so the broker must not hand it back to this instance's listener. Failures are
     * counted, never thrown: pub/sub is at most once.
     */
    void publish(Delivery delivery);

    /**
     * Reports this instance's presence change and answers the cluster-wide counts. The gateway calls it
     * once per presence interval, never twice at once, with an empty update when nothing changed.
     */
    CompletionStage<Presence> syncPresence(PresenceUpdate update);

    /** Tells whether the broker reaches its backend now; a local broker always does. */
    default boolean healthy() {
        return true;
    }

    /** Stops the broker and releases its resources; this instance's presence leaves the cluster. */
    CompletionStage<Void> stop();

    /** Receives deliveries from elsewhere. */
    @FunctionalInterface
    interface Listener {
        /** Delivers one message to this instance's connections. Called on any thread; must not block. */
        void onDelivery(Delivery delivery);
    }
}
