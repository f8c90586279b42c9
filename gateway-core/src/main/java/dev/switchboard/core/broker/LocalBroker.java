package dev.switchboard.core.broker;

import dev.switchboard.core.Presence;
import dev.switchboard.core.spi.Broker;
import dev.switchboard.core.spi.Delivery;
import dev.switchboard.core.spi.PresenceUpdate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The broker of a lone instance: there is nobody else to tell, and this instance's presence is the whole
 * cluster's. The embedded default; needs no Redis.
 */
public final class LocalBroker implements Broker {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    @Override
    public String name() {
        return "local";
    }

    @Override
    public CompletionStage<Void> start(Listener listener) {
        return DONE;
    }

    @Override
    public void publish(Delivery delivery) {
        // Already delivered locally by the gateway; no other instance exists.
    }

    @Override
    public CompletionStage<Presence> syncPresence(PresenceUpdate update) {
        return CompletableFuture.completedFuture(new Presence(update.localIdentities(), update.localConnections()));
    }

    @Override
    public CompletionStage<Void> stop() {
        return DONE;
    }
}
