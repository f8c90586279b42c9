package dev.switchboard.core.spi;

import dev.switchboard.core.SessionInfo;

/**
 * Hears about connections coming and going and rooms joined and left — for lifecycle webhooks, audit logs
 * or the application's own presence. Threads: called on the connection's event loop; must not block and
 * should not throw (an exception is logged and ignored).
 */
public interface SessionListener {

    /** A client completed the upgrade. */
    default void onConnect(SessionInfo session) {
    }

    /** A client's connection closed, for any reason. */
    default void onDisconnect(SessionInfo session) {
    }

    /** A client joined {@code room} (not called when it was a member already). */
    default void onSubscribe(SessionInfo session, String room) {
    }

    /** A client left {@code room} by request (not called for the rooms a disconnect ends). */
    default void onUnsubscribe(SessionInfo session, String room) {
    }
}
