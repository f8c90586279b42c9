package dev.switchboard.core.internal.session;

import dev.switchboard.core.spi.Delivery;
import io.netty.util.concurrent.EventExecutor;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The sessions of one event loop: all of them, by user and by room. Touched only on its loop, so no locks:
 * a fan-out runs one task per loop that walks these lists (DESIGN §6).
 */
public final class LoopSessions {

    private final EventExecutor executor;
    private final SessionGroup all = new SessionGroup(true);
    private final Map<String, SessionGroup> users = new HashMap<>();
    private final Map<String, SessionGroup> rooms = new HashMap<>();

    LoopSessions(EventExecutor executor) {
        this.executor = executor;
    }

    public EventExecutor executor() {
        return executor;
    }

    public int size() {
        return all.size();
    }

    void add(Session s) {
        all.add(s);
        if (s.userId() != null) {
            users.computeIfAbsent(s.userId(), k -> new SessionGroup(false)).add(s);
        }
    }

    void remove(Session s) {
        s.removed = true;
        all.remove(s);
        if (s.userId() != null) {
            leave(users, s.userId(), s);
        }
        for (String room : s.rooms()) {
            leave(rooms, room, s);
        }
    }

    boolean join(String room, Session s) {
        if (s.removed || !s.addRoom(room)) {
            return false;
        }
        rooms.computeIfAbsent(room, k -> new SessionGroup(false)).add(s);
        return true;
    }

    boolean part(String room, Session s) {
        if (!s.removeRoom(room)) {
            return false;
        }
        leave(rooms, room, s);
        return true;
    }

    private static void leave(Map<String, SessionGroup> index, String key, Session s) {
        SessionGroup g = index.get(key);
        if (g != null && g.remove(s) == 0) {
            index.remove(key);
        }
    }

    /** Calls {@code action} for each session {@code target}/{@code key} names. Must run on this loop. */
    public void forEach(Delivery.Target target, String key, Consumer<Session> action) {
        SessionGroup g = switch (target) {
            case ALL -> all;
            case USER -> users.get(key);
            case ROOM -> rooms.get(key);
        };
        if (g != null) {
            g.forEach(action);
        }
    }
}
