package dev.switchboard.core.internal.session;

import dev.switchboard.core.SessionInfo;
import dev.switchboard.core.spi.SessionListener;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls every registered {@link SessionListener}; one failing listener neither stops the others nor the gateway. */
public final class SessionListeners implements SessionListener {

    private static final Logger log = LoggerFactory.getLogger(SessionListeners.class);

    private final List<SessionListener> listeners;

    public SessionListeners(List<SessionListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public void onConnect(SessionInfo s) {
        each(l -> l.onConnect(s));
    }

    @Override
    public void onDisconnect(SessionInfo s) {
        each(l -> l.onDisconnect(s));
    }

    @Override
    public void onSubscribe(SessionInfo s, String room) {
        each(l -> l.onSubscribe(s, room));
    }

    @Override
    public void onUnsubscribe(SessionInfo s, String room) {
        each(l -> l.onUnsubscribe(s, room));
    }

    private void each(Consumer<SessionListener> call) {
        for (SessionListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("Session listener {} failed", l.getClass().getName(), e);
            }
        }
    }
}
